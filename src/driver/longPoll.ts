import { setTimeout as sleep } from 'node:timers/promises';
import type { MappingOptions } from '../domain/mapSession';
import type { DriverLedger } from '../store/callerLedgers';
import type { Job } from '../store/ledger';
import { driverView, type DriverView } from './driverView';

export interface LongPollDeps {
  ledger: DriverLedger;
  mapping: MappingOptions;
  now: () => number;
  /** How long a first answer waits for a permit on its way (the long poll), ms. */
  waitMs: number;
  /** Answers waiting at once at most; past it they answer at once (and refresh). */
  maxWaiting: number;
}

// The long poll asks the ledger again after 250 ms, then less often (up to once a second): a
// permit not made within a second is behind a backlog, where frequent polls only slow it.
const pollDelayMs = (round: number) => Math.min(1000, 250 * 2 ** Math.floor(round / 2));

/**
 * A permit on its way is waited for (at most `waitMs`, at most `maxWaiting` answers at once);
 * any other view is answered as it is.
 */
export function longPoll(
  deps: LongPollDeps,
): (job: Job, view: DriverView, mapping?: MappingOptions) => Promise<DriverView> {
  let waiting = 0;
  // `mapping`: the job's site's (its clock), when it has one of its own.
  return async (job, view, mapping = deps.mapping) => {
    if (view.state !== 'on_its_way' || waiting >= deps.maxWaiting) return view;
    waiting++;
    try {
      return await waitForPermit({ ...deps, mapping }, job, view);
    } finally {
      waiting--;
    }
  };
}

/**
 * Until the permit is made (or the job moves on), at most `waitMs`. Each round only reads the
 * row and looks at two fields; the view (a mapping) is made once, at the end: a poll that
 * mapped the session each round cost as much as making permits.
 */
async function waitForPermit(deps: LongPollDeps, job: Job, view: DriverView): Promise<DriverView> {
  const until = deps.now() + deps.waitMs;
  for (let round = 0; deps.now() < until; round++) {
    await sleep(Math.min(pollDelayMs(round), Math.max(0, until - deps.now())));
    const latest = await deps.ledger.getJob(job.sessionId);
    if (latest && (latest.state !== 'pending' || latest.opscom !== null)) {
      return driverView(latest, deps.mapping, deps.now());
    }
  }
  return view;
}
