import type { SessionSnapshot } from '../domain/sessionSnapshot';

/**
 * The snapshot a recorded event leaves on a job it advances: the newer one, but with the
 * stored one's `stripeAccount` (or none, when the stored has none). The account, like the
 * site, is decided once, by the event that creates the job; a later writer that does not know
 * it (or names another) never drops or switches it. `note`: the event's detail when the newer
 * snapshot names an account other than the stored one, which was not taken. The plpgsql copy
 * is in migrations/postgres/017_session_account.sql.
 */
export function keepStoredAccount(
  stored: SessionSnapshot,
  newer: SessionSnapshot,
): { session: SessionSnapshot; note: string | null } {
  const kept = stored.stripeAccount ?? null;
  const named = newer.stripeAccount ?? null;
  const note =
    named !== null && named !== kept
      ? JSON.stringify({ stripeAccountKept: kept, stripeAccountIgnored: named })
      : null;
  if (stored.stripeAccount === newer.stripeAccount) return { session: newer, note };
  const session: SessionSnapshot = { ...newer, stripeAccount: kept };
  if (!('stripeAccount' in stored)) delete session.stripeAccount;
  return { session, note };
}
