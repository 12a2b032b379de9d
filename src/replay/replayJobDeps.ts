import type { ReplayLedger } from '../store/callerLedgers';
import type { JobDeps } from '../worker/jobContext';

/** The worker's job path, over the part of the ledger replay uses. */
export type ReplayJobDeps = Omit<JobDeps, 'ledger'> & { ledger: ReplayLedger };
