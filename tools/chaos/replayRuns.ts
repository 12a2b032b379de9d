import type { Job } from '../../src/store/ledger';

/** What one `npm run replay` process gave: its exit code and what it printed. */
export interface ReplayRun {
  code: number;
  stdout: string;
  stderr: string;
}

interface ReplaySummary {
  counts: Record<string, number>;
  stopped?: { reason: string; resume: string };
}

/** The summary line that ends `npm run replay -- --json`, if it printed one. */
function replaySummary(stdout: string): ReplaySummary | undefined {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return (JSON.parse(last) as { summary?: ReplaySummary }).summary;
  } catch {
    return undefined;
  }
}

/** Why a replay run stopped early, and the arguments that go on from there. */
export function replayStopOf(stdout: string): { reason: string; argv: string[] } | undefined {
  const stopped = replaySummary(stdout)?.stopped;
  if (!stopped) return undefined;
  const words = stopped.resume.replace(/^npm run replay -- /, '');
  // Chaos's own arguments have nothing a shell would need quoted.
  if (/['"\\]/.test(words)) throw new Error(`cannot follow the resume line: ${stopped.resume}`);
  return { reason: stopped.reason, argv: words.split(' ') };
}

/** The counts of the summary line that ends `npm run replay -- --json`. */
export function summaryCounts(stdout: string): Record<string, number> {
  return replaySummary(stdout)?.counts ?? { unreadable: 1 };
}

/**
 * Runs a replay command and, as an operator would, each command its stopped run prints to go on
 * from there, `maxResumes` times at most. `run(argv, resume)`: resume 0 is the command as given.
 * The last run decides the exit; `stops` says why each earlier one stopped.
 */
export async function followResumes(
  argv: readonly string[],
  run: (argv: readonly string[], resume: number) => Promise<ReplayRun>,
  maxResumes = 3,
): Promise<{ last: ReplayRun; stops: string[] }> {
  let last = await run(argv, 0);
  const stops: string[] = [];
  for (let stop = replayStopOf(last.stdout); stop && stops.length < maxResumes;) {
    stops.push(stop.reason);
    last = await run(stop.argv, stops.length);
    stop = replayStopOf(last.stdout);
  }
  return { last, stops };
}

/** One session's line of `npm run replay -- --json`. */
export interface SessionLine {
  sessionId: string;
  outcome: string;
  detail?: string;
}

/** The per-session lines of a replay run's --json output (the summary line is not one). */
export function sessionLines(stdout: string): SessionLine[] {
  const lines: SessionLine[] = [];
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const value = JSON.parse(text) as Partial<SessionLine>;
      if (typeof value.sessionId === 'string' && typeof value.outcome === 'string') {
        lines.push({
          sessionId: value.sessionId,
          outcome: value.outcome,
          ...(typeof value.detail === 'string' ? { detail: value.detail } : {}),
        });
      }
    } catch {
      // not a JSON line: nothing replay said about a session
    }
  }
  return lines;
}

/** Who finished the sessions replay --since took up: replay itself, or the fleet after it. */
export interface SinceBreakdown {
  /** Replay made or changed their permit itself. */
  finishedByReplay: number;
  /** Replay left them to a running adapter: pending for a retry, or held by another process. */
  leftToFleet: string[];
  /** Of those, at their final state in the ledger at the end (done or cancelled). */
  fleetFinished: number;
  /** Failed for another reason (a failed or dead job, a Stripe read that failed), owed a permit. */
  failedOwed: number;
  /** Failed and owed no permit (metadata that cannot be mapped: failing is right). */
  failedNotOwed: number;
}

/** Replay's words for a session it leaves to the process that holds it, or to any adapter. */
const LEFT_TO_FLEET = ['left pending', 'still holds this job'];

/**
 * From the last line replay printed for each session (a resume's line wins over the stopped
 * run's) and the ledger at the end.
 */
export function sinceBreakdown(
  lines: ReadonlyMap<string, SessionLine>,
  finalJobs: ReadonlyMap<string, Job>,
  owed: ReadonlySet<string>,
): SinceBreakdown {
  const out: SinceBreakdown = {
    finishedByReplay: 0,
    leftToFleet: [],
    fleetFinished: 0,
    failedOwed: 0,
    failedNotOwed: 0,
  };
  for (const line of lines.values()) {
    if (line.outcome === 'created' || line.outcome === 'updated') out.finishedByReplay++;
    else if (line.outcome !== 'failed') continue;
    else if (LEFT_TO_FLEET.some((words) => line.detail?.includes(words)))
      out.leftToFleet.push(line.sessionId);
    else if (owed.has(line.sessionId)) out.failedOwed++;
    else out.failedNotOwed++;
  }
  for (const id of out.leftToFleet) {
    const state = finalJobs.get(id)?.state;
    if (state === 'done' || state === 'cancelled') out.fleetFinished++;
  }
  return out;
}

export function formatSinceBreakdown(b: SinceBreakdown): string {
  return `finished by replay ${b.finishedByReplay}, left to the fleet ${b.leftToFleet.length} (fleet finished ${b.fleetFinished}); failed ${b.failedOwed} owed a permit, ${b.failedNotOwed} owed none (unmappable)`;
}
