import { StripeApiError } from '../errors';
import type { ReplayLedger } from '../store/callerLedgers';
import type { Job } from '../store/ledger';
import {
  readCheckoutSession,
  type CheckoutSessionRead,
  type StripeReference,
} from '../stripe/sessionPayload';
import type { StripeReader } from '../stripe/stripeReader';
import type { SessionOutcome } from './outcome';
import type { ReplayTarget } from './planTypes';

/** Stripe's reads as each account (the platform's for none), one pace shared by all. */
export type ReadersOf = (account?: string | null) => StripeReader;

export interface ResolveDeps {
  readers: ReadersOf;
  /** The account whose objects are read (a window's listing, --account); undefined: the platform. */
  account?: string | undefined;
  /**
   * Connected accounts to look in when `account` has no such session or event (a 404): a
   * --session or --event the ledger cannot place. Undefined: none (the account is known).
   */
  search?: readonly string[] | undefined;
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

/**
 * A session to replay, or why it cannot be (reported as is, nothing written), or one outside
 * the run's --site/--account (left out, not reported).
 */
export type Resolution =
  { target: ReplayTarget } | { outcome: SessionOutcome } | { outOfScope: string };

/** Stripe keeps events for 30 days; older sessions are found by listing sessions instead. */
export const EVENT_RETENTION_SECONDS = 30 * 24 * 3600;

export type Read = Extract<CheckoutSessionRead, { ok: true }>;

export const skip = (sessionId: string, detail: string): Resolution => ({
  outcome: { sessionId, outcome: 'skipped', detail },
});
export const fail = (sessionId: string, detail: string): Resolution => ({
  outcome: { sessionId, outcome: 'failed', detail },
});

/** The deps that read as a ledger job's own account (from the event that recorded it). */
export const asJobAccount = (job: Job, deps: ResolveDeps): ResolveDeps => ({
  ...deps,
  account: job.session.stripeAccount ?? undefined,
  search: undefined,
});

/**
 * The first of `account`, then `search`'s accounts, where Stripe has the object (a 404 moves
 * on); undefined when none has it. Bounded by the configured accounts, never by the input.
 */
export async function firstFound<T>(
  deps: ResolveDeps,
  read: (reader: StripeReader) => Promise<T>,
): Promise<{ value: T; account: string | undefined } | undefined> {
  const accounts = [deps.account, ...(deps.search ?? []).filter((a) => a !== deps.account)];
  for (const account of accounts) {
    try {
      return { value: await read(deps.readers(account)), account };
    } catch (err) {
      if (!(err instanceof StripeApiError && err.statusCode === 404)) throw err;
    }
  }
  return undefined;
}

/** The session Stripe has under this id, readable and of the key's mode, or why not. */
export async function readSession(
  id: string,
  deps: ResolveDeps,
): Promise<{ read: Read } | { resolution: Resolution }> {
  const found = await firstFound(deps, (reader) => reader.retrieveSession(id));
  if (!found) {
    return { resolution: fail(id, 'no such Checkout Session in this Stripe account and mode') };
  }
  return checkRead(found.value, id, { ...deps, account: found.account });
}

/**
 * A Checkout Session object from Stripe, readable and of the key's mode, or why not. Read as
 * a connected account, it is stamped with that account (the object does not name it), so
 * the ledger keeps it and every later call is made as that account.
 */
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
  if (!deps.account) return { read };
  return { read: { ...read, session: { ...read.session, stripeAccount: deps.account } } };
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
