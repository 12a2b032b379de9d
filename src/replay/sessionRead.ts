import { StripeApiError } from '../errors';
import type { ReplayLedger } from '../store/callerLedgers';
import {
  readCheckoutSession,
  type CheckoutSessionRead,
  type StripeReference,
} from '../stripe/sessionPayload';
import type { StripeReader } from '../stripe/stripeReader';
import type { SessionOutcome } from './outcome';
import type { ReplayTarget } from './planTypes';

export interface ResolveDeps {
  reader: StripeReader;
  ledger: ReplayLedger;
  /** Mode of STRIPE_SECRET_KEY: sessions of the other mode are never acted on. */
  livemode: boolean;
  /** Unix seconds now. */
  nowSeconds: () => number;
  /**
   * The OPSCOM reference in each session's Stripe metadata now, from listing sessions in bulk
   * (a --since window); a session not in it is read on its own.
   */
  references?: ReadonlyMap<string, StripeReference | null>;
}

/** A session to replay, or why it cannot be (reported as is, nothing written). */
export type Resolution = { target: ReplayTarget } | { outcome: SessionOutcome };

/** Stripe keeps events for 30 days; older sessions are found by listing sessions instead. */
export const EVENT_RETENTION_SECONDS = 30 * 24 * 3600;

export type Read = Extract<CheckoutSessionRead, { ok: true }>;

export const skip = (sessionId: string, detail: string): Resolution => ({
  outcome: { sessionId, outcome: 'skipped', detail },
});
export const fail = (sessionId: string, detail: string): Resolution => ({
  outcome: { sessionId, outcome: 'failed', detail },
});

/** The session Stripe has under this id, readable and of the key's mode, or why not. */
export async function readSession(
  id: string,
  deps: ResolveDeps,
): Promise<{ read: Read } | { resolution: Resolution }> {
  let raw: unknown;
  try {
    raw = await deps.reader.retrieveSession(id);
  } catch (err) {
    if (err instanceof StripeApiError && err.statusCode === 404) {
      return { resolution: fail(id, 'no such Checkout Session in this Stripe account and mode') };
    }
    throw err;
  }
  return checkRead(raw, id, deps);
}

/** A Checkout Session object from Stripe, readable and of the key's mode, or why not. */
export function checkRead(
  raw: unknown,
  id: string,
  deps: ResolveDeps,
): { read: Read } | { resolution: Resolution } {
  const read = readCheckoutSession(raw);
  if (!read.ok) return { resolution: fail(id, read.reason) };
  if (read.session.livemode !== deps.livemode) {
    return { resolution: skip(id, 'the session is of the other mode than STRIPE_SECRET_KEY') };
  }
  return { read };
}

/**
 * The reference in the session's Stripe metadata now, checked for every session, also those
 * the ledger has done: that is how a write-back lost on Stripe's side is found and repaired.
 */
export async function currentReference(
  sessionId: string,
  deps: ResolveDeps,
): Promise<ReplayTarget['stripeReference']> {
  const known = deps.references?.get(sessionId);
  if (known !== undefined) return known;
  const found = await readSession(sessionId, deps);
  return 'read' in found ? found.read.reference : undefined;
}
