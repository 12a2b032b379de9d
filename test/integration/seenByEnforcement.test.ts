import { startHarness, type Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { waitFor } from '../support/serverProcess';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import type { Verification } from '../../src/store/verificationLedger';
import { startAdapter, type RunningAdapter } from '../../src/adapter';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Ledger } from '../../src/store/ledger';
import { openLedger } from '../../src/store/openLedger';
import { freshDatabase } from '../support/postgres';
import { createPlateValidationClient } from '../../src/opscom/plateValidation';
import { createPace } from '../../src/verify/pace';
import { verifySessions } from '../../src/verify/verifySessions';

// Seen by enforcement (OPSCOM_VERIFY=on) against the OPSCOM simulator's Plate Validation, on
// both ledgers: what enforcement cannot see is found and alerted once, never re-created.
const VERIFY = {
  OPSCOM_VERIFY: 'on',
  OPSCOM_VERIFY_DELAY_SECONDS: '1',
  OPSCOM_VERIFY_EVERY_SECONDS: '1',
  OPSCOM_VERIFY_PER_SECOND: '50',
};

describe.each(harnessStores)('on the %s ledger', (_name, storeEnv) => {
  let h: Harness;
  afterEach(() => h?.close());
  const start = async (env: Record<string, string> = {}, client?: string) => {
    h = await startHarness({ ...(await storeEnv()), ...VERIFY, ...env }, client ? { client } : {}, {
      verifyOutageWaitMs: 50,
    });
  };

  async function paid(plate: string, zone?: string) {
    const session = makeSession({
      metadata: { plate, duration: '120', ...(zone ? { zone } : {}) },
    });
    h.stripe.addSession(session);
    expect((await h.post(makeEvent('checkout.session.completed', session))).status).toBe(200);
    const job = await h.waitForJob(session.id, ['done']);
    return { sessionId: session.id, referenceId: job.opscom!.referenceId };
  }

  const verification = (sessionId: string, test: (v: Verification) => boolean, what: string) =>
    waitFor(
      what,
      async () => {
        const v = await h.adapter.ledger.getVerification(sessionId);
        return v && test(v) ? v : undefined;
      },
      20_000,
    );
  const validations = () => h.opscom.received.filter((r) => r.path.endsWith('/validate/plate'));
  const notes = async (sessionId: string, type: string) =>
    (await h.adapter.ledger.listEvents(sessionId)).filter((e) => e.eventType === type);
  const unseenAlerts = async () =>
    (await h.adapter.ledger.openAlerts()).filter((a) => a.kind === 'not_visible');
  const metric = async (name: string) => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    return Number(new RegExp(`^opscom_adapter_${name} (\\S+)$`, 'm').exec(text)?.[1]);
  };

  test('a visible permit raises nothing; the client sends client, plate and the token as documented', async () => {
    await start({ OPSCOM_CLIENT: 'OC-TEST' }, 'OC-TEST');
    const { sessionId } = await paid('VIS123');
    expect(h.opscom.received[0]?.path).toBe('/api/OC-TEST/v1/permits/push');
    const v = await verification(sessionId, (x) => x.checks >= 3, 'three checks');
    expect(v).toMatchObject({ state: 'visible', misses: 0, lastResult: 'visible' });
    expect(JSON.parse(v.lastSeen!)).toMatchObject({
      plate: 'VIS123',
      permits: [expect.objectContaining({ active: true })],
    });
    for (const call of validations()) {
      expect(call.body).toEqual({ client: 'OC-TEST', plate: 'VIS123' });
      expect(call.tokenValid).toBe(true);
    }
    expect(await unseenAlerts()).toEqual([]);
    expect(await notes(sessionId, 'verify.not_visible')).toEqual([]);
    expect(await metric('permits_not_visible')).toBe(0);
    expect(h.logs()).not.toContain(h.env['OPSCOM_API_TOKEN']);
  });

  test('a permit in a zone no lot uses is found and alerted once, and counted', async () => {
    await start();
    h.opscom.enforcement.unusedZones.add('Z9');
    const { sessionId } = await paid('ZON123', 'Z9');
    const found = await verification(sessionId, (x) => x.state === 'not_visible', 'not visible');
    await verification(sessionId, (x) => x.checks >= found.checks + 2, 'two rounds more');
    const alerts = await unseenAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toMatch(/plate ZON123, zone Z9, session cs_\w+/);
    expect(alerts[0]?.message).toMatch(/used by no lot/);
    expect(await notes(sessionId, 'verify.not_visible')).toHaveLength(1);
    expect(await metric('permits_not_visible')).toBe(1);
    expect(h.opscom.received.filter((r) => r.path.endsWith('/push'))).toHaveLength(1);
  });

  test('a permit removed inside OPSCOM is found on the next rounds and never re-created without an operator', async () => {
    await start();
    const { sessionId, referenceId } = await paid('DEL123');
    await verification(sessionId, (x) => x.state === 'visible', 'visible first');
    expect(h.opscom.enforcement.removeByStaff(referenceId)).toBe(true);
    const found = await verification(sessionId, (x) => x.state === 'not_visible', 'not visible');
    expect(found.misses).toBe(2);
    await verification(sessionId, (x) => x.checks >= found.checks + 2, 'two rounds more');
    expect(h.opscom.received.map((r) => r.path.split('/').at(-1))).not.toContain('update');
    expect(h.opscom.received.filter((r) => r.path.endsWith('/push'))).toHaveLength(1);
    expect((await h.adapter.ledger.getJob(sessionId))?.state).toBe('done');
    expect(await unseenAlerts()).toHaveLength(1);
    expect((await unseenAlerts())[0]?.message).toMatch(/removed in OPSCOM/);
  });

  test('a permit a killed process recorded unseen, before alerting it, is alerted by the next pass', async () => {
    await start({ OPSCOM_VERIFY_DELAY_SECONDS: '3600' });
    const { sessionId } = await paid('KIL123');
    const later = Date.now() + 3_601_000;
    const ledger = h.adapter.ledger;
    const [row] = await ledger.claimVerifications({
      owner: 'verify:dead',
      now: later,
      leaseMs: 60_000,
      delayMs: 3_600_000,
      everyMs: 3_600_000,
      limit: 1,
    });
    expect(row?.sessionId).toBe(sessionId);
    const recorded = await ledger.finishVerification({
      sessionId,
      owner: 'verify:dead',
      generation: row!.generation,
      state: 'not_visible',
      misses: 2,
      checked: { at: later, result: 'not_visible', seen: '{"plate":"KIL123","permits":[]}' },
      error: null,
      countFrom: later,
    });
    expect(recorded).toBe(true);
    const [alert] = await waitFor('the alert', async () => {
      const open = await unseenAlerts();
      return open.length > 0 ? open : undefined;
    });
    expect(alert?.message).toMatch(/plate KIL123, zone Z1, session cs_\w+.*removed in OPSCOM/);
    expect(await notes(sessionId, 'verify.not_visible')).toHaveLength(1);
  });

  test("a round over given permits (a reconcile report's) checks them now, due or not", async () => {
    await start({ OPSCOM_VERIFY_DELAY_SECONDS: '3600' });
    const { sessionId } = await paid('GIV123');
    const round = await verifySessions([sessionId, 'cs_unknown'], {
      ledger: h.adapter.ledger,
      validation: createPlateValidationClient({
        url: h.config.opscom.validateUrl,
        apiToken: h.config.opscom.apiToken,
        client: h.config.opscom.client,
        timeoutMs: 1000,
      }),
      pace: createPace(50),
      timezone: h.config.opscom.timezone,
      delayMs: 3_600_000,
      everyMs: 3_600_000,
      now: Date.now,
      logger: createLogger({ level: 'error', pretty: false, silent: true }),
      concurrency: 1,
      leaseMs: 60_000,
    });
    expect(round).toMatchObject({
      checked: 1,
      calls: 1,
      stopped: undefined,
      skipped: ['cs_unknown'],
    });
    expect(await h.adapter.ledger.getVerification(sessionId)).toMatchObject({
      state: 'visible',
      checks: 1,
      leaseOwner: null,
    });
  });

  test('a validation outage (5xx, timeouts, error 9002) marks nothing unseen and stops no permit', async () => {
    await start();
    const first = await paid('OUT123');
    await verification(first.sessionId, (x) => x.state === 'visible', 'visible first');
    const path = '/validate/plate';
    h.opscom.faults.next('500', 2, path);
    h.opscom.faults.next('hang', 1, path);
    h.opscom.enforcement.failNext(9002, 2);
    const calls = validations().length;
    // Permits are made while Plate Validation fails.
    const during = await paid('OUT456');
    await waitFor('the outage to pass', () =>
      validations().length >= calls + 6 ? true : undefined,
    );
    const after = await verification(
      first.sessionId,
      (x) => x.state === 'visible' && x.lastError === null && x.checks >= 2,
      'visible after the outage',
    );
    expect(after.misses).toBe(0);
    await verification(during.sessionId, (x) => x.state === 'visible', 'the new permit visible');
    expect(await unseenAlerts()).toEqual([]);
    const events = await h.adapter.ledger.listEvents(first.sessionId);
    expect(events.filter((e) => e.eventType.startsWith('verify.'))).toEqual([]);
    // The refused token was logged, and no alert about it stays open once validation answers.
    expect(h.logs()).toMatch(/Plate Validation error 9002/);
    await waitFor('no validation alert open', async () =>
      (await h.adapter.ledger.openAlerts()).some((a) => a.kind === 'opscom_validation')
        ? undefined
        : true,
    );
  });
});

describe('two processes on one PostgreSQL ledger', () => {
  let h: Harness;
  let second: RunningAdapter | undefined;
  afterEach(async () => {
    await second?.stop(1000);
    await h?.close();
  });

  test('verify each permit once per round', async () => {
    const store = { DATABASE_URL: await freshDatabase(), DATABASE_SSL: 'off' };
    h = await startHarness({ ...store, ...VERIFY, OPSCOM_VERIFY_EVERY_SECONDS: '2' });
    const logger = createLogger({ level: 'error', pretty: false, silent: true });
    second = await startAdapter(loadConfig(h.env), logger);
    const sessions: string[] = [];
    for (let i = 0; i < 8; i++) {
      const session = makeSession({ metadata: { plate: `TWO${i}`, duration: '120' } });
      h.stripe.addSession(session);
      await h.post(makeEvent('checkout.session.completed', session));
      sessions.push(session.id);
    }
    await waitFor(
      'three rounds of every permit',
      async () => {
        const rows = await h.adapter.ledger.verificationsOf(sessions);
        return rows.length === sessions.length && rows.every((r) => r.checks >= 3)
          ? rows
          : undefined;
      },
      30_000,
    );
    await second.stop(1000);
    second = undefined;
    await h.adapter.stop(1000);
    const rows = await openedAgain(h.config.store, (l) => l.verificationsOf(sessions));
    const calls = h.opscom.received.filter((r) => r.path.endsWith('/validate/plate'));
    // Every call's answer was recorded once, on one permit: no plate asked twice for a round.
    expect(calls.length).toBe(rows.reduce((n, r) => n + r.checks, 0));
    for (const row of rows) {
      expect(calls.filter((c) => c.body['plate'] === row.plate)).toHaveLength(row.checks);
      expect(row.state).toBe('visible');
    }
  });
});

async function openedAgain<T>(store: Config['store'], read: (l: Ledger) => Promise<T>): Promise<T> {
  const ledger = await openLedger(
    store,
    createLogger({ level: 'error', pretty: false, silent: true }),
  );
  try {
    return await read(ledger);
  } finally {
    await ledger.close();
  }
}
