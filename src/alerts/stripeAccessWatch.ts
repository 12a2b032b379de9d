import { StripeApiError } from '../errors';
import type { StripeWriteBack } from '../stripe/stripeWriteBack';

/** What this process last heard from Stripe about one caller: the platform, or an account. */
export interface AccessState {
  /** Unix ms of the last refusal ('operator': 401/403), and the error that told of it. */
  refusedAt: number | undefined;
  refusal: string | undefined;
  /** Unix ms of the last call Stripe accepted. */
  acceptedAt: number | undefined;
}

/** What the write-backs heard: of STRIPE_SECRET_KEY, and of each connected account. */
export interface StripeAccessState {
  /** The key: refused on a platform call, or 401 on any call; accepted on any call. */
  platform: AccessState;
  /** A connected account (acct_…): refused with 403 on a call made as it; accepted as it. */
  accounts: ReadonlyMap<string, AccessState>;
}

const empty = (): AccessState => ({
  refusedAt: undefined,
  refusal: undefined,
  acceptedAt: undefined,
});

/**
 * Whose refusal an 'operator' failure is: a 401 is Stripe refusing the key itself (it
 * authenticates the key before it looks at `Stripe-Account`), as is any refusal of a platform
 * call; a 403 on a call made as a connected account is that account's (account_invalid:
 * disconnected, or a wrong id). Undefined: not a refusal.
 */
function refusedCaller(
  err: unknown,
  account: string | undefined,
): { account?: string } | undefined {
  if (!(err instanceof StripeApiError) || err.kind !== 'operator') return undefined;
  return account === undefined || err.statusCode === 401 ? {} : { account };
}

/** Stripe's messages show a key masked (sk_live_****1234): none of it goes further. */
export function withoutKeys(message: string): string {
  return message.replace(/\b((?:sk|rk)_(?:test|live)_)[A-Za-z0-9*]+/g, '$1***');
}

/**
 * Wraps the worker's Stripe write-back to remember, for the alerts, whether Stripe refuses the
 * platform's key or its access to a connected account (in memory: each worker process tells
 * what it saw). It still only talks: every call and failure passes through unchanged.
 */
export function watchStripeAccess(
  writeBack: StripeWriteBack,
  now: () => number = Date.now,
): { writeBack: StripeWriteBack; state: () => StripeAccessState } {
  const platform = empty();
  const accounts = new Map<string, AccessState>();
  const of = (account: string | undefined): AccessState => {
    if (account === undefined) return platform;
    let state = accounts.get(account);
    if (!state) accounts.set(account, (state = empty()));
    return state;
  };
  const watched = async (stripeAccount: string | null | undefined, call: () => Promise<void>) => {
    const account = stripeAccount ?? undefined;
    try {
      await call();
      // Any call taken proves the key; one made as an account proves that account too.
      platform.acceptedAt = now();
      if (account !== undefined) of(account).acceptedAt = platform.acceptedAt;
    } catch (err) {
      const caller = refusedCaller(err, account);
      if (caller) {
        const state = of(caller.account);
        state.refusedAt = now();
        state.refusal = withoutKeys(err instanceof Error ? err.message : String(err));
      }
      throw err;
    }
  };
  return {
    writeBack: {
      updateSession: (id, metadata, key, account) =>
        watched(account, () => writeBack.updateSession(id, metadata, key, account)),
      updatePaymentIntent: (id, metadata, key, account) =>
        watched(account, () => writeBack.updatePaymentIntent(id, metadata, key, account)),
    },
    state: () => ({
      platform: { ...platform },
      accounts: new Map([...accounts].map(([id, state]) => [id, { ...state }])),
    }),
  };
}
