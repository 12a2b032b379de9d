import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SESSION_EVENT_TYPES } from '../domain/classifyEvent';
import { JOB_STATES } from '../domain/intakeRule';
import type { RefusalReason, RefusalSurface } from '../errors';
import type { Ledger } from '../store/ledger';
import type { CheckResult } from '../store/verificationLedger';
import { PAYMENT_EVENT_TYPES } from '../stripe/paymentEventPayload';

const PREFIX = 'opscom_adapter_';

export type JobOutcome = 'done' | 'retried' | 'failed' | 'dead' | 'cancelled';
export type CallOutcome = 'ok' | 'transient' | 'operator' | 'permanent';
/** What recorded the payment whose permit was made: its webhook, the driver's page, replay. */
export type PermitTrigger = 'webhook' | 'page' | 'replay';
/** What the driver's page answered (see driver/driverRouter.ts). */
export type DriverPageOutcome =
  'shown' | 'fulfilled' | 'not_found' | 'rate_limited' | 'stripe_unavailable';

/**
 * What the adapter counts, in Prometheus's terms (one prefix, base units, no label with a
 * plate, a session or an event id). Counters and histograms are fed as things happen; the
 * job gauges are read from the ledger at each scrape (one grouped query, one indexed MIN).
 */
export interface Metrics {
  readonly registry: Registry;
  webhookReceived(type: string, outcome: string): void;
  /** A refused request (http/refusals.ts): on the webhook, the console's login, or elsewhere. */
  refused(surface: RefusalSurface, reason: RefusalReason): void;
  /** What the public edge holds now, read at each scrape (set once the server runs). */
  watchEdge(probe: () => EdgeFigures): void;
  opscomCall(operation: string, outcome: CallOutcome, seconds: number): void;
  stripeCall(operation: string, outcome: CallOutcome, seconds: number): void;
  jobOutcome(outcome: JobOutcome): void;
  /** An OPSCOM call past its timeout: its answer came late, or was lost after the grace. */
  opscomInDoubt(resolution: 'late_answer' | 'answer_lost'): void;
  /** The paying event's `created` → OPSCOM's answer; the receipt → OPSCOM's answer. */
  permitMade(
    trigger: PermitTrigger,
    paymentToPermitSeconds: number,
    receiptToPermitSeconds: number,
  ): void;
  /** One Plate Validation check of a permit, by what it found (verify/). */
  verificationResult(result: CheckResult): void;
  /** One answer of the driver's page. */
  driverPage(outcome: DriverPageOutcome): void;
  /** The payment → the first time the driver's page showed its permit active (this process). */
  permitShownOnPage(paymentToShownSeconds: number): void;
}

/** The public edge's state: what an attack would fill. */
export interface EdgeFigures {
  connections: number;
  bufferedBodyBytes: number;
  /** Clients the console's login throttle remembers (0 without a console). */
  loginThrottleEntries: number;
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
    help: 'Webhooks refused before anything was recorded (not provably from Stripe, a bad body, no room).',
    labelNames: ['reason'],
    registers,
  });
  const loginsRefused = new Counter({
    name: `${PREFIX}console_logins_refused_total`,
    help: 'Console logins refused: bad_credentials, or throttled (too many failures from that client).',
    labelNames: ['reason'],
    registers,
  });
  const otherRefused = new Counter({
    name: `${PREFIX}requests_refused_total`,
    help: 'Other requests refused: console forms, malformed or timed-out requests, connections shed.',
    labelNames: ['reason'],
    registers,
  });
  let edge: (() => EdgeFigures) | undefined;
  const edgeGauge = (name: string, help: string, read: (f: EdgeFigures) => number) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers,
      collect() {
        if (edge) this.set(read(edge()));
      },
    });
  edgeGauge(
    'http_connections',
    'Open HTTP connections (HTTP_MAX_CONNECTIONS caps them).',
    (f) => f.connections,
  );
  edgeGauge(
    'http_buffered_body_bytes',
    'Request body bytes held in memory now (HTTP_MAX_BUFFERED_BODY_MB caps them).',
    (f) => f.bufferedBodyBytes,
  );
  edgeGauge(
    'console_login_throttle_entries',
    'Clients the console login throttle remembers (bounded).',
    (f) => f.loginThrottleEntries,
  );
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
  const permitsMade = new Counter({
    name: `${PREFIX}permits_made_total`,
    help: 'Permits created in OPSCOM, by what recorded their payment: webhook, page (the driver landed before the webhook), replay.',
    labelNames: ['trigger'],
    registers,
  });
  const pageAnswers = new Counter({
    name: `${PREFIX}driver_page_requests_total`,
    help: "The driver's page: shown from the ledger, fulfilled from Stripe, not found, rate limited, Stripe unavailable.",
    labelNames: ['outcome'],
    registers,
  });
  const paymentToShown = new Histogram({
    name: `${PREFIX}payment_to_page_shown_seconds`,
    help: "From the payment to the driver's page first showing its permit active (per process).",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const checks = new Counter({
    name: `${PREFIX}verification_checks_total`,
    help: 'Permits checked against OPSCOM Plate Validation, by what enforcement showed: visible, not_visible, gone, still_visible.',
    labelNames: ['result'],
    registers,
  });
  const unseen = (name: string, state: 'not_visible' | 'still_visible', help: string) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers,
      async collect() {
        this.set((await ledger.countUnseen())[state] ?? 0);
      },
    });
  unseen(
    'permits_not_visible',
    'not_visible',
    'Paid permits enforcement could not see twice in a row and no operator has decided (read at scrape).',
  );
  unseen(
    'permits_still_visible',
    'still_visible',
    'Deleted or ended permits enforcement still showed twice in a row (read at scrape).',
  );
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
    refused: (surface, reason) =>
      (surface === 'webhook' ? refused : surface === 'login' ? loginsRefused : otherRefused).inc({
        reason,
      }),
    watchEdge: (probe) => {
      edge = probe;
    },
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
    permitMade: (trigger, fromPayment, fromReceipt) => {
      permitsMade.inc({ trigger });
      if (fromPayment >= 0) paymentToPermit.observe(fromPayment);
      if (fromReceipt >= 0) receiptToPermit.observe(fromReceipt);
    },
    verificationResult: (result) => checks.inc({ result }),
    driverPage: (outcome) => pageAnswers.inc({ outcome }),
    permitShownOnPage: (seconds) => {
      if (seconds >= 0) paymentToShown.observe(seconds);
    },
  };
}
