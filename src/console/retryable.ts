import type { JobState } from '../domain/intakeRule';
import type { ConsoleLedger } from '../store/callerLedgers';

/** At most this many jobs are retried by one "retry all" (run it again for more). */
export const RETRY_ALL_CAP = 500;
/** The states "retry" and "retry all" take a job from. */
export const RETRYABLE: readonly JobState[] = ['failed', 'dead'];

export interface JobFilter {
  states?: JobState[] | undefined;
  search?: string | undefined;
}

/** The retryable states among those a filter asks for (all of them when it asks for none). */
export function retryableStates(states: readonly JobState[] | undefined): JobState[] {
  return RETRYABLE.filter((s) => !states || states.includes(s));
}

/** Failed or dead jobs matching a filter (those "retry all" takes), counted up to the cap. */
export async function countRetryable(
  ledger: Pick<ConsoleLedger, 'countJobsMatching'>,
  filter: JobFilter,
): Promise<number> {
  const states = retryableStates(filter.states);
  if (states.length === 0) return 0;
  return ledger.countJobsMatching({ states, search: filter.search }, RETRY_ALL_CAP);
}
