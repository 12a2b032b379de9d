import { Counter, Gauge } from 'prom-client';
import { SESSION_EVENT_TYPES } from '../domain/classifyEvent';
import { PAYMENT_EVENT_TYPES } from '../stripe/paymentEventPayload';
import { PREFIX, type Registers } from './metricNames';
import type { EdgeFigures, Metrics } from './metrics';

// The event types the adapter acts on, a bounded set; anything else is counted as `other`.
const KNOWN_TYPES: ReadonlySet<string> = new Set([...SESSION_EVENT_TYPES, ...PAYMENT_EVENT_TYPES]);

/** What reaches the public edge: webhooks taken or refused, and what an attack would fill. */
export function edgeMetrics(
  registers: Registers,
): Pick<Metrics, 'webhookReceived' | 'refused' | 'watchEdge'> {
  const refusals = (name: string, help: string) =>
    new Counter({ name: `${PREFIX}${name}`, help, labelNames: ['reason'], registers });
  const webhooks = new Counter({
    name: `${PREFIX}webhooks_received_total`,
    help: 'Verified webhooks, by event type and what the adapter did with them.',
    labelNames: ['type', 'outcome'],
    registers,
  });
  const refused = refusals(
    'webhooks_refused_total',
    'Webhooks refused before anything was recorded (not provably from Stripe, a bad body, no room).',
  );
  const loginsRefused = refusals(
    'console_logins_refused_total',
    'Console logins refused: bad_credentials, or throttled (too many failures from that client).',
  );
  const otherRefused = refusals(
    'requests_refused_total',
    'Other requests refused: console forms, malformed or timed-out requests, connections shed.',
  );
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
  return {
    webhookReceived: (type, outcome) =>
      webhooks.inc({ type: KNOWN_TYPES.has(type) ? type : 'other', outcome }),
    refused: (surface, reason) =>
      (surface === 'webhook' ? refused : surface === 'login' ? loginsRefused : otherRefused).inc({
        reason,
      }),
    watchEdge: (probe) => {
      edge = probe;
    },
  };
}
