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
import { toolArgs, UsageError } from '../devtools/cliArgs';
import { createLogger } from '../../src/logger';
import type { Job } from '../../src/store/ledger';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { startFleet } from './adapterFleet';
import { auditChaos, failingRows, type FailingRow } from './audit';
import { chaosStreams, makeChaosPlan, type ChaosPlan, type PlannedSession } from './chaosPlan';
import { startChaosSites } from './chaosSites';
import { deliverAll } from './deliveryPhase';
import { openEvidenceFolder, type EvidenceFolder } from './evidence';
import {
  keepAfterAbort,
  keepFailureEvidence,
  type FailureInput,
  type RunSources,
} from './keepEvidence';
import {
  followResumes,
  formatSinceBreakdown,
  sessionLines,
  sinceBreakdown,
  summaryCounts,
  type SessionLine,
} from './replayRuns';
import { countOf, printReport } from './report';
import { describeSettle, settle, settleLimitMs, type Settled } from './settle';
import {
  awaitVerification,
  describeVerifyRound,
  plantUnusedZone,
  removeByStaff,
  verifyEnv,
  verifyLimitMs,
  type VerifySite,
} from './verifyPhase';
import { verifyFailingRows } from './verifyAudit';

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
  /** 1: the one site of the OPSCOM_* variables (the default run); 3: three sites (chaosSites.ts). */
  sites: number;
  /** With --sites 3: how long one site's OPSCOM is down (another's token refused 2/3 of it). */
  outageSeconds: number;
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
    sites: { kind: 'number', default: 1, min: 1 },
    'outage-seconds': { kind: 'number', default: 30, min: 1 },
  });
  if (a.sites !== 1 && a.sites !== 3) throw new UsageError(`--sites takes 1 or 3, not ${a.sites}`);
  const { 'outage-seconds': outageSeconds, ...rest } = a;
  return { ...rest, outageSeconds, store: a.store as Options['store'] };
}

type Say = (line: string) => void;

/**
 * `npm run chaos [-- --payments 2000 --kills 5 --rate 100 --seed N --store sqlite|postgres]`: the built
 * adapter (one process on SQLite, two on PostgreSQL) takes a storm of signed deliveries —
 * duplicated, concurrent, out of order, with forged ones mixed in — while OPSCOM and Stripe fail
 * ~20 % of calls and the adapter is SIGKILLed and restarted at random. Then it audits every
 * session against what OPSCOM and Stripe hold. A share of the paid sessions (--lost, 10 %) never
 * has its webhooks delivered: once the rest has settled, the real `npm run replay -- --since`
 * runs beside the fleet, faults still on, and must recover them without doubling any.
 * The adapters verify what enforcement sees (OPSCOM_VERIFY=on); a few planted payments use a
 * zone no lot uses or are removed by staff, and a closing verification round must find and
 * alert each and see every other standing permit (verifyPhase.ts).
 * Exit 1 on any lost, doubled or wrong permit. --busy N runs N CPU-bound processes beside it.
 * --sites 3 serves three sites from SITES_FILE, each with its own OPSCOM simulator (one a Connect
 * account's, two told by metadata.site, three timezones); one site's OPSCOM is down for
 * --outage-seconds (30) and another refuses its token for 2/3 of that; the audit holds each
 * permit to its site's OPSCOM, zone and wall clock; enforcement cases are planted at every site,
 * and the closing round is audited per site against its own OPSCOM (two sites name their own
 * Plate Validation endpoint in the sites file, the third is asked at OPSCOM_VALIDATE_URL).
 * PostgreSQL: DATABASE_URL (a fresh database is created on that server) or a throwaway server.
 * Its work folder (adapter-chaos-* in the temporary folder) is removed after a pass and kept,
 * with the evidence and a timeline per failing session, after a failure, a throw or Ctrl-C.
 */
export async function runChaos(argv: readonly string[]): Promise<number> {
  const o = parse(argv);
  const random = chaosStreams(o.seed);
  const started = Date.now();
  const say: Say = (line) => process.stdout.write(`${line}\n`);
  say(
    `chaos: ${o.payments} payments, ${o.kills} kills, ${o.store}, seed ${o.seed}${o.busy > 0 ? `, ${o.busy} CPU-bound process(es) beside it` : ''}`,
  );
  const src: RunSources = {
    keep: false,
    written: false,
    facts: { options: o, startedAt: new Date(started).toISOString() },
  };
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
  // The evidence of an aborted run is kept once, before the database it reads is torn down.
  let keeping: Promise<void> | undefined;
  const keepAborted = (why: string) =>
    (keeping ??= keepAfterAbort(src, why).then(
      (dir) => {
        if (dir) say(`the run's work folder is kept: ${dir} (README.txt says what is in it)`);
      },
      (err: unknown) => say(`could not write all the evidence: ${String(err)}`),
    ));
  const interrupted = (signal: NodeJS.Signals) => {
    say(`${signal}: keeping the evidence, stopping the fleet, the simulators and the database`);
    void keepAborted(`it was interrupted (${signal})`)
      .then(tearDown)
      .then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await run(o, random, started, say, teardown, src);
  } catch (err) {
    await keepAborted(`it threw: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await tearDown();
  }
}

/** The simulators, the plan, the ledger and the fleet, each registered for teardown. */
async function startWorld(
  o: Options,
  random: ReturnType<typeof chaosStreams>,
  teardown: Array<() => unknown>,
  src: RunSources,
) {
  const dir = mkdtempSync(join(tmpdir(), 'adapter-chaos-'));
  // First in, so last out: removed after everything using it has stopped, unless it is kept.
  teardown.push(() => {
    if (!src.keep) rmSync(dir, { recursive: true, force: true });
  });
  const folder = (src.folder = openEvidenceFolder(dir));
  for (let i = 0; i < o.busy; i++) {
    const busy = spawn('yes', [], { stdio: 'ignore' });
    teardown.push(() => busy.kill('SIGKILL'));
  }

  // --sites 3: each site its own OPSCOM; the evidence folder keeps every site's.
  const sites = o.sites > 1 ? await startChaosSites(dir, random.opscomFaults) : undefined;
  if (sites) teardown.push(() => sites.close());
  const opscom =
    sites?.sims[0] ??
    (await startOpscomSimulator({
      apiToken: TOKEN,
      random: random.opscomFaults,
    }));
  src.opscoms = sites
    ? sites.sims.map((sim, i) => ({
        site: sites.sites[i]!.id,
        sim,
        owns: (sessionId: string) => sites.siteOf(sessionId) === sites.sites[i]!.id,
      }))
    : [{ site: undefined, sim: opscom, owns: () => true }];
  if (!sites) {
    teardown.push(() => opscom.close());
    plantUnusedZone(opscom);
  }
  const stripe = (src.stripe = await startStripeSimulator({ random: random.stripeFaults }));
  teardown.push(() => stripe.close());
  if (!sites) opscom.faults.setRate(0.2, ['500', 'hang', 'reset', 'error200']);
  stripe.faults.setRate(0.2, ['500', '429', 'reset']);
  const plan = makeChaosPlan(o.payments, random.plan, Date.now());
  sites?.assign(plan);
  for (const s of plan.sessions) {
    const objects = sites?.objectsOf(s, stripe) ?? stripe;
    objects.addSession(s.session);
    for (const e of s.events) objects.addEvent({ ...e, created: Number(e['created']) });
  }
  // Webhooks that never arrive (an endpoint misconfigured, a secret rolled wrong). Never a
  // planted enforcement case: staff remove those once made, before replay would make them.
  const lost = new Set(
    plan.sessions
      .filter((s) => s.expected && random.schedule() < o.lost && !s.enforcement)
      .map((s) => s.session.id),
  );
  src.facts['withheld'] = [...lost];

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
  src.store = store;
  await migrateLedger(store);
  const adapterEnv = {
    // Every webhook and job step, into each adapter's log in the work folder: the evidence a
    // failed run keeps (tens of MB at 10,000 payments; written to a file, not through here).
    LOG_LEVEL: 'info',
    STRIPE_SECRET_KEY: 'sk_test_chaos',
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_API_URL: stripe.url,
    // With sites, SITES_FILE names each site's OPSCOM, token variable, clock and zone.
    ...(sites
      ? sites.env
      : {
          OPSCOM_API_TOKEN: TOKEN,
          OPSCOM_BASE_URL: opscom.url,
          OPSCOM_TIMEZONE: 'America/Toronto',
        }),
    OPSCOM_ZONE: 'CHAOS',
    // Short on purpose: a 1 s timeout and a 3 s lease are what a busy machine trips over.
    OPSCOM_TIMEOUT_MS: '1000',
    OPSCOM_GRACE_MS: '10000',
    ON_FULL_REFUND: 'delete',
    ON_PARTIAL_REFUND: 'shorten',
    STRIPE_TIMEOUT_MS: '1000',
    WORKER_LEASE_SECONDS: '3',
    WORKER_POLL_MS: '200',
    // With sites, SITES_FILE names a site's own Plate Validation (else OPSCOM_VALIDATE_URL).
    ...verifyEnv(sites ? undefined : opscom.url),
    ...(store.kind === 'sqlite'
      ? { SQLITE_PATH: store.sqlitePath }
      : { DATABASE_URL: store.url, DATABASE_SSL: 'off' }),
  };
  const fleet = (src.fleet = await startFleet(
    o.store === 'sqlite' ? 1 : 2,
    adapterEnv,
    random.fleet,
    folder.adapterDir,
  ));
  teardown.push(() => fleet.stop());
  return { folder, opscom, stripe, plan, lost, store, adapterEnv, fleet, sites };
}

/**
 * Corrections while the fleet runs, faults on: an operator fixes plates with replay, four at a
 * time, and like an operator runs the command a stopped one prints (3 times at most). The exit
 * kept for each is its last run's.
 */
async function runCorrections(
  corrected: readonly PlannedSession[],
  folder: EvidenceFolder,
  env: NodeJS.ProcessEnv,
): Promise<{ exits: number[]; resumed: number; resumes: number }> {
  const out = { exits: [] as number[], resumed: 0, resumes: 0 };
  for (let i = 0; i < corrected.length; i += 4) {
    const batch = corrected.slice(i, i + 4).map((s) =>
      followResumes(
        ['--session', s.session.id, '--plate', s.correction!, '--by', 'chaos', '--json'],
        (argv, resume) =>
          folder.runReplay(
            {
              purpose: resume === 0 ? 'correction' : 'correction resume',
              sessionId: s.session.id,
              argv,
            },
            env,
          ),
      ),
    );
    for (const r of await Promise.all(batch)) {
      out.exits.push(r.last.code);
      if (r.stops.length > 0) out.resumed++;
      out.resumes += r.stops.length;
    }
  }
  return out;
}

/**
 * The missed payments: the operator's replay over the whole window, beside the running fleet,
 * following the resume line of a run stopped by Stripe's injected faults (3 times at most). Each
 * session's last line is kept: who finished it is told from it.
 */
async function runSinceReplay(plan: ChaosPlan, folder: EvidenceFolder, env: NodeJS.ProcessEnv) {
  // (The plan dates some delayed payments' success a minute or two ahead: the window covers them.)
  const times = plan.sessions.flatMap((s) => s.events.map((e) => Number(e['created'])));
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const lines = new Map<string, SessionLine & { command: number }>();
  const { last, stops } = await followResumes(
    [
      ...['--since', iso(Math.min(...times) - 60), '--until', iso(Math.max(...times) + 60)],
      ...['--json', '--stripe-rate', '20'],
    ],
    async (argv, resume) => {
      const r = await folder.runReplay(
        { purpose: resume === 0 ? 'since' : 'since resume', argv },
        env,
      );
      for (const line of sessionLines(r.stdout))
        lines.set(line.sessionId, { ...line, command: r.n });
      return r;
    },
  );
  return { last, stops, lines, counts: summaryCounts(last.stdout) };
}

/** Each session a settle phase left waiting, as a failing row. */
function unsettledRows(s: Settled, phase: string): FailingRow[] {
  if (s.settled) return [];
  return s.unsettled.map((j: Job) => ({
    kind: 'never settled',
    sessionId: j.sessionId,
    text: `${j.sessionId}: still ${j.state} ${Math.round(s.limitMs / 60_000)} min into settling ${phase}; last error ${j.lastError ?? 'none'}, next run ${new Date(j.nextRunAt).toISOString()}, lease ${j.leaseOwner ?? 'none'}`,
  }));
}

async function run(
  o: Options,
  random: ReturnType<typeof chaosStreams>,
  started: number,
  say: Say,
  teardown: Array<() => unknown>,
  src: RunSources,
): Promise<number> {
  const { folder, opscom, stripe, plan, lost, store, adapterEnv, fleet, sites } = await startWorld(
    o,
    random,
    teardown,
    src,
  );
  // --sites 3: one site's OPSCOM down and another's token refused, while deliveries go on.
  const outages = sites?.startOutages(say, o.outageSeconds * 1000);
  const { deliveries, stats, forgedStatuses, kills, deliveredAt } = await deliverAll(
    plan,
    lost,
    fleet,
    { rate: o.rate, kills: o.kills, secret: SECRET },
    random,
  );
  say(
    `delivered: ${deliveries} deliveries acknowledged after ${stats.attempts} attempts; ${kills.length} kills`,
  );

  const ledger = await openLedger(
    store,
    createLogger({ level: 'error', pretty: false, silent: true }),
  );
  teardown.push(() => ledger.close());
  const owed = new Set(plan.sessions.filter((s) => s.expected).map((s) => s.session.id));
  const planned = new Set(plan.sessions.map((s) => s.session.id));
  const limitMs = settleLimitMs(o.payments);
  const settled = await settle(ledger, owed, planned, limitMs);
  src.facts['settledAfterWebhooks'] = settleFacts(settled);
  // The planted staff removals, once their permits are made; replay --since must not remake them.
  const verifySites: VerifySite[] = sites
    ? sites.verifySites(plan)
    : [{ id: undefined, sim: opscom, plan }];
  const removals = removeByStaff(verifySites);
  src.facts['staffRemoved'] = Object.fromEntries(removals);

  const replayEnv = { PATH: process.env['PATH'] ?? '', ...adapterEnv };
  const corrected = plan.sessions.filter((s) => s.correction);
  const corrections = await runCorrections(corrected, folder, replayEnv);
  src.facts['corrections'] = corrections;

  const since = await runSinceReplay(plan, folder, replayEnv);
  src.facts['replaySince'] = { stops: since.stops, exit: since.last.code, counts: since.counts };
  // Its own limit, from when replay ended: however long corrections and replay took.
  const recovered = await settle(ledger, owed, planned, limitMs);
  src.facts['settledAfterReplay'] = settleFacts(recovered);
  // Settled before the outages ended is no proof: the site back must settle too.
  await outages;
  const recoveredAfterOutages = sites ? await settle(ledger, owed, planned, limitMs) : recovered;
  const verified = await awaitVerification(
    verifySites,
    ledger,
    removals,
    verifyLimitMs(o.payments),
  );
  src.facts['verification'] = verified;

  // Read once: the audit, the notes, the breakdown, the dump and the timelines share them.
  const jobs = await ledger.listJobs();
  const events = await ledger.listEvents();
  const notes = events.filter((e) => e.outcome.startsWith('opscom.'));
  const report = sites
    ? sites.audit({ plan, jobs, notes, kills }, stripe)
    : auditChaos({
        plan,
        permits: [...opscom.permits.values()],
        opscomReceived: opscom.received,
        stripeSessions: stripe.sessions,
        jobs,
        notes,
        kills,
      });
  const noteCounts: Record<string, number> = {};
  for (const e of notes) noteCounts[e.outcome] = (noteCounts[e.outcome] ?? 0) + 1;
  const breakdown = sinceBreakdown(since.lines, new Map(jobs.map((j) => [j.sessionId, j])), owed);
  src.facts['replaySince'] = {
    stops: since.stops,
    exit: since.last.code,
    counts: since.counts,
    breakdown,
  };
  src.facts['adapters'] = fleet.incarnations;
  src.facts['audit'] = report;

  const forgedAccepted = forgedStatuses.filter((s) => s !== 400 && s !== 0).length;
  printReport(say, {
    payments: o.payments,
    owed: owed.size,
    deliveries,
    attempts: stats.attempts,
    forged: `${forgedStatuses.length} sent, ${forgedStatuses.filter((s) => s === 400).length} refused 400, ${forgedAccepted} accepted`,
    faults: `OPSCOM ${sites ? sites.faultsInjected() : opscom.faults.injected}, Stripe ${stripe.faults.injected}`,
    kills: kills.length,
    report,
    notes: noteCounts,
    settle: describeSettle(settled, deliveredAt),
    lost: lost.size,
    afterPayment: `${plan.sessions.filter((s) => s.refund?.full).length} full refunds, ${plan.sessions.filter((s) => s.refund && !s.refund.full).length} partial, ${corrected.length} corrections (exit of each one's last run ${JSON.stringify(countOf(corrections.exits))}${corrections.resumed > 0 ? `; ${corrections.resumed} stopped and resumed, ${corrections.resumes} resume(s)` : ''})`,
    replay: `${since.stops.length > 0 ? `stopped ${since.stops.length}× and resumed (${since.stops.join('; ')}), then ` : ''}exit ${since.last.code}, ${JSON.stringify(since.counts)}, ${recovered.settled ? `settled ${describeSettle(recovered)} after replay ended` : `never settled (${describeSettle(recovered)})`}`,
    replayFinishedBy: formatSinceBreakdown(breakdown),
    verification: describeVerifyRound(verified),
    verificationFailing: verified.report.failing,
    total: `${((Date.now() - started) / 1000).toFixed(1)} s`,
  });
  const unsettled = [
    ...unsettledRows(settled, 'after the webhooks'),
    ...unsettledRows(recovered, 'after replay --since'),
    ...(sites ? unsettledRows(recoveredAfterOutages, 'after the outages') : []),
  ];
  const counts = Object.entries({
    lost: report.lost.length,
    doubled: report.doubled.length,
    wrong: report.wrong.length,
    'missing write-backs': report.missingWriteBacks.length,
    'ledger disagrees': report.ledgerDisagrees.length,
    'forged accepted': forgedAccepted,
    'never settled': new Set(unsettled.map((r) => r.sessionId)).size,
    'not verified': verified.report.failing.length,
  }).filter(([, n]) => n > 0);
  if (counts.length === 0) {
    say('PASSED');
    return 0;
  }
  await failed(say, o.seed, src, counts, {
    sessions: plan.sessions,
    withheld: lost,
    jobs,
    events,
    rows: [...failingRows(report), ...unsettled, ...verifyFailingRows(verified.report.failing)],
    sinceLines: since.lines,
    replayStderr: since.last.stderr,
  });
  return 1;
}

/**
 * A failed run: its unsettled sessions and replay's last words on the terminal, its evidence and
 * a timeline per failing session into the kept work folder, and the FAILED line naming both.
 */
async function failed(
  say: Say,
  seed: number,
  src: RunSources,
  counts: ReadonlyArray<[string, number]>,
  input: FailureInput & { replayStderr: string },
): Promise<void> {
  for (const r of input.rows.filter((r) => r.kind === 'never settled').slice(0, 20))
    say(`  never settled: ${r.text}`);
  // What the operator's replay said on stderr: why it stopped, when it stopped early.
  const replayErrors = input.replayStderr.trim().split('\n').filter(Boolean).slice(-10);
  for (const line of replayErrors) say(`  replay: ${line}`);
  const timelines = await keepFailureEvidence(src, input);
  for (const t of timelines.slice(0, 20)) say(`  timeline: ${t}`);
  const dir = src.folder?.dir ?? '?';
  const more =
    timelines.length > 1 ? ` and ${timelines.length - 1} more in ${join(dir, 'timelines')}` : '';
  say(
    `FAILED (seed ${seed}): ${counts.map(([k, n]) => `${k} ${n}`).join(', ')} — evidence kept in ${dir} (README.txt says what is where)${timelines.length > 0 ? `; timeline${timelines.length > 1 ? 's' : ''}: ${timelines[0]}${more}` : ''}; \`npm run chaos -- --seed ${seed} ...\` repeats the same plan, deliveries and kills`,
  );
}

/** A settle phase, for run.json. */
function settleFacts(s: Settled): Record<string, unknown> {
  return s.settled
    ? { settled: true, tookMs: s.at - s.startedAt }
    : { settled: false, limitMs: s.limitMs, unsettled: s.unsettled.map((j) => j.sessionId) };
}
