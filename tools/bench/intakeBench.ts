import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { createDatabaseOn, startThrowawayPostgres } from '../devtools/throwawayPostgres';
import { toolArgs } from '../devtools/cliArgs';
import { migrateLedger } from '../../src/store/openLedger';
import { startBenchServer } from './benchServer';
import { fillDoneJobs } from './fillLedger';
import { runIngest, type IngestResult } from './ingest';
import { cpuMs } from './processStats';
import { median } from './stats';
import { benchAdapterEnv } from './timeToPermit';

interface Row extends IngestResult {
  ledger: string;
  round: number;
  /** The server's CPU time (user + system) over the measured seconds, per acknowledged webhook. */
  cpuMsPerAck: number;
}

/**
 * `npm run bench:intake [-- --seconds 10 --connections 32 --done-jobs 0 --runs 1]`: acknowledged signed webhooks per
 * second into an intake-only server (PROCESS_TYPE=intake, LOG_LEVEL=info), each a new paid
 * session (one event row and one job row, committed durably before the 200), on SQLite and on
 * PostgreSQL, side by side, with autocannon on loopback. PostgreSQL is a throwaway local server
 * with its default durability (fsync on, synchronous_commit on), or BENCH_DATABASE_URL (admin).
 */
export async function runIntakeBench(argv: readonly string[]): Promise<void> {
  const {
    seconds,
    connections,
    'done-jobs': doneJobs,
    runs,
  } = toolArgs(argv, {
    seconds: { kind: 'number', default: 10, min: 1 },
    connections: { kind: 'number', default: 32, min: 1 },
    'done-jobs': { kind: 'number', default: 0, min: 0 },
    runs: { kind: 'number', default: 1, min: 1 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'adapter-intake-bench-'));
  const adminUrl = process.env['BENCH_DATABASE_URL'];
  const pg = adminUrl ? undefined : await startThrowawayPostgres();
  const stores: Array<[string, StoreConfig]> = [
    ['SQLite', { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') }],
    [
      'PostgreSQL',
      {
        kind: 'postgres',
        url: await createDatabaseOn(adminUrl ?? pg!.url, 'adapter_bench'),
        ssl: false,
        poolSize: 10,
      },
    ],
  ];
  const rows: Row[] = [];
  const measure = async (
    round: number,
    name: string,
    env: Record<string, string>,
    script?: string,
  ) => {
    const server = await startBenchServer(env, script);
    const run = (seconds: number) => runIngest({ port: server.port, seconds, connections });
    await run(2); // warm-up
    const cpuBefore = cpuMs(server.child.pid);
    const result = await run(seconds);
    const cpuMsPerAck = (cpuMs(server.child.pid) - cpuBefore) / result.acked;
    await server.stop();
    rows.push({ ledger: name, round, ...result, cpuMsPerAck });
  };
  try {
    for (const [, store] of stores) {
      await migrateLedger(store);
      if (doneJobs > 0) await fillDoneJobs(store, doneJobs, { pending: 0, failed: 0 });
    }
    // Rounds alternate the rows, so that a slow minute on a shared machine falls on all three.
    for (let round = 1; round <= runs; round++) {
      // The ceiling: Express answering 200 to the same requests, nothing else.
      await measure(round, 'bare Express', {}, join(__dirname, 'bareServer.js'));
      for (const [name, store] of stores) {
        await measure(round, name, { PROCESS_TYPE: 'intake', ...benchAdapterEnv(store) });
      }
    }
  } finally {
    pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const ratio = (r: Row) =>
    r.perSecond / rows.find((b) => b.round === r.round && b.ledger === 'bare Express')!.perSecond;
  const lines = [
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${connections} connections, ${seconds} s after 2 s warm-up; ledgers holding ${doneJobs} done jobs first`,
    'round  ledger         acked/s   p50 ms   p99 ms   acked   non-2xx  errors  CPU ms/ack  ÷ bare',
    ...rows.map(
      (r) =>
        `${String(r.round).padStart(5)}  ${r.ledger.padEnd(12)} ${r.perSecond.toFixed(0).padStart(9)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.acked).padStart(7)} ${String(r.non2xx).padStart(9)} ${String(r.errors).padStart(7)} ${r.cpuMsPerAck.toFixed(3).padStart(11)} ${ratio(r).toFixed(2).padStart(7)}`,
    ),
  ];
  if (runs > 1) {
    for (const [name] of stores) {
      const ratios = rows.filter((r) => r.ledger === name).map(ratio);
      lines.push(
        `${name} ÷ bare over ${runs} rounds: median ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
