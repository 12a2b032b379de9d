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

test('npm run demo:replay runs the real replay script twice: recovers, then finds all done', () => {
  const run = spawnSync(
    process.execPath,
    [join(root, 'scripts', 'demo-replay.js'), '--sessions', '60'],
    {
      env: { PATH: process.env['PATH'] ?? '' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(run.status).toBe(0);
  const [first, second] = run.stdout
    .split(/\$ npm run replay -- --since \S+\s+\((?:first|second) run\)\n/)
    .slice(1);
  // 60 sessions: 12 delivered by webhook, 5 unpaid, 2 with a plate that cannot be mapped.
  expect(first).toMatch(
    /Summary \([\d.]+ s\)\n\s+created\s+\d+\n\s+already done\s+\d+\n\s+skipped\s+5\n\s+failed\s+2\n\s+sessions\s+60/,
  );
  expect(second).toMatch(/\n\s+already done\s+53\n\s+skipped\s+5\n\s+failed\s+2\n/);
  expect(second).not.toMatch(/\bcreated\b/);
  expect(run.stdout).toMatch(/\(exit 1; OPSCOM now has 53 permits\)\n$/);
});

test('npm run replay with bad arguments exits 2 and prints the usage', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'replay.js'), '--since', 'last tuesday'], {
    env: { PATH: process.env['PATH'] ?? '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/--since last tuesday: not an ISO-8601 time/);
  expect(run.stderr).toMatch(/Usage: npm run replay -- <selector> \[options\]/);
});

test('.env.example and the README document every variable the adapter reads', () => {
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const name of CONFIG_VARIABLES) {
    expect(example).toContain(name);
    expect(readme).toContain(name);
  }
});
