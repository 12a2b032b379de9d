import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { migrateSqlite } from '../../src/store/sqlite/sqliteDatabase';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../../tools/simulators/stripeSimulator';
import { launchBrowser } from './browser';
import { OPSCOM_TOKEN, testEnv } from './config';
import { startServerProcess, type ServerProcess } from './serverProcess';
import { signatureFor } from './stripeFixtures';

/** The built server (dist/) on a SQLite file, both simulators, and a real browser. */
export interface BrowserStack {
  opscom: OpscomSimulator;
  stripe: StripeSimulator;
  server: ServerProcess;
  browser: Browser;
  /** A temporary folder, deleted by close(). */
  dir: string;
  /** http://127.0.0.1:<port> of the server. */
  base: string;
  /** Signs and posts one event to the webhook; expects 200. */
  deliver: (event: Record<string, unknown>) => Promise<void>;
  close(): Promise<void>;
}

/** What the browser tests start: `env` adds to (or overrides) the test configuration. */
export async function startBrowserStack(
  label: string,
  env: Record<string, string>,
): Promise<BrowserStack> {
  const opscom = await startOpscomSimulator({ apiToken: OPSCOM_TOKEN });
  const stripe = await startStripeSimulator();
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  const all = testEnv({
    OPSCOM_BASE_URL: opscom.url,
    STRIPE_API_URL: stripe.url,
    SQLITE_PATH: join(dir, 'ledger.sqlite'),
    WORKER_POLL_MS: '100',
    ...env,
  });
  migrateSqlite(all['SQLITE_PATH']!);
  const server = await startServerProcess(all);
  const base = `http://127.0.0.1:${server.port}`;
  const browser = await launchBrowser();
  return {
    opscom,
    stripe,
    server,
    browser,
    dir,
    base,
    deliver: async (event) => {
      const body = JSON.stringify(event);
      const res = await fetch(`${base}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signatureFor(body) },
        body,
      });
      expect(res.status).toBe(200);
    },
    close: async () => {
      await browser.close();
      server.child.kill('SIGKILL');
      await opscom.close();
      await stripe.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
