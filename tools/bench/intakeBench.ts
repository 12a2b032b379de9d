import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { createDatabaseOn, startThrowawayPostgres } from '../devtools/throwawayPostgres';
import { toolArgs } from '../devtools/cliArgs';
import { migrateLedger } from '../../src/store/openLedger';
import { startBenchServer } from './benchServer';
import { runIngest, type IngestResult } from './ingest';
import { benchAdapterEnv } from './timeToPermit';

interface Row extends IngestResult {
  ledger: string;
}

/**
 * `npm run bench:intake [-- --seconds 10 --connections 32]`: acknowledged signed webhooks per
 * second into an intake-only server (PROCESS_TYPE=intake, LOG_LEVEL=info), each a new paid
 * session (one event row and one job row, committed durably before the 200), on SQLite and on
 * PostgreSQL, side by side, with autocannon on loopback. PostgreSQL is a throwaway local server
 * with its default durability (fsync on, synchronous_commit on), or BENCH_DATABASE_URL (admin).
 */
export async function runIntakeBench(argv: readonly string[]): Promise<void> {
  const { seconds, connections } = toolArgs(argv, {
    seconds: { kind: 'number', default: 10, min: 1 },
    connections: { kind: 'number', default: 32, min: 1 },
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
  try {
    for (const [name, store] of stores) {
      await migrateLedger(store);
      const server = await startBenchServer({ PROCESS_TYPE: 'intake', ...benchAdapterEnv(store) });
      const run = (seconds: number) => runIngest({ port: server.port, seconds, connections });
      await run(2); // warm-up
      const result = await run(seconds);
      await server.stop();
      rows.push({ ledger: name, ...result });
    }
  } finally {
    pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${connections} connections, ${seconds} s after 2 s warm-up`,
    'ledger        acked/s   p50 ms   p99 ms   acked   non-2xx  errors',
    ...rows.map(
      (r) =>
        `${r.ledger.padEnd(12)} ${r.perSecond.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.acked).padStart(7)} ${String(r.non2xx).padStart(9)} ${String(r.errors).padStart(7)}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
