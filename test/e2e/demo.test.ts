import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '../../src/config';

const root = join(__dirname, '..', '..');

test('npm run demo (its built script) shows a permit and the reference in Stripe, exit 0', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'demo.js')], {
    env: { PATH: process.env['PATH'] ?? '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/POST \/api\/OC-TOMA\/v1\/permits\/push/);
  expect(run.stdout).toMatch(/"LicencePlate":"DEMO123"/);
  expect(run.stdout).toMatch(/"opscom_reference_id":"OC-000001"/);
  expect(run.stdout).toMatch(/✔ permit OC-000001/);
  expect(run.stdout).not.toContain('demo-opscom-token');
});

test('.env.example and the README document every variable the adapter reads', () => {
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const name of CONFIG_VARIABLES) {
    expect(example).toContain(name);
    expect(readme).toContain(name);
  }
});
