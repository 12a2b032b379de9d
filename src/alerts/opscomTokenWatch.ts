import { OpscomAuthError } from '../errors';
import { aroundOpscomCalls, type OpscomClient } from '../opscom/opscomClient';

/** What this process last heard from OPSCOM about the API token. */
export interface TokenState {
  /** Unix ms of the last refusal (9001/9002), and what OPSCOM said. */
  refusedAt: number | undefined;
  refusal: string | undefined;
  /** Unix ms of the last call OPSCOM accepted. */
  acceptedAt: number | undefined;
}

/**
 * Wraps the OPSCOM client to remember whether OPSCOM refuses the token, for the alerts (in
 * memory: each worker process tells what it saw). It still only talks.
 */
export function watchOpscomToken(
  client: OpscomClient,
  now: () => number = Date.now,
): { client: OpscomClient; state: () => TokenState } {
  const state: TokenState = { refusedAt: undefined, refusal: undefined, acceptedAt: undefined };
  const watched = async <T>(_operation: string, call: () => Promise<T>): Promise<T> => {
    try {
      const result = await call();
      state.acceptedAt = now();
      return result;
    } catch (err) {
      if (err instanceof OpscomAuthError) {
        state.refusedAt = now();
        state.refusal = err.message;
      }
      throw err;
    }
  };
  return {
    client: aroundOpscomCalls(client, watched),
    state: () => ({ ...state }),
  };
}
