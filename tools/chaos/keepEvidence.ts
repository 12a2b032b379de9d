import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, relative } from 'node:path';
import type { StoreConfig } from '../../src/config';
import type { EventRecord, Job } from '../../src/store/ledger';
import type { OpscomSimulator } from '../simulators/opscomSimulator';
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
} from './evidence';
import type { SessionLine } from './replayRuns';
import { sessionTimeline } from './timeline';
import { gatherEvidence } from './timelineGather';

/** What a run has started so far: filled in as it goes, so that an abort keeps what exists. */
export interface RunSources {
  folder?: EvidenceFolder;
  store?: StoreConfig;
  opscom?: OpscomSimulator;
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
  dumpSimulatorsAndFleet(dir, src.opscom, src.stripe, src.fleet?.incarnations ?? []);
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
  dumpSimulatorsAndFleet(dir, src.opscom, src.stripe, adapters);
  const ids = new Set(input.rows.map((r) => r.sessionId));
  const evidence = gatherEvidence(input.rows, {
    sessions: input.sessions,
    withheld: input.withheld,
    jobs: new Map(input.jobs.map((j) => [j.sessionId, j])),
    events: input.events,
    opscomReceived: src.opscom?.received ?? [],
    permits: src.opscom?.permits.values() ?? [],
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
