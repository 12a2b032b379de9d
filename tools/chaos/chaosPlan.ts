import { DateTime } from 'luxon';
import { sampleEvent, sampleSession } from '../demo/sampleSession';
import { markEnforcementCases, type EnforcementCase } from './enforcementCases';

export type SessionKind = 'paid' | 'async' | 'unpaid' | 'bad_metadata';

export interface PlannedSession {
  kind: SessionKind;
  session: Record<string, unknown> & { id: string };
  plate: string;
  /** The events Stripe would send, in the order they are sent (async: either order). */
  events: Array<Record<string, unknown> & { id: string }>;
  /**
   * For kinds that must become a permit: what OPSCOM must hold at the end, computed
   * independently (`revoked`: no permit may stand: refunded in full).
   */
  expected?: {
    startTime: string;
    endTime: string;
    amount: string;
    plate: string;
    revoked: boolean;
  };
  /** A refund in the plan (its charge.refunded is among the events, in any order). */
  refund?: { amountRefunded: number; full: boolean };
  /** A plate an operator gives with `replay --session … --plate` while the adapters run. */
  correction?: string;
  /** Planted for the closing verification round: a zone no lot uses, or removed by staff. */
  enforcement?: EnforcementCase;
}

export interface ChaosPlan {
  sessions: PlannedSession[];
  /** Requests Stripe never signed, or signed long ago: each must get a 4xx and change nothing. */
  forged: Array<{ body: string; kind: 'wrong_secret' | 'stale' | 'tampered'; plate: string }>;
}

const TZ = 'America/Toronto';
const DURATIONS: Array<[string, number]> = [
  ['60', 60],
  ['90m', 90],
  ['2h', 120],
  ['PT45M', 45],
];

/**
 * The payments of a chaos run: mostly plain paid sessions, some paid by a delayed method (the
 * success event before or after `completed`), a few never paid, a few with metadata that
 * cannot be mapped. Every plate is unique, so each permit in OPSCOM names its session.
 */
export function makeChaosPlan(payments: number, random: () => number, now: number): ChaosPlan {
  const sessions: PlannedSession[] = [];
  for (let i = 0; i < payments; i++) {
    const r = random();
    const kind: SessionKind =
      r < 0.8 ? 'paid' : r < 0.92 ? 'async' : r < 0.96 ? 'unpaid' : 'bad_metadata';
    const plate = `CH${i.toString(36).toUpperCase()}`;
    const [duration, minutes] = DURATIONS[i % DURATIONS.length]!;
    const amountTotal = 100 + (i % 5000);
    const created = Math.floor(now / 1000) - (i % 600);
    const metadata =
      kind === 'bad_metadata'
        ? { plate: `${plate}-TOO-LONG-PLATE`, duration: 'whenever' }
        : { plate: plate.toLowerCase(), duration };
    const session = {
      ...sampleSession(metadata),
      // As on Stripe: created before the event that completes it.
      created: created - 5,
      amount_total: amountTotal,
      amount_subtotal: amountTotal,
      payment_status: kind === 'paid' || kind === 'bad_metadata' ? 'paid' : 'unpaid',
    };
    const completed = { ...sampleEvent(session), created };
    const events = [completed];
    let paidAt = created;
    if (kind === 'async') {
      paidAt = created + 30 + (i % 100);
      const succeeded = {
        ...sampleEvent({ ...session, payment_status: 'paid' }),
        type: 'checkout.session.async_payment_succeeded',
        created: paidAt,
      };
      if (random() < 0.5) events.push(succeeded);
      else events.unshift(succeeded);
    }
    const start = DateTime.fromSeconds(paidAt, { zone: TZ });
    const owed = kind === 'paid' || kind === 'async';
    // A tenth of the payments are refunded in full, a tenth by a quarter (the adapter runs
    // with ON_FULL_REFUND=delete, ON_PARTIAL_REFUND=shorten); some others get a correction.
    const r2 = random();
    const refund = !owed
      ? undefined
      : r2 < 0.1
        ? { amountRefunded: amountTotal, full: true }
        : r2 < 0.2
          ? { amountRefunded: Math.floor(amountTotal / 4), full: false }
          : undefined;
    const correction =
      owed && !refund && random() < 0.03 ? `CX${i.toString(36).toUpperCase()}` : undefined;
    if (refund) events.push(refundEvent(session, refund, paidAt + 60));
    const kept = amountTotal - (refund?.amountRefunded ?? 0);
    const end = refund
      ? start.plus({
          milliseconds: Math.floor((minutes * 60_000 * kept) / amountTotal / 1000) * 1000,
        })
      : start.plus({ minutes });
    sessions.push({
      kind,
      session,
      plate,
      events,
      ...(refund ? { refund } : {}),
      ...(correction ? { correction } : {}),
      ...(owed
        ? {
            expected: {
              startTime: start.toFormat("yyyy-MM-dd'T'HH:mm:ss"),
              endTime: end.toFormat("yyyy-MM-dd'T'HH:mm:ss"),
              amount: money(refund && !refund.full ? kept : amountTotal),
              plate: correction ?? plate,
              revoked: refund?.full === true,
            },
          }
        : {}),
    });
  }
  markEnforcementCases(sessions);
  const forged: ChaosPlan['forged'] = [];
  const kinds = ['wrong_secret', 'stale', 'tampered'] as const;
  for (let i = 0; i < Math.max(10, Math.floor(payments / 20)); i++) {
    const plate = `FG${i.toString(36).toUpperCase()}`;
    const session = sampleSession({ plate, duration: '60' });
    forged.push({
      body: JSON.stringify(sampleEvent(session)),
      kind: kinds[i % kinds.length]!,
      plate,
    });
  }
  return { sessions, forged };
}

function money(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

/** Stripe's charge.refunded for a session's payment (`amount_refunded` is cumulative). */
function refundEvent(
  session: Record<string, unknown>,
  refund: { amountRefunded: number; full: boolean },
  created: number,
): Record<string, unknown> & { id: string; created: number } {
  const charge = {
    id: `ch_${String(session['id']).slice(3)}`,
    object: 'charge',
    payment_intent: session['payment_intent'],
    amount: session['amount_total'],
    amount_refunded: refund.amountRefunded,
    refunded: refund.full,
  };
  return { ...sampleEvent(charge), type: 'charge.refunded', created };
}

/** A small seeded generator, so a failing run can be repeated with --seed. */
/**
 * Independent seeded streams for each source of chance in a run, so that one that is consumed
 * as requests happen (faults, the load balancer's pick) cannot shift the others: the plan, the
 * schedule of deliveries and kills are the same for a seed, whatever the timing.
 */
export function chaosStreams(seed: number) {
  const stream = (n: number) => seededRandom((seed * 2654435761 + n * 40503) >>> 0);
  return {
    plan: stream(1),
    schedule: stream(2),
    opscomFaults: stream(3),
    stripeFaults: stream(4),
    fleet: stream(5),
    delivery: stream(6),
  };
}

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}
