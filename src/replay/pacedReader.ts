import { setTimeout as sleep } from 'node:timers/promises';
import { StripeApiError } from '../errors';
import type { StripeReader } from '../stripe/stripeReader';

export interface PacingOptions {
  /** Requests started per second at most (Stripe allows ~25 reads/s in test mode). */
  perSecond: number;
  /** Tries per read before giving up (429, 5xx, no answer). */
  tries: number;
  /** First wait after a failure; doubles each time (a 429 waits twice as long). */
  backoffMs: number;
  /** Told of every retry, for the operator. */
  onRetry?: (what: string, error: StripeApiError, waitMs: number) => void;
}

/**
 * The one place that paces and retries replay's Stripe reads: requests start at most
 * `perSecond` per second (shared by every concurrent caller and by every reader it wraps, so
 * that reading several connected accounts keeps one pace), and a read that failed for a
 * reason that can pass (a transient error: 429, 5xx, no answer) is tried again after a growing
 * wait. A rejected key (operator) or a missing object (permanent) is not: waiting changes
 * nothing. Wrap each account's reader once (stripeReaders' `around`).
 */
export function pacer(options: PacingOptions): (reader: StripeReader) => StripeReader {
  const interval = 1000 / options.perSecond;
  let nextSlot = 0;
  const slot = async () => {
    const now = Date.now();
    const at = Math.max(now, nextSlot);
    nextSlot = at + interval;
    if (at > now) await sleep(at - now);
  };
  const paced =
    <A extends unknown[], T>(fn: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        await slot();
        try {
          return await fn(...args);
        } catch (err) {
          const retry =
            err instanceof StripeApiError && err.kind === 'transient' && attempt < options.tries;
          if (!retry) throw err;
          const wait = options.backoffMs * 2 ** (attempt - 1) * (err.statusCode === 429 ? 2 : 1);
          options.onRetry?.(fn.name, err, wait);
          await sleep(wait);
        }
      }
    };
  return (reader) => ({
    retrieveSession: paced(reader.retrieveSession),
    retrieveEvent: paced(reader.retrieveEvent),
    retrievePaymentIntent: paced(reader.retrievePaymentIntent),
    listSessionEvents: paced(reader.listSessionEvents),
    listPaymentEvents: paced(reader.listPaymentEvents),
    sessionsOfPaymentIntent: paced(reader.sessionsOfPaymentIntent),
    listCompleteSessions: paced(reader.listCompleteSessions),
  });
}

/** One reader with a pace of its own (pacer for one reader). */
export function pacedReader(reader: StripeReader, options: PacingOptions): StripeReader {
  return pacer(options)(reader);
}
