import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, relative } from 'node:path';
import type { StoreConfig } from '../../src/config';
import type { EventRecord, Job } from '../../src/store/ledger';
import type { StripeSimulator } from '../simulators/stripeSimulator';
import type { AdapterFleet } from './adapterFleet';
import { logLinesFor } from './logLines';
import type { FailingRow } from './audit';
import type { PlannedSession } from './chaosPlan';
import {
  dumpLedger,
  dumpSimulatorsAndFleet,
  writeFolderGuide,
  type EvidenceFolder,
  type OpscomSource,
} from './evidence';
import type { SessionLine } from './replayRuns';
import { sessionTimeline } from './timeline';
import { gatherEvidence, type SessionEvidence, type TimelineSources } from './timelineGather';

/** What a run has started so far: filled in as it goes, so that an abort keeps what exists. */
export interface RunSources {
  folder?: EvidenceFolder;
  store?: StoreConfig;
  /** Every OPSCOM simulator of the run (one per site with --sites). */
  opscoms?: readonly OpscomSource[];
  stripe?: StripeSimulator;
  fleet?: AdapterFleet;
  /** The work folder is kept at teardown (a failure, a throw, an interrupt). */
  keep: boolean;
  /** Its evidence is written (by whichever came first). */
  written: boolean;
  /** The run's options and figures as they become known, for run.json. */
  facts: Record<string, unknown>;
}

/** A throw or an interrupt: no audit to explain, but everything gathered so far is kept. */
export async function keepAfterAbort(src: RunSources, why: string): Promise<string | undefined> {
  src.keep = true;
  const folder = src.folder;
  if (!folder) return undefined;
  if (src.written) return folder.dir;
  src.written = true;
  const dir = folder.dir;
  dumpSimulatorsAndFleet(dir, src.opscoms ?? [], src.stripe, src.fleet?.incarnations ?? []);
  if (src.store) {
    const store = src.store;
    // A ledger that does not answer must not keep the run from ending: a minute, then without.
    const dumped = await Promise.race([
      dumpLedger(dir, store).then(
        () => 'dumped',
        (err: unknown) => `failed: ${err instanceof Error ? err.message : String(err)}`,
      ),
      sleep(60_000, 'timed out after 60 s', { ref: false }),
    ]);
    if (dumped !== 'dumped') writeFileSync(join(dir, 'ledger-dump-error.txt'), `${dumped}\n`);
  }
  writeFileSync(join(dir, 'run.json'), `${JSON.stringify({ kept: why, ...src.facts }, null, 2)}\n`);
  writeFolderGuide(dir, [`Chaos run kept because ${why}.`]);
  return dir;
}

export interface FailureInput {
  sessions: readonly PlannedSession[];
  withheld: ReadonlySet<string>;
  jobs: readonly Job[];
  events: readonly EventRecord[];
  rows: readonly FailingRow[];
  sinceLines: ReadonlyMap<string, SessionLine & { command?: number }>;
}

/**
 * A failed run: the ledger, the simulators' logs and a timeline for every failing session are
 * written into the work folder (the adapters' and replay's logs are there already), which is
 * kept. Returns the timeline files.
 */
export async function keepFailureEvidence(src: RunSources, input: FailureInput): Promise<string[]> {
  const { folder, store } = src;
  if (!folder || !store) throw new Error('a run fails only after its folder and ledger exist');
  src.keep = true;
  src.written = true;
  const dir = folder.dir;
  await dumpLedger(dir, store, { jobs: input.jobs, events: input.events });
  const adapters = src.fleet?.incarnations ?? [];
  dumpSimulatorsAndFleet(dir, src.opscoms ?? [], src.stripe, adapters);
  const ids = new Set(input.rows.map((r) => r.sessionId));
  const evidence = gatherPerSite(input.rows, src.opscoms ?? [], {
    sessions: input.sessions,
    withheld: input.withheld,
    jobs: new Map(input.jobs.map((j) => [j.sessionId, j])),
    events: input.events,
    stripeSessions: src.stripe?.sessions ?? new Map(),
    stripePaymentIntents: src.stripe?.paymentIntents ?? new Map(),
    stripeReceived: src.stripe?.received ?? [],
    commands: folder.commands,
    sinceLines: input.sinceLines,
    adapters,
    logLines: await logLinesFor(ids, [
      ...adapters.flatMap((a) => (a.log ? [{ path: a.log, label: relative(dir, a.log) }] : [])),
      ...folder.commands.map((c) => ({ path: join(dir, c.stderrFile), label: c.stderrFile })),
    ]),
  });
  mkdirSync(join(dir, 'timelines'), { recursive: true });
  const files: string[] = [];
  for (const [id, e] of evidence) {
    const file = join(dir, 'timelines', `${id}.txt`);
    writeFileSync(file, sessionTimeline(e));
    files.push(file);
  }
  writeFileSync(
    join(dir, 'run.json'),
    `${JSON.stringify({ kept: 'the run failed', ...src.facts, failing: input.rows }, null, 2)}\n`,
  );
  writeFolderGuide(dir, [`Chaos run kept because it failed: ${input.rows.length} failing row(s).`]);
  return files;
}

/**
 * Each failing session's evidence, its OPSCOM side read from its own site's simulator (each
 * numbers its permits from OC-000001: another site's OC-000007 is another permit).
 */
function gatherPerSite(
  rows: readonly FailingRow[],
  opscoms: readonly OpscomSource[],
  rest: Omit<TimelineSources, 'opscomReceived' | 'permits'>,
): Map<string, SessionEvidence> {
  const out = new Map<string, SessionEvidence>();
  let left = rows;
  for (const { site, sim, owns } of opscoms) {
    const mine = left.filter((r) => owns(r.sessionId));
    left = left.filter((r) => !owns(r.sessionId));
    const gathered = gatherEvidence(mine, {
      ...rest,
      opscomReceived: sim.received,
      permits: sim.permits.values(),
    });
    for (const [id, e] of gathered) out.set(id, site === undefined ? e : { ...e, site });
  }
  // A session no site owns (none should be): its evidence without an OPSCOM side.
  for (const [id, e] of gatherEvidence(left, { ...rest, opscomReceived: [], permits: [] }))
    out.set(id, e);
  if (opscoms.length > 1) addStrayCalls(out, opscoms);
  return out;
}

/**
 * A call about a session's plate that reached another site's OPSCOM (a push or a Plate
 * Validation sent to the wrong site) is part of its story: added, named by that OPSCOM. Plates
 * are the plan's own, one session's each, so a plate is matched in any site's OPSCOM.
 */
function addStrayCalls(
  out: ReadonlyMap<string, SessionEvidence>,
  opscoms: readonly OpscomSource[],
): void {
  const byPlate = new Map<string, SessionEvidence>();
  for (const e of out.values()) {
    byPlate.set(e.planned.plate, e);
    if (e.planned.correction) byPlate.set(e.planned.correction, e);
  }
  for (const { site, sim } of opscoms) {
    for (const r of sim.received) {
      const plate = r.body['LicencePlate'] ?? r.body['plate'];
      const e = typeof plate === 'string' ? byPlate.get(plate) : undefined;
      if (e && e.site !== site) e.opscomCalls.push({ ...r, path: `${site}'s OPSCOM ${r.path}` });
    }
  }
}
