import { findBrowser } from '../support/browser';

// Which browser the UI tests drive (the tests themselves are in test/e2e).
describe('findBrowser', () => {
  it('takes CHROMIUM_PATH when it is set and names it when the file is missing', async () => {
    await expect(findBrowser({ CHROMIUM_PATH: process.execPath })).resolves.toEqual({
      executablePath: process.execPath,
      source: 'CHROMIUM_PATH',
    });
    await expect(findBrowser({ CHROMIUM_PATH: '/nowhere/chromium' })).rejects.toThrow(
      'CHROMIUM_PATH is /nowhere/chromium, and there is no file there',
    );
  });

  it('finds the Chromium shipped in the npm package without CHROMIUM_PATH (Linux x64)', async () => {
    const found = await findBrowser({});
    const shipped = process.platform === 'linux' && process.arch === 'x64';
    expect(found.source).toBe(shipped ? '@sparticuz/chromium' : 'system');
  });
});
