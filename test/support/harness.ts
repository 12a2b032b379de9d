import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startAdapter, type AdapterOverrides, type RunningAdapter } from '../../src/adapter';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { migrateLedger } from '../../src/store/openLedger';
import type { Job, JobState } from '../../src/store/ledger';
import {
  startOpscomSimulator,
  type OpscomSimulator,
  type OpscomSimulatorOptions,
} from '../../tools/simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { OPSCOM_TOKEN, testEnv } from './config';
import { signatureFor, WEBHOOK_SECRET } from './stripeFixtures';

export interface Harness {
  adapter: RunningAdapter;
  opscom: OpscomSimulator;
  stripe: StripeSimulator;
  config: Config;
  /** The environment the adapter was configured from (for a replay run beside it). */
  env: Record<string, string>;
  url: string;
  dir: string;
  /** Everything the adapter logged, for checks that secrets never appear. */
  logs(): string;
  post(event: unknown, options?: PostOptions): Promise<{ status: number; body: unknown }>;
  waitForJob(sessionId: string, states: JobState[], timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

export interface PostOptions {
  secret?: string;
  timestamp?: number;
  /** Replaces the computed Stripe-Signature header (undefined: none at all). */
  header?: string | null;
  rawBody?: string;
}

export async function startHarness(
  env: Record<string, string> = {},
  opscomOptions: Partial<OpscomSimulatorOptions> = {},
  overrides: AdapterOverrides = {},
): Promise<Harness> {
  const opscom = await startOpscomSimulator({ apiToken: OPSCOM_TOKEN, ...opscomOptions });
  const stripe = await startStripeSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'adapter-test-'));
  const adapterEnv = testEnv({
    OPSCOM_BASE_URL: opscom.url,
    OPSCOM_VALIDATE_URL: `${opscom.url}/api/v1/validate/plate`,
    STRIPE_API_URL: stripe.url,
    SQLITE_PATH: join(dir, 'ledger.sqlite'),
    OPSCOM_TIMEOUT_MS: '1000',
    // A call that never answers (the simulator's `hang`) is retried after timeout + grace.
    OPSCOM_GRACE_MS: '500',
    STRIPE_TIMEOUT_MS: '1000',
    WORKER_POLL_MS: '50',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const config = loadConfig(adapterEnv);
  await migrateLedger(config.store);
  const stream = new PassThrough();
  let logText = '';
  stream.on('data', (chunk: Buffer) => (logText += chunk.toString('utf8')));
  const logger = createLogger({ level: config.logLevel, pretty: false, stream });
  // Retries come after 50 ms instead of the real backoff (2 s, 4 s …): tests check what is
  // retried and how often, not how long the backoff is (test/unit/backoff.test.ts does).
  const adapter = await startAdapter(config, logger, { retryDelay: () => 50, ...overrides });
  const url = `http://127.0.0.1:${adapter.port}`;

  return {
    adapter,
    opscom,
    stripe,
    config,
    env: adapterEnv,
    url,
    dir,
    logs: () => logText,
    async post(event, options = {}) {
      const body = options.rawBody ?? JSON.stringify(event);
      const header =
        options.header === undefined
          ? signatureFor(body, options.secret ?? WEBHOOK_SECRET, options.timestamp)
          : options.header;
      const res = await fetch(`${url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          ...(header === null ? {} : { 'Stripe-Signature': header }),
        },
        body,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: res.status, body: parsed };
    },
    async waitForJob(sessionId, states, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await adapter.ledger.getJob(sessionId);
        if (job && states.includes(job.state)) return job;
        if (Date.now() > deadline) {
          throw new Error(
            `job ${sessionId} not in ${states.join('/')} after ${timeoutMs} ms: ${JSON.stringify(job)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await adapter.stop(1000);
      await opscom.close();
      await stripe.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
