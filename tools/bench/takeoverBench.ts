import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { toolArgs } from '../devtools/cliArgs';
import {
  createDatabaseOn,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../devtools/throwawayPostgres';
import { createLogger } from '../../src/logger';
import { sampleEvent, sampleSession } from '../demo/sampleSession';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { deliverLikeStripe } from '../chaos/deliver';
import { startBenchServer, type BenchServer } from './benchServer';

const TOKEN = 'bench-opscom-token';
const SECRET = 'whsec_bench_secret';

/**
 * `npm run bench:takeover [-- --store sqlite|postgres --runs 5 --lease 3]`: how long a payment
 * waits when the process calling OPSCOM for it is killed (kill -9). Two built servers share
 * the ledger; OPSCOM never answers the first request; the owner is SIGKILLed as soon as OPSCOM
 * has it; the figure is the time from the kill to the other process's request to OPSCOM.
 */
export async function runTakeoverBench(argv: readonly string[]): Promise<void> {
  const {
    store: kind,
    runs,
    lease,
  } = toolArgs(argv, {
    store: { kind: 'choice', default: 'sqlite', choices: ['sqlite', 'postgres'] },
    runs: { kind: 'number', default: 5, min: 1 },
    lease: { kind: 'number', default: 3, min: 1 },
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const opscom = await startOpscomSimulator({ apiToken: TOKEN });
  const stripe = await startStripeSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'bench-takeover-'));
  let pg: ThrowawayPostgres | undefined;
  const fleet: BenchServer[] = [];
  try {
    const store: StoreConfig =
      kind === 'postgres'
        ? {
            kind: 'postgres',
            url: await createDatabaseOn((pg = await startThrowawayPostgres()).url, 'takeover'),
            ssl: false,
            poolSize: 4,
          }
        : { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
    await migrateLedger(store);
    const ledger = await openLedger(store, createLogger({ level: 'error', pretty: false }));
    const env = {
      LOG_LEVEL: 'warn',
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_URL: stripe.url,
      OPSCOM_API_TOKEN: TOKEN,
      OPSCOM_BASE_URL: opscom.url,
      OPSCOM_TIMEZONE: 'America/Toronto',
      OPSCOM_ZONE: 'BENCH',
      OPSCOM_TIMEOUT_MS: '1000',
      STRIPE_TIMEOUT_MS: '1000',
      WORKER_LEASE_SECONDS: String(lease),
      WORKER_POLL_MS: '200',
      ...(store.kind === 'sqlite'
        ? { SQLITE_PATH: store.sqlitePath }
        : { DATABASE_URL: store.url, DATABASE_SSL: 'off' }),
    };
    for (let i = 0; i < 2; i++) fleet.push(await startBenchServer(env));
    say(`takeover after kill -9: ${kind}, lease ${lease} s, poll 200 ms, ${runs} runs`);
    const waits: number[] = [];
    for (let run = 0; run < runs; run++) {
      opscom.faults.next('hang');
      const before = opscom.received.length;
      const session = sampleSession({ plate: `TK${run}`, duration: '60' });
      stripe.addSession(session);
      const body = JSON.stringify(sampleEvent(session));
      const stats = { attempts: 0, acked: 0, retried: 0 };
      await deliverLikeStripe(body, SECRET, () => fleet[0]!.port, stats, Date.now() + 10_000);
      await until(() => opscom.received.length > before);
      const owner = (await ledger.getJob(session.id))?.leaseOwner ?? '';
      // The pid is one of the owner id's numeric parts (its format varies between versions).
      const index = fleet.findIndex((s) => owner.split(':').includes(String(s.child.pid)));
      const victim = fleet[index];
      if (!victim) throw new Error(`no server owns the job (${owner})`);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await until(() => opscom.received.length > before + 1, 120_000);
      waits.push(Date.now() - killedAt);
      say(`  run ${run + 1}: resumed ${waits.at(-1)} ms after the kill`);
      fleet[index] = await startBenchServer(env);
    }
    waits.sort((a, b) => a - b);
    say(
      `kill → resume: min ${waits[0]} ms, median ${waits[Math.floor(waits.length / 2)]} ms, max ${waits.at(-1)} ms`,
    );
    await ledger.close();
  } finally {
    await Promise.all(fleet.map((s) => s.stop()));
    await opscom.close();
    await stripe.close();
    pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function until(done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}
