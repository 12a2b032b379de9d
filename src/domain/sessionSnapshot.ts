/**
 * The part of a Checkout Session the adapter needs, and nothing else (no e-mail, no address):
 * it is what the ledger keeps, so a replay or a retry maps exactly what Stripe said when the
 * session was paid.
 */
export interface SessionSnapshot {
  id: string;
  livemode: boolean;
  paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
  amountTotal: number | null;
  currency: string | null;
  metadata: Record<string, string>;
  /** Checkout custom fields, reduced to key → entered value. */
  customFields: Record<string, string>;
  paymentIntentId: string | null;
  /**
   * The connected account (`acct_…`) the session belongs to, from its Connect event's
   * `account`: every later Stripe call about it is made as that account. Null or absent: the
   * platform's own session (absent too from snapshots stored before Connect was read).
   */
  stripeAccount?: string | null;
}
