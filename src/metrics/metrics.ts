import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SESSION_EVENT_TYPES } from '../domain/classifyEvent';
import { JOB_STATES } from '../domain/intakeRule';
import type { Ledger } from '../store/ledger';
import { PAYMENT_EVENT_TYPES } from '../stripe/paymentEventPayload';

const PREFIX = 'opscom_adapter_';

export type JobOutcome = 'done' | 'retried' | 'failed' | 'dead' | 'cancelled';
export type CallOutcome = 'ok' | 'transient' | 'operator' | 'permanent';

/**
 * What the adapter counts, in Prometheus's terms (one prefix, base units, no label with a
 * plate, a session or an event id). Counters and histograms are fed as things happen; the
 * job gauges are read from the ledger at each scrape (one grouped query, one indexed MIN).
 */
export interface Metrics {
  readonly registry: Registry;
  webhookReceived(type: string, outcome: string): void;
  webhookRefused(reason: string): void;
  opscomCall(operation: string, outcome: CallOutcome, seconds: number): void;
  stripeCall(operation: string, outcome: CallOutcome, seconds: number): void;
  jobOutcome(outcome: JobOutcome): void;
  /** An OPSCOM call past its timeout: its answer came late, or was lost after the grace. */
  opscomInDoubt(resolution: 'late_answer' | 'answer_lost'): void;
  /** The paying event's `created` → OPSCOM's answer; the receipt → OPSCOM's answer. */
  permitMade(paymentToPermitSeconds: number, receiptToPermitSeconds: number): void;
}

// The event types the adapter acts on, a bounded set; anything else is counted as `other`.
const KNOWN_TYPES: ReadonlySet<string> = new Set([...SESSION_EVENT_TYPES, ...PAYMENT_EVENT_TYPES]);
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function createMetrics(ledger: Ledger, now: () => number = Date.now): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const webhooks = new Counter({
    name: `${PREFIX}webhooks_received_total`,
    help: 'Verified webhooks, by event type and what the adapter did with them.',
    labelNames: ['type', 'outcome'],
    registers,
  });
  const refused = new Counter({
    name: `${PREFIX}webhooks_refused_total`,
    help: 'Webhooks refused before anything was recorded (not provably from Stripe, too large).',
    labelNames: ['reason'],
    registers,
  });
  const calls = (peer: string) => ({
    count: new Counter({
      name: `${PREFIX}${peer}_calls_total`,
      help: `Calls to ${peer === 'opscom' ? 'OPSCOM' : 'Stripe'}, by operation and outcome.`,
      labelNames: ['operation', 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: `${PREFIX}${peer}_call_duration_seconds`,
      help: `How long calls to ${peer === 'opscom' ? 'OPSCOM' : 'Stripe'} took.`,
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  });
  const opscom = calls('opscom');
  const stripe = calls('stripe');
  const outcomes = new Counter({
    name: `${PREFIX}job_outcomes_total`,
    help: 'What became of job runs: done, retried, failed, dead, cancelled.',
    labelNames: ['outcome'],
    registers,
  });
  const inDoubt = new Counter({
    name: `${PREFIX}opscom_in_doubt_total`,
    help: 'OPSCOM calls past their timeout, by how they ended: a late answer recorded, or lost.',
    labelNames: ['resolution'],
    registers,
  });
  const paymentToPermit = new Histogram({
    name: `${PREFIX}payment_to_permit_seconds`,
    help: 'From the paying event (its created) to OPSCOM answering the create.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const receiptToPermit = new Histogram({
    name: `${PREFIX}receipt_to_permit_seconds`,
    help: 'From the adapter receiving the payment to OPSCOM answering the create.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  new Gauge({
    name: `${PREFIX}jobs`,
    help: 'Jobs in the ledger, by state (read at scrape).',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = await ledger.countJobs();
      for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}oldest_waiting_job_age_seconds`,
    help: 'How long the oldest pending job has been due (0: none waiting).',
    registers,
    async collect() {
      const due = await ledger.oldestDuePending(now());
      this.set(due === undefined ? 0 : Math.max(0, (now() - due) / 1000));
    },
  });

  return {
    registry,
    webhookReceived: (type, outcome) =>
      webhooks.inc({ type: KNOWN_TYPES.has(type) ? type : 'other', outcome }),
    webhookRefused: (reason) => refused.inc({ reason }),
    opscomCall: (operation, outcome, seconds) => {
      opscom.count.inc({ operation, outcome });
      opscom.duration.observe({ operation }, seconds);
    },
    stripeCall: (operation, outcome, seconds) => {
      stripe.count.inc({ operation, outcome });
      stripe.duration.observe({ operation }, seconds);
    },
    jobOutcome: (outcome) => outcomes.inc({ outcome }),
    opscomInDoubt: (resolution) => inDoubt.inc({ resolution }),
    permitMade: (fromPayment, fromReceipt) => {
      if (fromPayment >= 0) paymentToPermit.observe(fromPayment);
      if (fromReceipt >= 0) receiptToPermit.observe(fromReceipt);
    },
  };
}
