import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { numberArg } from '../devtools/cliArgs';
import { migrateLedger } from '../../src/store/openLedger';
import { measureTimeToPermit } from './timeToPermit';

/**
 * `npm run bench:latency [-- --count 1000 --rate 200 --concurrency 8]`: ack latency and
 * receipt → OPSCOM on the SQLite ledger (see timeToPermit.ts).
 */
export async function runLatencyBench(argv: readonly string[]): Promise<void> {
  const count = numberArg(argv, 'count', 1000);
  const rate = numberArg(argv, 'rate', 200);
  const concurrency = numberArg(argv, 'concurrency', 8);
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
