import type { RefusalReason, RefusalSurface } from '../errors';
import type { LogFields, Logger } from '../logger';

/** Where a request was refused: the webhook, the console's login, or elsewhere (a console
 * form, a malformed or timed-out request, a connection shed). Each has its own metric. */
export type { RefusalSurface };

/**
 * Every refused request is counted (in /metrics) and its log lines are bounded: a flood of any
 * size costs the disk a fixed rate (http/refusals.ts).
 */
export interface Refusals {
  /** Counts one refusal and logs it, unless this reason has had its lines for the window. */
  refused(surface: RefusalSurface, reason: RefusalReason, fields?: LogFields): void;
  /** Ends the window: one line summing it up, when some refusals were not logged one by one. */
  summarise(): void;
  /** Sums up each window as it ends (a timer that does not keep the process up). */
  start(): void;
  /** Stops the timer and sums up the window in progress. */
  stop(): void;
}

/** Lines logged per surface and reason in a window; further ones are only counted. */
export const LINES_PER_REASON = 5;
export const SUMMARY_WINDOW_MS = 60_000;

const MESSAGES: Record<RefusalSurface, string> = {
  webhook: 'webhook refused',
  login: 'console login refused',
  other: 'request refused',
};

export interface RefusalsDeps {
  logger: Logger;
  /** The metric of each refusal (metrics/metrics.ts). */
  count?: (surface: RefusalSurface, reason: RefusalReason) => void;
  now?: () => number;
  windowMs?: number;
}

/**
 * Refusals of one process. In each window (a minute) the first LINES_PER_REASON refusals of a
 * reason are logged at warn, each with what the caller knows (the address, the error); the
 * rest are counted, and the window ends with one line: "refused 47,112 requests in the last
 * 60 s: webhook/bad_signature 47,000, …". The reasons are a fixed set, so the lines a minute
 * are bounded whatever the flood's rate; /metrics has every refusal.
 */
export function createRefusals(deps: RefusalsDeps): Refusals {
  const now = deps.now ?? Date.now;
  const windowMs = deps.windowMs ?? SUMMARY_WINDOW_MS;
  let counts = new Map<string, number>();
  let since = now();
  let timer: NodeJS.Timeout | undefined;

  const summarise = () => {
    const ended = counts;
    const seconds = Math.max(1, Math.round((now() - since) / 1000));
    counts = new Map();
    since = now();
    let total = 0;
    let unlogged = 0;
    for (const n of ended.values()) {
      total += n;
      unlogged += Math.max(0, n - LINES_PER_REASON);
    }
    if (unlogged === 0) return;
    const each = [...ended]
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]) => `${key} ${n.toLocaleString('en')}`)
      .join(', ');
    deps.logger.warn(
      `refused ${total.toLocaleString('en')} requests in the last ${seconds} s: ${each}`,
      {
        total,
        unlogged,
        reasons: Object.fromEntries(ended),
      },
    );
  };

  return {
    refused(surface, reason, fields) {
      deps.count?.(surface, reason);
      const key = `${surface}/${reason}`;
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      if (n > LINES_PER_REASON) return;
      deps.logger.warn(MESSAGES[surface], {
        reason,
        ...fields,
        ...(n === LINES_PER_REASON
          ? {
              more: 'further refusals for this reason are counted in /metrics and summed up when the minute ends',
            }
          : {}),
      });
    },
    summarise,
    start() {
      if (timer) return;
      since = now();
      timer = setInterval(summarise, windowMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      summarise();
    },
  };
}
