import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import {
  createDatabaseOn,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../devtools/throwawayPostgres';
import { toolArgs } from '../devtools/cliArgs';
import { runReplayScript } from '../devtools/replayScript';
import { createLogger } from '../../src/logger';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { startFleet } from './adapterFleet';
import { auditChaos, type AuditReport } from './audit';
import { chaosStreams, makeChaosPlan } from './chaosPlan';
import { deliverLikeStripe, sendForged, type DeliveryStats } from './deliver';

const TOKEN = 'chaos-opscom-token';
const SECRET = 'whsec_chaos_secret';

interface Options {
  payments: number;
  kills: number;
  seed: number;
  store: 'sqlite' | 'postgres';
  /** Deliveries per second (first copies). */
  rate: number;
  /** Share of the paid sessions whose webhooks are never delivered: replay must recover them. */
  lost: number;
  /** CPU-bound processes run beside the fleet (a busy machine: slow is not failed). */
  busy: number;
}

function parse(argv: readonly string[]): Options {
  const a = toolArgs(argv, {
    store: {
      kind: 'choice',
      default: process.env['DATABASE_URL'] ? 'postgres' : 'sqlite',
      choices: ['sqlite', 'postgres'],
    },
    payments: { kind: 'number', default: 2000, min: 1 },
    kills: { kind: 'number', default: 5 },
    seed: { kind: 'number', default: Date.now() % 1_000_000 },
    rate: { kind: 'number', default: 100, min: 1 },
    lost: { kind: 'number', default: 0.1 },
    busy: { kind: 'number', default: 0 },
  });
  return { ...a, store: a.store as Options['store'] };
}

/**
 * `npm run chaos [-- --payments 2000 --kills 5 --rate 100 --seed N --store sqlite|postgres]`: the built
 * adapter (one process on SQLite, two on PostgreSQL) takes a storm of signed deliveries —
 * duplicated, concurrent, out of order, with forged ones mixed in — while OPSCOM and Stripe fail
 * ~20 % of calls and the adapter is SIGKILLed and restarted at random. Then it audits every
 * session against what OPSCOM and Stripe hold. A share of the paid sessions (--lost, 10 %) never
 * has its webhooks delivered: once the rest has settled, the real `npm run replay -- --since`
 * runs beside the fleet, faults still on, and must recover them without doubling any.
 * Exit 1 on any lost, doubled or wrong permit. --busy N runs N CPU-bound processes beside it.
 * PostgreSQL: DATABASE_URL (a fresh database is created on that server) or a throwaway server.
 */
export async function runChaos(argv: readonly string[]): Promise<number> {
  const o = parse(argv);
  const random = chaosStreams(o.seed);
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `chaos: ${o.payments} payments, ${o.kills} kills, ${o.store}, seed ${o.seed}${o.busy > 0 ? `, ${o.busy} CPU-bound process(es) beside it` : ''}`,
  );
  // Whatever happens, nothing this run started outlives it: not a throw, not Ctrl-C.
  const teardown: Array<() => unknown> = [];
  // One teardown, however many ask for it (an interrupt, then the run's own finally).
  let stopping: Promise<void> | undefined;
  const tearDown = () =>
    (stopping ??= (async () => {
      for (const t of teardown.splice(0).reverse()) {
        try {
          await t();
        } catch {
          // Tearing down the rest matters more than this one's error.
        }
      }
    })());
  const interrupted = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping the fleet, the simulators and the throwaway database`);
    void tearDown().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await run(o, random, started, say, teardown);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await tearDown();
  }
}

async function run(
  o: Options,
  random: ReturnType<typeof chaosStreams>,
  started: number,
  say: (line: string) => void,
  teardown: Array<() => unknown>,
): Promise<number> {
  for (let i = 0; i < o.busy; i++) {
    const busy = spawn('yes', [], { stdio: 'ignore' });
    teardown.push(() => busy.kill('SIGKILL'));
  }

  const opscom = await startOpscomSimulator({ apiToken: TOKEN, random: random.opscomFaults });
  teardown.push(() => opscom.close());
  const stripe = await startStripeSimulator({ random: random.stripeFaults });
  teardown.push(() => stripe.close());
  opscom.faults.setRate(0.2, ['500', 'hang', 'reset', 'error200']);
  stripe.faults.setRate(0.2, ['500', '429', 'reset']);
  const plan = makeChaosPlan(o.payments, random.plan, Date.now());
  for (const s of plan.sessions) {
    stripe.addSession(s.session);
    for (const e of s.events) stripe.addEvent({ ...e, created: Number(e['created']) });
  }
  // Webhooks that never arrive (an endpoint misconfigured, a secret rolled wrong).
  const lost = new Set(
    plan.sessions.filter((s) => s.expected && random.schedule() < o.lost).map((s) => s.session.id),
  );

  const dir = mkdtempSync(join(tmpdir(), 'adapter-chaos-'));
  teardown.push(() => rmSync(dir, { recursive: true, force: true }));
  let pg: ThrowawayPostgres | undefined;
  let store: StoreConfig;
  if (o.store === 'sqlite') {
    store = { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
  } else {
    const admin = process.env['DATABASE_URL'] ?? (pg = await startThrowawayPostgres()).url;
    teardown.push(() => pg?.destroy());
    store = {
      kind: 'postgres',
      url: await createDatabaseOn(admin, 'adapter_chaos'),
      ssl: false,
      poolSize: 10,
    };
  }
  await migrateLedger(store);
  const adapterEnv = {
    LOG_LEVEL: 'warn',
    STRIPE_SECRET_KEY: 'sk_test_chaos',
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_API_URL: stripe.url,
    OPSCOM_API_TOKEN: TOKEN,
    OPSCOM_BASE_URL: opscom.url,
    OPSCOM_TIMEZONE: 'America/Toronto',
    OPSCOM_ZONE: 'CHAOS',
    // Short on purpose: a 1 s timeout and a 3 s lease are what a busy machine trips over.
    OPSCOM_TIMEOUT_MS: '1000',
    OPSCOM_GRACE_MS: '10000',
    ON_FULL_REFUND: 'delete',
    ON_PARTIAL_REFUND: 'shorten',
    STRIPE_TIMEOUT_MS: '1000',
    WORKER_LEASE_SECONDS: '3',
    WORKER_POLL_MS: '200',
    ...(store.kind === 'sqlite'
      ? { SQLITE_PATH: store.sqlitePath }
      : { DATABASE_URL: store.url, DATABASE_SSL: 'off' }),
  };
  const fleet = await startFleet(o.store === 'sqlite' ? 1 : 2, adapterEnv, random.fleet);
  teardown.push(() => fleet.stop());

  // Every event once, at a steady `rate`; 30 % of sessions have each event delivered 2–3
  // times, half of the copies at the same moment, half up to 5 s later. Shuffled, so a
  // session's events arrive in any order.
  const deliveries: Array<{ body: string; at: number }> = [];
  const events = plan.sessions.flatMap((s) => {
    const copies = random.schedule() < 0.3 ? 2 + Math.floor(random.schedule() * 2) : 1;
    // A lost session's Checkout events never arrive, but its refund does: the ledger keeps it
    // for the payment, and replay's recovery must then not leave a permit standing.
    const sent = lost.has(s.session.id)
      ? s.events.filter((e) => e['type'] === 'charge.refunded')
      : s.events;
    return sent.map((e) => ({ body: JSON.stringify(e), copies }));
  });
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random.schedule() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  events.forEach((e, i) => {
    const at = (i * 1000) / o.rate;
    deliveries.push({ body: e.body, at });
    for (let c = 1; c < e.copies; c++)
      deliveries.push({
        body: e.body,
        at: random.schedule() < 0.5 ? at : at + random.schedule() * 5000,
      });
  });
  const window = Math.max(...deliveries.map((d) => d.at)) + 3000;
  const killTimes = Array.from({ length: o.kills }, () => random.schedule() * window).sort(
    (a, b) => a - b,
  );

  const stats: DeliveryStats = { attempts: 0, acked: 0, retried: 0 };
  const forgedStatuses: number[] = [];
  const kills: number[] = [];
  const deadline = Date.now() + 15 * 60_000;
  const t0 = Date.now();
  const sleepUntil = (at: number) => sleep(Math.max(0, t0 + at - Date.now()));
  let delivering = true;
  // Forged, stale and tampered requests, in a steady stream while the real ones arrive.
  const forger = async () => {
    for (let i = 0; delivering; i++) {
      const f = plan.forged[i % plan.forged.length]!;
      forgedStatuses.push(await sendForged(f.body, f.kind, SECRET, fleet.pickPort()));
      await sleep(20);
    }
  };
  const killer = async () => {
    for (const at of killTimes) {
      await sleepUntil(at);
      kills.push((await fleet.killOne()).at);
    }
  };
  const forging = forger();
  await Promise.all([
    ...deliveries.map(async (d) => {
      await sleepUntil(d.at);
      await deliverLikeStripe(
        d.body,
        SECRET,
        () => fleet.pickPort(),
        stats,
        deadline,
        random.delivery,
      );
    }),
    killer(),
  ]);
  delivering = false;
  await forging;
  const deliveredAt = Date.now();
  say(
    `delivered: ${deliveries.length} deliveries acknowledged after ${stats.attempts} attempts; ${kills.length} kills`,
  );

  const ledger = await openLedger(
    store,
    createLogger({ level: 'error', pretty: false, silent: true }),
  );
  teardown.push(() => ledger.close());
  const owed = new Set(plan.sessions.filter((s) => s.expected).map((s) => s.session.id));
  const settle = async (): Promise<number | undefined> => {
    while (Date.now() < deadline) {
      const unsettled = (await ledger.listJobs(['pending'])).filter(
        (j) => owed.has(j.sessionId) || j.session.metadata['duration'] === 'whenever',
      );
      if (unsettled.length === 0) return Date.now();
      await sleep(500);
    }
    return undefined;
  };
  const settledAt = await settle();

  // Corrections while the fleet runs, faults on: an operator fixes plates with replay.
  const replayEnv = { PATH: process.env['PATH'] ?? '', ...adapterEnv };
  const corrected = plan.sessions.filter((s) => s.correction);
  const correctionExits: number[] = [];
  for (let i = 0; i < corrected.length; i += 4) {
    const batch = corrected
      .slice(i, i + 4)
      .map((s) =>
        runReplayScript(
          ['--session', s.session.id, '--plate', s.correction!, '--by', 'chaos', '--json'],
          replayEnv,
          'capture',
        ),
      );
    for (const r of await Promise.all(batch)) correctionExits.push(r.code);
  }

  // The missed payments: the operator's replay over the whole window, beside the running fleet.
  // (The plan dates some delayed payments' success a minute or two ahead: the window covers them.)
  const times = plan.sessions.flatMap((s) => s.events.map((e) => Number(e['created'])));
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  // A run stopped by Stripe's injected faults (a read that failed all its tries) ends with the
  // command that goes on from there: the operator runs it, and so does chaos (3 times at most).
  let replayed = await runReplayScript(
    [
      ...['--since', iso(Math.min(...times) - 60), '--until', iso(Math.max(...times) + 60)],
      ...['--json', '--stripe-rate', '20'],
    ],
    replayEnv,
    'capture',
  );
  const replayStops: string[] = [];
  for (let stop = replayStopOf(replayed.stdout); stop && replayStops.length < 3;) {
    replayStops.push(stop.reason);
    replayed = await runReplayScript(stop.argv, replayEnv, 'capture');
    stop = replayStopOf(replayed.stdout);
  }
  const replayCounts = summaryCounts(replayed.stdout);
  const recoveredAt = await settle();
  const report = auditChaos({
    plan,
    permits: [...opscom.permits.values()],
    opscomReceived: opscom.received,
    stripeSessions: stripe.sessions,
    jobs: await ledger.listJobs(),
    notes: (await ledger.listEvents()).filter((e) => e.outcome.startsWith('opscom.')),
    kills,
  });
  const noteCounts: Record<string, number> = {};
  for (const e of await ledger.listEvents()) {
    if (e.outcome.startsWith('opscom.')) noteCounts[e.outcome] = (noteCounts[e.outcome] ?? 0) + 1;
  }

  const forgedAccepted = forgedStatuses.filter((s) => s !== 400 && s !== 0).length;
  printReport(say, {
    payments: o.payments,
    owed: owed.size,
    deliveries: deliveries.length,
    attempts: stats.attempts,
    forged: `${forgedStatuses.length} sent, ${forgedStatuses.filter((s) => s === 400).length} refused 400, ${forgedAccepted} accepted`,
    faults: `OPSCOM ${opscom.faults.injected}, Stripe ${stripe.faults.injected}`,
    kills: kills.length,
    report,
    notes: noteCounts,
    settle:
      settledAt === undefined
        ? 'never (timed out)'
        : `${((settledAt - deliveredAt) / 1000).toFixed(1)} s`,
    lost: lost.size,
    afterPayment: `${plan.sessions.filter((s) => s.refund?.full).length} full refunds, ${plan.sessions.filter((s) => s.refund && !s.refund.full).length} partial, ${corrected.length} corrections (replay exits ${JSON.stringify(countOf(correctionExits))})`,
    replay: `${replayStops.length > 0 ? `stopped ${replayStops.length}× and resumed (${replayStops.join('; ')}), then ` : ''}exit ${replayed.code}, ${JSON.stringify(replayCounts)}, ${recoveredAt === undefined ? 'never settled' : `settled ${((recoveredAt - (settledAt ?? deliveredAt)) / 1000).toFixed(1)} s after the webhooks`}`,
    total: `${((Date.now() - started) / 1000).toFixed(1)} s`,
  });
  const failed =
    report.lost.length +
      report.doubled.length +
      report.wrong.length +
      report.missingWriteBacks.length +
      report.ledgerDisagrees.length +
      forgedAccepted >
      0 ||
    settledAt === undefined ||
    recoveredAt === undefined;
  if (failed) {
    const rows = Object.entries({
      lost: report.lost.length,
      doubled: report.doubled.length,
      wrong: report.wrong.length,
      'missing write-backs': report.missingWriteBacks.length,
      'ledger disagrees': report.ledgerDisagrees.length,
      'forged accepted': forgedAccepted,
      'never settled': settledAt === undefined || recoveredAt === undefined ? 1 : 0,
    }).filter(([, n]) => n > 0);
    // What the operator's replay said on stderr: why it stopped, when it stopped early.
    const replayErrors = replayed.stderr.trim().split('\n').filter(Boolean).slice(-10);
    for (const line of replayErrors) say(`  replay: ${line}`);
    say(
      `FAILED (seed ${o.seed}): ${rows.map(([k, n]) => `${k} ${n}`).join(', ')} — the evidence is above; \`npm run chaos -- --seed ${o.seed} ...\` repeats the same plan, deliveries and kills`,
    );
  } else {
    say('PASSED');
  }
  return failed ? 1 : 0;
}

function printReport(
  say: (line: string) => void,
  r: {
    payments: number;
    owed: number;
    deliveries: number;
    attempts: number;
    forged: string;
    faults: string;
    kills: number;
    report: AuditReport;
    notes: Record<string, number>;
    settle: string;
    lost: number;
    afterPayment: string;
    replay: string;
    total: string;
  },
): void {
  const rows: Array<[string, string | number]> = [
    ['payments (owed a permit)', `${r.payments} (${r.owed})`],
    ['deliveries (attempts)', `${r.deliveries} (${r.attempts})`],
    ['forged/stale/tampered', r.forged],
    ['faults injected', r.faults],
    ['adapter kills', r.kills],
    ['lost', r.report.lost.length],
    ['doubled', r.report.doubled.length],
    ['doubled in the documented window', r.report.doubledInWindow.length],
    ['doubles by cause', JSON.stringify(r.report.doubledBy)],
    ['OPSCOM answer → ledger (window)', windowFigures(r.report.answerToRecordMs)],
    ['OPSCOM attempt notes', JSON.stringify(r.notes)],
    ['wrong', r.report.wrong.length],
    ['missing write-backs', r.report.missingWriteBacks.length],
    ['ledger disagrees', r.report.ledgerDisagrees.length],
    ['time to settle', r.settle],
    ['webhooks never delivered', r.lost],
    ['refunds, corrections', r.afterPayment],
    ['replay --since (then settled)', r.replay],
    ['total run', r.total],
  ];
  for (const [k, v] of rows) say(`${k.padEnd(34)} ${v}`);
  const details: Array<[string, string[]]> = [
    ['lost', r.report.lost],
    ['doubled', r.report.doubled],
    ['doubled in window (evidence)', r.report.doubledInWindow],
    ['wrong', r.report.wrong],
    ['missing write-back', r.report.missingWriteBacks],
    ['ledger disagrees', r.report.ledgerDisagrees],
  ];
  for (const [name, lines] of details) for (const l of lines.slice(0, 20)) say(`  ${name}: ${l}`);
}

interface ReplaySummary {
  counts: Record<string, number>;
  stopped?: { reason: string; resume: string };
}

/** The summary line that ends `npm run replay -- --json`, if it printed one. */
function replaySummary(stdout: string): ReplaySummary | undefined {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return (JSON.parse(last) as { summary: ReplaySummary }).summary;
  } catch {
    return undefined;
  }
}

/** Why a replay run stopped early, and the arguments that go on from there. */
function replayStopOf(stdout: string): { reason: string; argv: string[] } | undefined {
  const stopped = replaySummary(stdout)?.stopped;
  if (!stopped) return undefined;
  const words = stopped.resume.replace(/^npm run replay -- /, '');
  // Chaos's own arguments have nothing a shell would need quoted.
  if (/['"\\]/.test(words)) throw new Error(`cannot follow the resume line: ${stopped.resume}`);
  return { reason: stopped.reason, argv: words.split(' ') };
}

/** The counts of the summary line that ends `npm run replay -- --json`. */
function summaryCounts(stdout: string): Record<string, number> {
  return replaySummary(stdout)?.counts ?? { unreadable: 1 };
}

/** p50, p99 and max of the answer → record times, in ms. */
function windowFigures(sorted: readonly number[]): string {
  if (sorted.length === 0) return 'no answers recorded';
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)!} ms (${sorted.length} answers)`;
}

function countOf(values: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}
