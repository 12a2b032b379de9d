import type { EventRecord, Job } from '../../src/store/ledger';
import type { OpscomReceived, SimPermit } from '../simulators/opscomSimulator';
import type { StripeObject, StripeReceived } from '../simulators/stripeSimulator';
import type { AdapterIncarnation } from './adapterFleet';
import type { FailingRow } from './audit';
import type { PlannedSession } from './chaosPlan';
import type { ReplayCommand } from './evidence';
import type { SessionLine } from './replayRuns';

/** One line of a log (an adapter's, or replay's stderr) that names a session. */
export interface LogLine {
  at: number | undefined;
  file: string;
  line: string;
}

/** Everything the run knows at its end, whole; gathered from once for all failing sessions. */
export interface TimelineSources {
  sessions: readonly PlannedSession[];
  /** Sessions whose Checkout webhooks were never delivered (replay had to recover them). */
  withheld: ReadonlySet<string>;
  jobs: ReadonlyMap<string, Job>;
  events: readonly EventRecord[];
  opscomReceived: readonly OpscomReceived[];
  permits: Iterable<SimPermit>;
  stripeSessions: ReadonlyMap<string, StripeObject>;
  stripePaymentIntents: ReadonlyMap<string, StripeObject>;
  stripeReceived: readonly StripeReceived[];
  commands: readonly ReplayCommand[];
  /** Replay --since's line for each session (the last run's), with the command that printed it. */
  sinceLines: ReadonlyMap<string, SessionLine & { command?: number }>;
  adapters: readonly AdapterIncarnation[];
  logLines: ReadonlyMap<string, readonly LogLine[]>;
}

/** What concerns one session, out of the sources. */
export interface SessionEvidence {
  planned: PlannedSession;
  /** Its site (--sites): whose OPSCOM its permits and calls are from. */
  site?: string;
  withheld: boolean;
  rows: FailingRow[];
  job: Job | undefined;
  events: EventRecord[];
  permits: SimPermit[];
  opscomCalls: OpscomReceived[];
  stripeSession: StripeObject | undefined;
  stripePaymentIntent: StripeObject | undefined;
  stripeCalls: StripeReceived[];
  /** The replay commands run for this session (its corrections and their resumes). */
  corrections: ReplayCommand[];
  /** The commands that ran over every session (replay --since and its resumes). */
  sinceCommands: ReplayCommand[];
  sinceLine: (SessionLine & { command?: number }) | undefined;
  adapters: readonly AdapterIncarnation[];
  logLines: readonly LogLine[];
}

const plateOf = (body: Record<string, unknown>): unknown => body['LicencePlate'] ?? body['plate'];

/**
 * The evidence of each failing session, in one pass over each source (a 10,000-payment run's
 * OPSCOM log is read once, not once per session). A session's OPSCOM calls are those for its
 * plate or its corrected plate, or for any reference its permits or its job name; its ledger
 * rows those with its id, or with none and its PaymentIntent (a refund recorded before its
 * session was known).
 */
export function gatherEvidence(
  rows: readonly FailingRow[],
  src: TimelineSources,
): Map<string, SessionEvidence> {
  const out = new Map<string, SessionEvidence>();
  const planned = new Map(src.sessions.map((s) => [s.session.id, s]));
  for (const row of rows) {
    const known = out.get(row.sessionId);
    if (known) {
      known.rows.push(row);
      continue;
    }
    const s = planned.get(row.sessionId);
    if (!s) continue;
    const pi = paymentIntentOf(s);
    out.set(row.sessionId, {
      planned: s,
      withheld: src.withheld.has(row.sessionId),
      rows: [row],
      job: src.jobs.get(row.sessionId),
      events: [],
      permits: [],
      opscomCalls: [],
      stripeSession: src.stripeSessions.get(row.sessionId),
      stripePaymentIntent: pi ? src.stripePaymentIntents.get(pi) : undefined,
      stripeCalls: [],
      corrections: src.commands.filter((c) => c.sessionId === row.sessionId),
      sinceCommands: src.commands.filter((c) => c.purpose.startsWith('since')),
      sinceLine: src.sinceLines.get(row.sessionId),
      adapters: src.adapters,
      logLines: src.logLines.get(row.sessionId) ?? [],
    });
  }

  const byPlate = new Map<string, SessionEvidence>();
  const byPaymentIntent = new Map<string, SessionEvidence>();
  for (const e of out.values()) {
    byPlate.set(e.planned.plate, e);
    if (e.planned.correction) byPlate.set(e.planned.correction, e);
    const pi = paymentIntentOf(e.planned);
    if (pi) byPaymentIntent.set(pi, e);
  }
  const byReference = new Map<string, SessionEvidence>();
  for (const p of src.permits) {
    const e = byPlate.get(p.plate);
    if (!e) continue;
    e.permits.push(p);
    byReference.set(p.referenceId, e);
  }
  for (const e of out.values()) {
    const j = e.job;
    for (const ref of [
      j?.opscom?.referenceId,
      j?.live?.referenceId,
      j?.live?.replaced,
      j?.updateOf,
    ])
      if (ref) byReference.set(ref, e);
  }

  for (const r of src.opscomReceived) {
    const plate = plateOf(r.body);
    const ref = r.body['referenceID'];
    const e =
      (typeof plate === 'string' ? byPlate.get(plate) : undefined) ??
      (typeof ref === 'string' ? byReference.get(ref) : undefined) ??
      (r.referenceId ? byReference.get(r.referenceId) : undefined);
    e?.opscomCalls.push(r);
  }
  for (const ev of src.events) {
    const e = ev.sessionId
      ? out.get(ev.sessionId)
      : byPaymentIntent.get(/"paymentIntentId":"([^"]+)"/.exec(ev.detail ?? '')?.[1] ?? '');
    e?.events.push(ev);
  }
  for (const r of src.stripeReceived) {
    const id = /^\/v1\/(?:checkout\/sessions|payment_intents)\/([^/]+)/.exec(r.path)?.[1];
    const e = id ? (out.get(id) ?? byPaymentIntent.get(id)) : undefined;
    e?.stripeCalls.push(r);
  }
  return out;
}

function paymentIntentOf(s: PlannedSession): string | undefined {
  const pi = s.session['payment_intent'];
  return typeof pi === 'string' ? pi : undefined;
}
