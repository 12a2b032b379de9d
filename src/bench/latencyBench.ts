import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { sampleEvent, sampleSession } from '../demo/sampleSession';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { migrateSqlite } from '../store/sqliteDatabase';
import { openSqliteLedger } from '../store/sqliteLedger';
import { startBenchServer } from './benchServer';
import { percentile } from './stats';

const TOKEN = 'bench-opscom-token';
const SECRET = 'whsec_bench_secret';

function arg(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : fallback;
}

/**
 * `npm run bench:latency [-- --count 1000 --rate 200 --concurrency 8]`: the built server (dist/server.js, its
 * own process, SQLite ledger, LOG_LEVEL=info to /dev/null) receives `count` signed webhooks at
 * `rate` per second on loopback. Prints ack latency (client side) and receipt → OPSCOM (the
 * ledger's receipt time to the OPSCOM simulator's receipt time) percentiles.
 */
export async function runLatencyBench(argv: readonly string[]): Promise<void> {
  const count = arg(argv, 'count', 1000);
  const rate = arg(argv, 'rate', 200);
  const concurrency = arg(argv, 'concurrency', 8);
  const warmup = 50;
  const opscom = await startOpscomSimulator({ apiToken: TOKEN });
  const stripeSim = await startStripeSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'adapter-bench-'));
  const sqlitePath = join(dir, 'ledger.sqlite');
  migrateSqlite(sqlitePath);
  const server = await startBenchServer({
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_API_URL: stripeSim.url,
    OPSCOM_API_TOKEN: TOKEN,
    OPSCOM_BASE_URL: opscom.url,
    OPSCOM_TIMEZONE: 'America/Toronto',
    OPSCOM_ZONE: 'BENCH',
    SQLITE_PATH: sqlitePath,
    WORKER_CONCURRENCY: String(concurrency),
  });
  const port = server.port;
  const url = `http://127.0.0.1:${port}/webhooks/stripe`;
  const signer = new Stripe('sk_test_bench').webhooks;

  const bodies = Array.from({ length: warmup + count }, (_, i) => {
    const session = sampleSession({ plate: `B${i}`, duration: '60' });
    stripeSim.addSession(session);
    return { sessionId: session.id, body: JSON.stringify(sampleEvent(session)) };
  });
  const send = async (body: string): Promise<number> => {
    const started = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Stripe-Signature': signer.generateTestHeaderString({ payload: body, secret: SECRET }),
      },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    return performance.now() - started;
  };

  for (const { body } of bodies.slice(0, warmup)) await send(body);
  const measured = bodies.slice(warmup);
  const t0 = performance.now();
  const acks = await Promise.all(
    measured.map(async ({ body }, i) => {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return send(body);
    }),
  );
  const sendSeconds = (performance.now() - t0) / 1000;
  const deadline = Date.now() + 60_000;
  while (opscom.received.length < bodies.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await server.stop();

  const ledger = openSqliteLedger(sqlitePath);
  const opscomAt = new Map(opscom.received.map((r) => [r.body['LicencePlate'], r.at]));
  const toOpscom: number[] = [];
  for (const [i, { sessionId }] of measured.entries()) {
    const job = await ledger.getJob(sessionId);
    const at = opscomAt.get(`B${warmup + i}`);
    if (job && at !== undefined) toOpscom.push(at - job.createdAt);
  }
  await ledger.close();
  await opscom.close();
  await stripeSim.close();
  rmSync(dir, { recursive: true, force: true });

  const fmt = (v: number) => v.toFixed(1).padStart(7);
  process.stdout.write(
    [
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
      `webhooks: ${count} at ${rate}/s offered (${(count / sendSeconds).toFixed(0)}/s achieved), ${warmup} warm-up not counted, WORKER_CONCURRENCY=${concurrency}`,
      `                          p50      p99      max   (ms)`,
      `ack latency          ${fmt(percentile(acks, 50))}  ${fmt(percentile(acks, 99))}  ${fmt(Math.max(...acks))}`,
      `receipt → OPSCOM     ${fmt(percentile(toOpscom, 50))}  ${fmt(percentile(toOpscom, 99))}  ${fmt(Math.max(...toOpscom))}   (${toOpscom.length}/${count} permits)`,
      '',
    ].join('\n'),
  );
}
