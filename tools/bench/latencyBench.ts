import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { toolArgs } from '../devtools/cliArgs';
import { migrateLedger } from '../../src/store/openLedger';
import { measureTimeToPermit } from './timeToPermit';

/**
 * `npm run bench:latency [-- --count 1000 --rate 200 --concurrency 8]`: ack latency and
 * receipt → OPSCOM on the SQLite ledger (see timeToPermit.ts).
 */
export async function runLatencyBench(argv: readonly string[]): Promise<void> {
  const { count, rate, concurrency } = toolArgs(argv, {
    count: { kind: 'number', default: 1000, min: 1 },
    rate: { kind: 'number', default: 200, min: 1 },
    concurrency: { kind: 'number', default: 8, min: 1 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'adapter-bench-'));
  const store: StoreConfig = { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
  try {
    await migrateLedger(store);
    const r = await measureTimeToPermit({ store, count, rate, concurrency });
    const fmt = (v: number) => v.toFixed(1).padStart(7);
    process.stdout.write(
      [
        `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
        `webhooks: ${count} at ${rate}/s offered (${r.achieved.toFixed(0)}/s achieved), 50 warm-up not counted, WORKER_CONCURRENCY=${concurrency}, peak RSS ${r.rssMb.toFixed(0)} MB`,
        `                          p50      p99   (ms)`,
        `ack latency          ${fmt(r.ackP50)}  ${fmt(r.ackP99)}`,
        `receipt → OPSCOM     ${fmt(r.permitP50)}  ${fmt(r.permitP99)}   (${r.permits}/${count} permits)`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
