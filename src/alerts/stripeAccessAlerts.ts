import { alertText } from '../domain/alertText';
import type { OperatorLedger } from '../store/ledger';
import type { AlertSites } from './alertRoutes';
import { siteAlertKey, STRIPE_ACCOUNT_KEY, STRIPE_KEY_KEY } from './alertSite';
import type { AccessState, StripeAccessState } from './stripeAccessWatch';

export interface StripeAccessAlertDeps {
  ledger: Pick<OperatorLedger, 'raiseAlert' | 'clearAlert'>;
  sites?: Pick<AlertSites, 'named' | 'siteOfAccount'> | undefined;
  /** What this process's write-backs heard from Stripe (stripeAccessWatch.ts). */
  stripeAccess?: (() => StripeAccessState) | undefined;
}

const refused = (state: AccessState): boolean =>
  state.refusedAt !== undefined && (state.acceptedAt ?? 0) < state.refusedAt;

/**
 * Stripe refusing the write-backs: `stripe_access` while it refuses STRIPE_SECRET_KEY; one
 * alert per site whose connected account it refuses the platform (`stripe_account`, or
 * `stripe_account:<site>` with several sites), naming the account. Each clears once a later
 * call (as that account) is accepted.
 */
export async function recordStripeAccess(deps: StripeAccessAlertDeps, now: number): Promise<void> {
  const state = deps.stripeAccess?.();
  if (!state) return;
  const { ledger } = deps;
  if (refused(state.platform)) {
    await ledger.raiseAlert({
      key: STRIPE_KEY_KEY,
      kind: STRIPE_KEY_KEY,
      sessionId: null,
      message: alertText.stripeKeyRefused(state.platform.refusal ?? ''),
      now,
    });
  } else if (state.platform.acceptedAt !== undefined) {
    await ledger.clearAlert(STRIPE_KEY_KEY, alertText.stripeKeyAccepted(), now);
  }
  for (const [key, accounts] of accountsByKey(deps, state.accounts)) {
    await recordAccounts(deps, key, accounts, now);
  }
}

/** The connected accounts heard of, by the key of their site's alert. */
function accountsByKey(
  deps: StripeAccessAlertDeps,
  accounts: ReadonlyMap<string, AccessState>,
): Map<string, Array<[string, AccessState]>> {
  const byKey = new Map<string, Array<[string, AccessState]>>();
  for (const [account, state] of accounts) {
    const site = deps.sites?.siteOfAccount(account);
    const key = siteAlertKey(STRIPE_ACCOUNT_KEY, site, deps.sites?.named ?? false);
    byKey.set(key, [...(byKey.get(key) ?? []), [account, state]]);
  }
  return byKey;
}

/** One site's alert: open while any of its accounts is refused; cleared once one is accepted. */
async function recordAccounts(
  deps: StripeAccessAlertDeps,
  key: string,
  accounts: ReadonlyArray<[string, AccessState]>,
  now: number,
): Promise<void> {
  const refusedNow = accounts.filter(([, state]) => refused(state));
  const latest = refusedNow.reduce<AccessState | undefined>(
    (last, [, state]) => ((state.refusedAt ?? 0) > (last?.refusedAt ?? 0) ? state : last),
    undefined,
  );
  if (latest) {
    await deps.ledger.raiseAlert({
      key,
      kind: STRIPE_ACCOUNT_KEY,
      sessionId: null,
      message: alertText.stripeAccountRefused(
        refusedNow.map(([account]) => account),
        latest.refusal ?? '',
      ),
      now,
    });
  } else if (accounts.some(([, state]) => state.acceptedAt !== undefined)) {
    const wereRefused = accounts.filter(([, state]) => state.refusedAt !== undefined);
    const message = alertText.stripeAccountAccepted(wereRefused.map(([account]) => account));
    await deps.ledger.clearAlert(key, message, now);
  }
}
