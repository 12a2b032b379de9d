import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import {
  createDatabaseOn,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../devtools/throwawayPostgres';
import { toolArgs } from '../devtools/cliArgs';
import { migrateLedger } from '../../src/store/openLedger';
import { startBenchServer } from './benchServer';
import { measureBurst } from './burst';
import { measureDrain, type DrainResult } from './drain';
import { runIngest, type IngestResult } from './ingest';
import { peakRssMb } from './processStats';
import { benchAdapterEnv, measureTimeToPermit, type TimeToPermit } from './timeToPermit';

interface Options {
  seconds: number;
  connections: number;
  drainJobs: number;
  drainConcurrency: number;
  burst: number;
  postgres: boolean;
}

function parse(argv: readonly string[]): Options {
  const a = toolArgs(argv, {
    seconds: { kind: 'number', default: 10, min: 1 },
    connections: { kind: 'number', default: 32, min: 1 },
    'drain-jobs': { kind: 'number', default: 10_000, min: 1 },
    'drain-concurrency': { kind: 'number', default: 8, min: 1 },
    burst: { kind: 'number', default: 4000, min: 1 },
    postgres: { kind: 'flag' },
  });
  return {
    seconds: a.seconds,
    connections: a.connections,
    drainJobs: a['drain-jobs'],
    drainConcurrency: a['drain-concurrency'],
    burst: a.burst,
    postgres: a.postgres || process.env['DATABASE_URL'] !== undefined,
  };
}

interface IngestRow extends IngestResult {
  what: string;
  rssMb: number;
}

const RATES = [200, 500];

/** Ingest at saturation and at fixed rates, for one server (`script`: the adapter or the bare app). */
async function ingestRows(
  label: string,
  env: Record<string, string>,
  o: Options,
  script?: string,
): Promise<IngestRow[]> {
  const rows: IngestRow[] = [];
  const server = await startBenchServer(env, script);
  await runIngest({ port: server.port, seconds: 2, connections: o.connections }); // warm-up
  const saturation = await runIngest({
    port: server.port,
    seconds: o.seconds,
    connections: o.connections,
  });
  rows.push({ what: `${label} saturation`, ...saturation, rssMb: peakRssMb(server.child.pid) });
  for (const rate of RATES) {
    const r = await runIngest({
      port: server.port,
      seconds: o.seconds,
      connections: o.connections,
      rate,
    });
    rows.push({ what: `${label} at ${rate}/s`, ...r, rssMb: peakRssMb(server.child.pid) });
  }
  await server.stop();
  return rows;
}

/**
 * `npm run bench [-- --seconds 10 --connections 32 --burst 4000 --drain-jobs 10000 --drain-concurrency 8
 * --postgres]`: every figure of the README's Performance section, measured side by side in one
 * run on this machine, for SQLite and (with --postgres or DATABASE_URL) PostgreSQL.
 */
export async function runBench(argv: readonly string[]): Promise<void> {
  const o = parse(argv);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'adapter-bench-all-'));
  let pg: ThrowawayPostgres | undefined;
  const freshStore = async (kind: 'sqlite' | 'postgres', name: string): Promise<StoreConfig> => {
    const store: StoreConfig =
      kind === 'sqlite'
        ? { kind, sqlitePath: join(dir, `${name}.sqlite`) }
        : {
            kind,
            url: await createDatabaseOn(
              process.env['DATABASE_URL'] ?? (pg ??= await startThrowawayPostgres()).url,
              'adapter_bench',
            ),
            ssl: false,
            poolSize: 10,
          };
    await migrateLedger(store);
    return store;
  };
  say(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; load generator (autocannon) and simulators share these cores`,
  );
  try {
    const bare = await ingestRows('bare Express', {}, o, join(__dirname, 'bareServer.js'));
    // The handler people write first (tools/bench/inlineServer.ts), for the burst below.
    const inline = await measureBurst({ count: o.burst, connections: o.connections });
    const kinds: Array<'sqlite' | 'postgres'> = o.postgres ? ['sqlite', 'postgres'] : ['sqlite'];
    for (const kind of kinds) {
      say('');
      say(`== ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ledger`);
      const adapter = await ingestRows(
        'adapter (intake)',
        { PROCESS_TYPE: 'intake', ...benchAdapterEnv(await freshStore(kind, 'ingest')) },
        o,
      );
      say(
        `ingest (${o.connections} connections, ${o.seconds} s each)   acked/s   p50 ms   p99 ms  non-2xx  peak RSS MB`,
      );
      for (const r of [...bare, ...adapter]) {
        say(
          `  ${r.what.padEnd(34)} ${r.perSecond.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.non2xx).padStart(8)} ${r.rssMb.toFixed(0).padStart(12)}`,
        );
      }
      say(
        `  adapter ÷ bare Express at saturation: ${((adapter[0]!.perSecond / bare[0]!.perSecond) * 100).toFixed(0)} %`,
      );

      const t: TimeToPermit = await measureTimeToPermit({
        store: await freshStore(kind, 'permit'),
        count: 1000,
        rate: 100,
        concurrency: 8,
      });
      say(
        `time to permit (web process, 1000 webhooks at 100/s): receipt → OPSCOM p50 ${t.permitP50.toFixed(1)} ms, p99 ${t.permitP99.toFixed(1)} ms (${t.permits}/${t.count}); ack p50 ${t.ackP50.toFixed(1)} ms, p99 ${t.ackP99.toFixed(1)} ms; peak RSS ${t.rssMb.toFixed(0)} MB`,
      );

      const burst = await measureBurst({
        count: o.burst,
        connections: o.connections,
        store: await freshStore(kind, 'burst'),
      });
      say(
        `burst (${o.burst} paid sessions, ${o.connections} connections, until every reference is in Stripe): service ${burst.permitsPerSecond.toFixed(0)} permits/s (session and PaymentIntent), inline handler ${inline.permitsPerSecond.toFixed(0)} permits/s (session only) = ${(burst.permitsPerSecond / inline.permitsPerSecond).toFixed(2)}; peak RSS ${burst.rssMb.toFixed(0)} MB`,
      );

      const d: DrainResult = await measureDrain({
        store: await freshStore(kind, 'drain'),
        jobs: o.drainJobs,
        concurrency: o.drainConcurrency,
        latencyMs: 100,
      });
      say(
        `drain (${d.jobs} queued jobs, OPSCOM answering in ${d.latencyMs} ms, WORKER_CONCURRENCY=${d.concurrency}): ${d.permitsPerSecond.toFixed(1)} permits/s of a ${d.limit.toFixed(0)}/s limit = ${((d.permitsPerSecond / d.limit) * 100).toFixed(0)} % in ${d.seconds.toFixed(0)} s; peak RSS ${d.rssMb.toFixed(0)} MB`,
      );
    }
  } finally {
    pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
