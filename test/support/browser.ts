import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser } from 'playwright-core';

/**
 * The browser the UI tests drive, found without any set-up step beyond `npm install`:
 *
 * 1. `CHROMIUM_PATH`, when set: that binary, or an error if it is not there.
 * 2. The Chromium shipped inside the `@sparticuz/chromium` dev dependency (Linux x64): a
 *    brotli-packed headless shell that `executablePath()` unpacks into the temporary folder
 *    once (about a second) and reuses after. Nothing is downloaded.
 * 3. A system Chromium or Chrome (a developer's laptop where the package cannot run).
 *
 * The tests are never skipped: with no browser at all they fail and say how to get one.
 *
 * Only the flags a sandboxed, offline machine needs are passed, not the package's own `args`:
 * those turn off web security and site isolation, and the console's tests check what a real
 * browser enforces (its Content-Security-Policy, escaping). Background networking is off
 * because this machine's closed network refuses Chromium's calls home.
 */
const FLAGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** The part of `@sparticuz/chromium` used here. */
interface PackagedChromium {
  executablePath(): Promise<string>;
}

export interface FoundBrowser {
  executablePath: string;
  /** Where it came from, for the test's log: `CHROMIUM_PATH`, the package, or the system. */
  source: string;
}

export async function findBrowser(env: NodeJS.ProcessEnv = process.env): Promise<FoundBrowser> {
  const chosen = env['CHROMIUM_PATH'];
  if (chosen) {
    if (!existsSync(chosen)) {
      throw new Error(`CHROMIUM_PATH is ${chosen}, and there is no file there: fix or unset it`);
    }
    return { executablePath: chosen, source: 'CHROMIUM_PATH' };
  }
  const problems: string[] = [];
  if (process.platform === 'linux' && process.arch === 'x64') {
    try {
      // Loaded through require: the package is an ES module to TypeScript's Node16 resolution,
      // and jest cannot run a dynamic import without an experimental flag.
      const packaged = createRequire(__filename)('@sparticuz/chromium') as PackagedChromium;
      const executablePath = await packaged.executablePath();
      return { executablePath, source: '@sparticuz/chromium' };
    } catch (error) {
      problems.push(`@sparticuz/chromium: ${(error as Error).message}`);
    }
  } else {
    problems.push(
      `@sparticuz/chromium ships Linux x64 only (this is ${process.platform} ${process.arch})`,
    );
  }
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
  if (system) return { executablePath: system, source: 'system' };
  problems.push(`no system browser at ${SYSTEM_BROWSERS.join(', ')}`);
  throw new Error(
    `no browser for the UI tests: ${problems.join('; ')}. Run npm install, or set CHROMIUM_PATH to a Chromium or Chrome binary`,
  );
}

/** Starts the found browser headless with playwright-core. */
export async function launchBrowser(): Promise<Browser> {
  const found = await findBrowser();
  return chromium.launch({ executablePath: found.executablePath, args: FLAGS, headless: true });
}
