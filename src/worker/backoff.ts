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
