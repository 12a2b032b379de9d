import type { Ledger } from '../store/ledger';
import type { JobDeps } from '../worker/processJob';

/** The job path as composition holds it: the whole ledger, each user taking its part. */
export type SharedJobDeps = Omit<JobDeps, 'owner' | 'ledger'> & { ledger: Ledger };
