import { getTracer, type SpanOptions } from './tracer';

/**
 * The spans the adapter makes, in one place (docs/operations.md, "Tracing", lists them). The
 * ledger's jobs table is the queue: the webhook's span sends a message to it (the job), each
 * attempt processes it, linked to that span, as OpenTelemetry's messaging conventions
 * prescribe for work taken from a queue. Attributes carry ids and outcomes only: never a
 * token, a body, a signature, a key or a plate.
 */
export const SPAN = {
  webhook: 'webhook received',
  attempt: 'job attempt',
  replay: 'replay session',
  driverPage: 'driver page',
} as const;

const QUEUE = {
  'messaging.system': 'adapter_ledger',
  'messaging.destination.name': 'jobs',
} as const;

// With tracing off the options are never read: nothing is built per payment.
const UNREAD: SpanOptions = Object.freeze({});

// The same for every webhook and every page load: built once.
const WEBHOOK: SpanOptions = Object.freeze({
  kind: 'producer',
  route: { method: 'POST', path: '/webhooks/stripe' },
  attributes: {
    ...QUEUE,
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
  },
});
const DRIVER_PAGE: SpanOptions = Object.freeze({
  route: { method: 'GET', path: '/permit/:sessionId' },
});

/** POST /webhooks/stripe: verify, record; its context is stored with the job it makes. */
export function webhookSpan(): SpanOptions {
  return WEBHOOK;
}

/** One run of a job by a worker (or by replay, inside its span): linked to what recorded it. */
export function attemptSpan(
  job: { sessionId: string; attempts: number; revision: number; traceContext: string | null },
  owner: string,
): SpanOptions {
  if (!getTracer().enabled) return UNREAD;
  return {
    kind: 'consumer',
    parent: 'adopter',
    links: [job.traceContext],
    // Written out, not `...QUEUE`: V8 builds a literal that starts with a spread and goes on
    // with these keys ~30 times slower (about 5 µs here, once per attempt).
    attributes: {
      'messaging.system': QUEUE['messaging.system'],
      'messaging.destination.name': QUEUE['messaging.destination.name'],
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.id': job.sessionId,
      'stripe.checkout_session.id': job.sessionId,
      'adapter.job.attempts': job.attempts,
      'adapter.job.revision': job.revision,
      'adapter.worker.id': owner,
    },
  };
}

/** `npm run replay` (or the console) on one session: a trace of its own, linked to the job's. */
export function replaySpan(sessionId: string): SpanOptions {
  return {
    parent: 'none',
    adopts: true,
    attributes: { 'stripe.checkout_session.id': sessionId },
  };
}

/** A load of the driver's page (a trace of its own), linked to its job's trace. */
export function driverPageSpan(): SpanOptions {
  return DRIVER_PAGE;
}

/** A call to OPSCOM or Stripe made by a job attempt (its HTTP client span is the child). */
export function peerCallSpan(
  peer: 'opscom' | 'stripe',
  attributes: Record<string, string | number | undefined>,
): SpanOptions {
  if (!getTracer().enabled) return UNREAD;
  return { peer, attributes: { 'peer.service': peer, ...attributes } };
}
