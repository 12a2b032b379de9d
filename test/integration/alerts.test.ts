import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlertMonitor } from '../../src/alerts/alertMonitor';
import { alertWebhook } from '../../src/alerts/alertWebhook';
import { watchOpscomToken, type TokenState } from '../../src/alerts/opscomTokenWatch';
import { createLogger } from '../../src/logger';
import { createOpscomClient } from '../../src/opscom/opscomClient';
import { emptyJob } from '../../src/store/jobRow';
import type { Job, Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { startOpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startHarness, type Harness } from '../support/harness';
import { runReplayCli, seedPaidSession } from '../support/replay';
import { samplePermit } from '../support/permits';
import { waitFor } from '../support/serverProcess';
import { makeEvent, uniqueId } from '../support/stripeFixtures';

/** A Slack-compatible incoming webhook: keeps each message; answers 500 while `failing` > 0. */
async function startReceiver() {
  const messages: string[] = [];
  let failing = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (failing > 0) {
        failing--;
        res.writeHead(500).end('receiver down');
        return;
      }
      messages.push((JSON.parse(body) as { text: string }).text);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    // The path stands for Slack's secret part of the URL.
    url: `http://127.0.0.1:${port}/services/T0/B0/secretpart`,
    messages,
    failNext: (n: number) => (failing = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('alerts from a running adapter', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  afterEach(async () => {
    await h?.close();
    await receiver?.close();
  });
  const start = async () => {
    receiver = await startReceiver();
    h = await startHarness(
      { ALERT_WEBHOOK_URL: receiver.url, PUBLIC_URL: 'https://permits.example.com/' },
      {},
      { alertIntervalMs: 30 },
    );
  };

  test('a failed job: one message with a link to it; one more when it is fixed', async () => {
    await start();
    const { session, event } = seedPaidSession(h, {
      metadata: { plate: '<!channel>', duration: '60' },
    });
    await h.post(event);
    await h.waitForJob(session.id, ['failed']);
    const [message] = await waitFor('the alert', () => receiver.messages[0] && receiver.messages);
    expect(message).toMatch(new RegExp(`job ${session.id} is failed. Reason: cannot map`));
    expect(message).toContain(`https://permits.example.com/console/jobs/${session.id}`);
    expect(message).toContain('&lt;!channel&gt;'); // a driver's text cannot ping a channel
    await new Promise((r) => setTimeout(r, 300)); // many rounds later: still one
    expect(receiver.messages).toHaveLength(1);

    await runReplayCli(h, ['--session', session.id, '--plate', 'FIXED1']);
    await waitFor('the resolution', () => receiver.messages[1]);
    expect(receiver.messages[1]).toMatch(new RegExp(`Resolved: job ${session.id} is now done`));
    expect(h.logs()).not.toContain('secretpart');
  });

  test('a failed refund is alerted once, though Stripe delivers it twice', async () => {
    await start();
    const { session, event } = seedPaidSession(h);
    await h.post(event);
    await h.waitForJob(session.id, ['done']);
    const refundId = uniqueId('re');
    const failed = makeEvent('refund.failed', {
      id: refundId,
      object: 'refund',
      payment_intent: session.payment_intent,
      status: 'failed',
    });
    await h.post(failed);
    await h.post(failed);
    await waitFor('the alert', () => receiver.messages[0]);
    expect(receiver.messages[0]).toMatch(new RegExp(`A refund failed \\(${refundId}`));
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.messages).toHaveLength(1);
  });
});

describe('the alert rounds', () => {
  const logger = createLogger({ level: 'error', pretty: false, silent: true });
  let dir: string;
  let ledger: Ledger;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    const store = { kind: 'sqlite' as const, sqlitePath: join(dir, 'ledger.sqlite') };
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await ledger.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let clock = 1_800_000_000_000;
  const now = () => clock;
  /** An alert round against the receiver, on the test's clock, hearing `token` of OPSCOM. */
  const monitorWith = (token: () => TokenState) =>
    createAlertMonitor({
      ledger,
      send: alertWebhook(new URL(receiver.url)),
      pendingMinutes: 15,
      publicUrl: undefined,
      token,
      now,
      logger,
    });
  const pendingJob = (sessionId: string, nextRunAt: number): Job => emptyJob(sessionId, nextRunAt);

  test('the queue late, then caught up; a receiver that is down gets it later, once', async () => {
    const monitor = monitorWith(() => ({
      refusedAt: undefined,
      refusal: undefined,
      acceptedAt: undefined,
    }));
    await ledger.changeJob('cs_late', () => ({
      result: undefined,
      write: pendingJob('cs_late', clock - 10 * 60_000),
    }));
    await monitor.tick();
    expect(receiver.messages).toEqual([]); // 10 min: under the threshold

    clock += 6 * 60_000;
    receiver.failNext(1);
    await monitor.tick();
    expect(receiver.messages).toEqual([]);
    const [open] = await ledger.openAlerts();
    expect(open).toMatchObject({
      key: 'pending_age',
      attempts: 1,
      lastError: expect.stringMatching(/HTTP 500/) as unknown,
    });
    expect(open?.lastError).not.toContain('secretpart');
    await monitor.tick(); // the retry is not due yet
    expect(receiver.messages).toEqual([]);

    clock += 31_000;
    await monitor.tick();
    expect(receiver.messages).toHaveLength(1);
    expect(receiver.messages[0]).toMatch(
      /Permits are late: the oldest job .* has waited 16 min \(alert after 15 min\)/,
    );

    await ledger.changeJob('cs_late', (job) => ({
      result: undefined,
      write: { ...job!, state: 'done' },
    }));
    await monitor.tick();
    await monitor.tick();
    expect(receiver.messages.slice(1)).toEqual([
      'Caught up: no job has been waiting longer than the alert threshold.',
    ]);
  });

  test('OPSCOM refusing the token is alerted, and its end', async () => {
    const opscom = await startOpscomSimulator({ apiToken: 'right-token' });
    try {
      const permit = samplePermit;
      const clientWith = (apiToken: string) =>
        createOpscomClient({ baseUrl: new URL(opscom.url), apiToken, timeoutMs: 2000, graceMs: 0 });
      const wrong = watchOpscomToken(clientWith('wrong-token'), now);
      const monitor = monitorWith(wrong.state);
      await expect(wrong.client.createPermit(permit, {})).rejects.toThrow(/9002/);
      await monitor.tick();
      await monitor.tick();
      expect(receiver.messages).toHaveLength(1);
      expect(receiver.messages[0]).toMatch(/^OPSCOM refuses the API token/);
      expect(receiver.messages[0]).not.toContain('wrong-token');

      // The token fixed (here: the same watch sees a call accepted).
      clock += 1000;
      const fixed = watchOpscomToken(clientWith('right-token'), now);
      await fixed.client.createPermit(permit, {});
      const healed = monitorWith(fixed.state);
      await healed.tick();
      expect(receiver.messages[1]).toBe(
        'OPSCOM accepts the API token again: permits are being made.',
      );
    } finally {
      await opscom.close();
    }
  });
});
