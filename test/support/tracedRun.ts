import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Job, Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { OPSCOM_TOKEN, testEnv } from './config';
import { startOtlpReceiver, type OtlpReceiver } from './otlpReceiver';
import { startServerProcess, waitFor, type ServerProcess } from './serverProcess';
import { makeEvent, makeSession, signatureFor } from './stripeFixtures';

const silent = createLogger({ level: 'error', pretty: false, silent: true });

/** The ledger a server environment names (DATABASE_URL, else SQLITE_PATH). */
export function storeOf(env: Record<string, string>): StoreConfig {
  return env['DATABASE_URL']
    ? { kind: 'postgres', url: env['DATABASE_URL'], ssl: false, poolSize: 2 }
    : { kind: 'sqlite', sqlitePath: env['SQLITE_PATH']! };
}

/** A process's JSON log lines. */
export function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface TracedRun {
  /** A temporary folder of the test (removed after it). */
  readonly dir: string;
  readonly receiver: OtlpReceiver;
  /** The adapter's environment against the simulators, tracing on into the receiver. */
  env(store: Record<string, string>): Record<string, string>;
  /** The built server (or node with `argv`), its ledger migrated first; killed after the test. */
  start(env: Record<string, string>, argv?: readonly string[]): Promise<ServerProcess>;
  /** One signed paid session (plate TRACE42), answered 200. */
  deliver(port: number): Promise<{ session: { id: string }; body: string; signature: string }>;
  /** Waits until the session's job is done, reading the server's ledger. */
  waitDone(env: Record<string, string>, sessionId: string): Promise<Job>;
}

/**
 * For each test: the OPSCOM and Stripe simulators, an OTLP receiver and a folder; the built
 * server with tracing on exports OTLP/HTTP JSON to the receiver within a few ms of each span.
 */
export function useTracedRun(): TracedRun {
  let opscom: OpscomSimulator;
  let stripe: StripeSimulator;
  let receiver: OtlpReceiver;
  let dir: string;
  const servers: ServerProcess[] = [];
  let ledger: Ledger | undefined;
  beforeEach(async () => {
    opscom = await startOpscomSimulator({ apiToken: OPSCOM_TOKEN });
    stripe = await startStripeSimulator();
    receiver = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'adapter-tracing-'));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) s.child.kill('SIGKILL');
    await ledger?.close();
    ledger = undefined;
    await Promise.all([opscom.close(), stripe.close(), receiver.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    get receiver() {
      return receiver;
    },
    env: (store) =>
      testEnv({
        OPSCOM_BASE_URL: opscom.url,
        STRIPE_API_URL: stripe.url,
        ...store,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Export within a few ms of a span ending, not after the default five seconds.
        OTEL_BSP_SCHEDULE_DELAY: '20',
      }),
    async start(env, argv) {
      await migrateLedger(storeOf(env));
      const server = await startServerProcess(env, argv);
      servers.push(server);
      return server;
    },
    async deliver(port) {
      const session = makeSession({ metadata: { plate: 'TRACE42', duration: '2h' } });
      stripe.addSession(session);
      const body = JSON.stringify(makeEvent('checkout.session.completed', session));
      const signature = signatureFor(body);
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
        body,
      });
      expect(res.status).toBe(200);
      return { session, body, signature };
    },
    async waitDone(env, sessionId) {
      const l = (ledger ??= await openLedger(storeOf(env), silent));
      return waitFor(`job ${sessionId} done`, async () => {
        const job = await l.getJob(sessionId);
        return job?.state === 'done' ? job : undefined;
      });
    },
  };
}
