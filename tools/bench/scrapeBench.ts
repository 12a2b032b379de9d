import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics/metrics';
import type { Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { toolArgs } from '../devtools/cliArgs';
import {
  createDatabaseOn,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../devtools/throwawayPostgres';
import { fillDoneJobs } from './fillLedger';
import { percentile } from './stats';

/**
 * `npm run bench:scrape [-- --store sqlite|postgres --jobs 1000000 --rounds 20]`: what a
 * Prometheus scrape of /metrics and the console's queries cost with a big ledger. The ledger is
 * filled in SQL from one real job row (done, with its permit) copied `--jobs` times with its
 * own session, PaymentIntent, plate and reference, plus 1,000 pending and 100 failed jobs.
 * Prints p50/p99/max per query over `--rounds` rounds.
 */
export async function runScrapeBench(argv: readonly string[]): Promise<void> {
  const args = toolArgs(argv, {
    store: { kind: 'choice', default: 'sqlite', choices: ['sqlite', 'postgres'] },
    jobs: { kind: 'number', default: 1_000_000, min: 1 },
    rounds: { kind: 'number', default: 20, min: 1 },
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-scrape-'));
  let pg: ThrowawayPostgres | undefined;
  let ledger: Ledger | undefined;
  try {
    const store: StoreConfig =
      args.store === 'postgres'
        ? {
            kind: 'postgres',
            url: await createDatabaseOn((pg = await startThrowawayPostgres()).url, 'scrape'),
            ssl: false,
            poolSize: 4,
          }
        : { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
    await migrateLedger(store);
    const filling = Date.now();
    say(`Filling a ${args.store} ledger with ${args.jobs.toLocaleString('en')} done jobs…`);
    await fillDoneJobs(store, args.jobs);
    say(`  filled in ${((Date.now() - filling) / 1000).toFixed(1)} s`);
    if (store.kind === 'sqlite') {
      const bytes = statSync(store.sqlitePath).size;
      say(
        `  ledger file ${(bytes / 1e6).toFixed(0)} MB (${Math.round(bytes / args.jobs)} bytes a job)`,
      );
    }

    ledger = await openLedger(store, createLogger({ level: 'error', pretty: false }));
    const l = ledger;
    const metrics = createMetrics(l, Date.now);
    const probes: Array<[string, () => Promise<unknown>]> = [
      ['GET /metrics (whole scrape)', () => metrics.registry.metrics()],
      ['jobs by state (job_counts)', () => l.countJobs()],
      ['oldest waiting job', () => l.oldestDuePending(Date.now())],
      [
        'console: most recent job done',
        () => l.findJobs({ states: ['done'], limit: 1, offset: 0 }),
      ],
      [
        'console: recent failures',
        () => l.findJobs({ states: ['failed', 'dead'], limit: 10, offset: 0 }),
      ],
      ['console: all jobs, page 1', () => l.findJobs({ limit: 51, offset: 0 })],
      [
        'console: done jobs, page 100',
        () => l.findJobs({ states: ['done'], limit: 51, offset: 4950 }),
      ],
      ['console: search by plate', () => l.findJobs({ search: 'B123456', limit: 51, offset: 0 })],
      [
        'console: search by PaymentIntent',
        () => l.findJobs({ search: 'pi_bench_123456', limit: 51, offset: 0 }),
      ],
      [
        'console: search by reference',
        () => l.findJobs({ search: 'OC-B123456', limit: 51, offset: 0 }),
      ],
      [
        'console: count for "retry all"',
        () => l.countJobsMatching({ states: ['failed', 'dead'] }, 500),
      ],
    ];
    say('');
    say(`| ${args.jobs.toLocaleString('en')} jobs, ${args.store} | p50 ms | p99 ms | max ms |`);
    say('|---|---|---|---|');
    for (const [name, probe] of probes) {
      await probe(); // warm: the first scrape also reads pages into the cache
      const times: number[] = [];
      for (let i = 0; i < args.rounds; i++) {
        const started = performance.now();
        await probe();
        times.push(performance.now() - started);
      }
      const f = (n: number) => n.toFixed(1);
      say(
        `| ${name} | ${f(percentile(times, 50))} | ${f(percentile(times, 99))} | ${f(Math.max(...times))} |`,
      );
    }
  } finally {
    await ledger?.close();
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
