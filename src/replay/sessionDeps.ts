import type { ReplayJobDeps } from './replayJobDeps';
import type { ReplayRequest } from './planTypes';

export interface SessionReplayDeps {
  /**
   * The worker's own job runner (ledger, clients, mapping), with replay's lease owner. Its
   * lease length is also the longest wait between two rounds, and (twice) for another
   * process's lease.
   */
  job: ReplayJobDeps;
  /** What the operator asked for. */
  ask: Pick<ReplayRequest, 'force' | 'correction' | 'by'>;
  dryRun: boolean;
  /** Rounds per session when a step fails for a reason that can pass (OPSCOM down…). */
  tries: number;
}
