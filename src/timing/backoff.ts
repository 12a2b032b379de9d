const FIRST_DELAY_MS = 2_000;
const MAX_DELAY_MS = 60 * 60 * 1000;

/**
 * Delay before retry number `attempt` (1-based): 2 s, 4 s, 8 s … doubling to a cap of one hour,
 * so the first retries come within seconds, then minutes, then hourly. Each delay is drawn from
 * its upper half ("equal jitter") so that jobs failed by one outage do not retry in lockstep.
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** How long a step that needs an operator waits between tries: about a minute. */
const OPERATOR_DELAY_MS = 60_000;

/**
 * The wait before retry number `attempt` of a failed step: exponential for a transient error;
 * about a minute, always, for one that needs an operator (a refused token: retrying faster
 * cannot help, and once it is fixed the queue goes through within a minute).
 */
export function retryDelayMs(
  kind: 'transient' | 'operator',
  attempt: number,
  random: () => number = Math.random,
): number {
  if (kind === 'operator')
    return Math.round(OPERATOR_DELAY_MS / 2 + (random() * OPERATOR_DELAY_MS) / 2);
  return backoffDelayMs(attempt, random);
}

/**
 * The wait before sending an alert again after the webhook failed `attempts` times: 30 s,
 * doubling to a cap of 15 minutes (an alert late by minutes is still worth sending; one sent
 * every few seconds to a receiver that is down is not).
 */
export function alertRetryDelayMs(attempts: number): number {
  return Math.min(15 * 60_000, 30_000 * 2 ** Math.min(Math.max(attempts, 1) - 1, 10));
}
