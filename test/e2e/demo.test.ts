import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

test('npm run demo (its built script) shows a permit and the reference in Stripe, exit 0', () => {
  const run = spawnSync(process.execPath, [join(root, 'tools', 'bin', 'demo.js')], {
    env: { PATH: process.env['PATH'] ?? '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/POST \/api\/OC-TOMA\/v1\/permits\/push/);
  expect(run.stdout).toMatch(/"LicencePlate":"DEMO123"/);
  expect(run.stdout).toMatch(/"opscom_reference_id":"OC-000001"/);
  expect(run.stdout).toMatch(/✔ permit OC-000001/);
  expect(run.stdout).toMatch(/driver's page +http:\/\/127\.0\.0\.1:\d+\/permit\/cs_test_\w+/);
  expect(run.stdout).toMatch(/200 \{"state":"active","final":true,"plate":"DEMO123"/);
  expect(run.stdout).toMatch(
    /POST \/api\/v1\/validate\/plate\n {2}\{"api_token":"\[valid token, not shown\]","client":"OC-TOMA","plate":"DEMO123"\}/,
  );
  expect(run.stdout).toMatch(/✔ seen by enforcement/);
  expect(run.stdout).not.toContain('demo-opscom-token');
});

test('npm run demo:refund shows the permit, the full refund, its delete and the status in Stripe', () => {
  const run = spawnSync(process.execPath, [join(root, 'tools', 'bin', 'demo.js'), '--refund'], {
    env: { PATH: process.env['PATH'] ?? '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/✔ permit OC-000001/);
  expect(run.stdout).toMatch(
    /POST \/api\/OC-TOMA\/v1\/permits\/delete\n {2}\{"apiToken":"\[valid token, not shown\]","referenceID":"OC-000001"\}/,
  );
  expect(run.stdout).toMatch(/"opscom_permit_status":"deleted"/);
  expect(run.stdout).toMatch(/✔ refunded in full: permit OC-000001 deleted in OPSCOM/);
});

test('npm run demo:replay runs the real replay script: report, recovery, then all done', () => {
  const run = spawnSync(
    process.execPath,
    [join(root, 'tools', 'bin', 'demo-replay.js'), '--sessions', '60'],
    { env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status).toBe(0);
  const [report, first, second] = run.stdout
    .split(/\$ npm run replay -- --since \S+ .*\((?:the reconcile report|first run|second run)\)\n/)
    .slice(1);
  // 60 sessions: 13 delivered by webhook (one fails in OPSCOM with 9009), 5 unpaid, 2 with a
  // plate that cannot be mapped, one whose write-back was removed from Stripe.
  expect(report).toMatch(/dry run: nothing was changed/);
  expect(report).toMatch(/permit not in Stripe's metadata:\s+1\n\s+failed in the ledger:\s+1\n/);
  expect(report).toMatch(/\(exit 1; OPSCOM now has 11 permits\)/);
  expect(first).toMatch(/write-back to Stripe finished now/);
  expect(first).toMatch(/\n\s+skipped\s+5\n\s+failed\s+3\n\s+sessions\s+60\n/);
  expect(second).toMatch(/\n\s+already done\s+52\n\s+skipped\s+5\n\s+failed\s+3\n/);
  expect(second).not.toMatch(/\bcreated\b/);
  expect(second).not.toMatch(/finished now/); // the first run's repair landed in Stripe
  expect(run.stdout).toMatch(/\(exit 1; OPSCOM now has 52 permits\)\n$/);
});

test('npm run replay with bad arguments exits 2 and prints the usage', () => {
  const run = spawnSync(
    process.execPath,
    [join(root, 'scripts', 'replay.js'), '--since', 'last tuesday'],
    {
      env: { PATH: process.env['PATH'] ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/--since last tuesday: not an ISO-8601 time/);
  expect(run.stderr).toMatch(/Usage: npm run replay -- <selector> \[options\]/);
});
