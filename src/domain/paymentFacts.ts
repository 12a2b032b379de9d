/**
 * What Stripe said about a payment after it was made, gathered from its events in any order,
 * any number of times: refunds (Stripe's `amount_refunded` is cumulative, so the largest one
 * seen is the truth), a refund that failed, a dispute. Kept per PaymentIntent, because a
 * refund can arrive before the adapter has seen the session it belongs to.
 */
export interface PaymentFacts {
  paymentIntentId: string;
  /** Minor units, cumulative; 0 when nothing was refunded. */
  amountRefunded: number;
  /** Stripe's `refunded`: the charge is refunded in full. */
  refundedFull: boolean;
  /** Unix seconds: when the refund that brought `amountRefunded` to its value was made. */
  refundedAt: number | null;
  /** A refund Stripe later reported failed: the money was not returned after all. */
  refundFailed: { refundId: string; at: number } | null;
  dispute: { status: 'open' | 'closed'; at: number; outcome: string | null } | null;
}

export type PaymentFact =
  | { kind: 'refund'; amountRefunded: number; full: boolean; at: number }
  | { kind: 'refund_failed'; refundId: string; at: number }
  | { kind: 'dispute_opened'; at: number }
  | { kind: 'dispute_closed'; at: number; outcome: string | null };

export function noFacts(paymentIntentId: string): PaymentFacts {
  return {
    paymentIntentId,
    amountRefunded: 0,
    refundedFull: false,
    refundedAt: null,
    refundFailed: null,
    dispute: null,
  };
}

/**
 * Pure: the facts after one more event. Order-independent and idempotent: applying the same
 * events in any order, any number of times, gives the same facts.
 */
export function mergeFact(facts: PaymentFacts, fact: PaymentFact): PaymentFacts {
  switch (fact.kind) {
    case 'refund': {
      const more = fact.amountRefunded > facts.amountRefunded;
      // For the same cumulative amount seen twice, the earlier moment is when it happened.
      const same = fact.amountRefunded === facts.amountRefunded && fact.amountRefunded > 0;
      return {
        ...facts,
        amountRefunded: Math.max(facts.amountRefunded, fact.amountRefunded),
        refundedFull: facts.refundedFull || fact.full,
        refundedAt: more
          ? fact.at
          : same
            ? Math.min(facts.refundedAt ?? fact.at, fact.at)
            : facts.refundedAt,
      };
    }
    case 'refund_failed':
      return facts.refundFailed && facts.refundFailed.at <= fact.at
        ? facts
        : { ...facts, refundFailed: { refundId: fact.refundId, at: fact.at } };
    case 'dispute_opened':
      // A dispute closed before its opening arrived stays closed.
      if (facts.dispute?.status === 'closed') return facts;
      return {
        ...facts,
        dispute: {
          status: 'open',
          at: Math.min(facts.dispute?.at ?? fact.at, fact.at),
          outcome: null,
        },
      };
    case 'dispute_closed':
      return {
        ...facts,
        dispute: { status: 'closed', at: facts.dispute?.at ?? fact.at, outcome: fact.outcome },
      };
  }
}
