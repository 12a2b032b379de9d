import type { JobState } from '../domain/intakeRule';
import type { ConsoleLedger } from '../store/callerLedgers';

/** At most this many jobs are retried by one "retry all" (run it again for more). */
export const RETRY_ALL_CAP = 500;
/** The states "retry" and "retry all" take a job from. */
export const RETRYABLE: readonly JobState[] = ['failed', 'dead'];

export interface JobFilter {
  states?: JobState[] | undefined;
  search?: string | undefined;
  /** The jobs list's site filter (null: of no site), as the ledger's query takes it. */
  sites?: (string | null)[] | undefined;
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
  const { search, sites } = filter;
  return ledger.countJobsMatching({ states, search, sites }, RETRY_ALL_CAP);
}
