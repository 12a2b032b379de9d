import type { FormValue } from './stripeForm';

export type StripeObject = Record<string, unknown> & {
  id: string;
  metadata: Record<string, string>;
};

export type StripeEventObject = Record<string, unknown> & { id: string; created: number };

/** An answer of the simulated API: a status and Stripe's JSON body. */
export interface SimAnswer {
  status: number;
  body: unknown;
}

/** What one account (the platform, or one connected account) holds, as tests see it. */
export interface StripeAccountObjects {
  sessions: Map<string, StripeObject>;
  paymentIntents: Map<string, StripeObject>;
  events: Map<string, StripeEventObject>;
  /**
   * Adds a Checkout Session (and, for its `payment_intent`, a PaymentIntent whose latest
   * charge was made at `chargedAt`, default the session's `created`).
   */
  addSession: (session: Record<string, unknown> & { id: string }, chargedAt?: number) => void;
  /** Adds an event for GET /v1/events (kept for 30 days of the simulator's clock, like Stripe). */
  addEvent: (event: StripeEventObject) => void;
}

/** One account's objects with the API's reads and writes on them. */
export interface StripeAccountStore extends StripeAccountObjects {
  /** GET answers this store gives (lists, events, an expanded PaymentIntent); else undefined. */
  read(path: string, query: Record<string, FormValue>): SimAnswer | undefined;
  /** GET or POST of one session or PaymentIntent (POST merges metadata). */
  apply(
    method: string,
    path: string,
    params: Record<string, FormValue>,
    acceptUnknown: boolean,
  ): SimAnswer;
}

/** Stripe keeps events for 30 days. */
const EVENT_RETENTION_SECONDS = 30 * 24 * 3600;

const ROUTES: Array<{ pattern: RegExp; store: 'sessions' | 'paymentIntents' }> = [
  { pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/, store: 'sessions' },
  { pattern: /^\/v1\/payment_intents\/([^/]+)$/, store: 'paymentIntents' },
];

export const stripeError = (type: string, message: string, code?: string) => ({
  error: { type, message, ...(code ? { code } : {}) },
});

const missing = (what: string, id: string): SimAnswer => ({
  status: 404,
  body: stripeError('invalid_request_error', `No such ${what}: '${id}'`, 'resource_missing'),
});

/** Whether a listed object passes the query's filters (created range, types, status, PI). */
function matches(o: Record<string, unknown>, query: Record<string, FormValue>): boolean {
  const created = query['created'];
  const range = typeof created === 'object' ? created : {};
  const bound = (key: string) => (typeof range[key] === 'string' ? Number(range[key]) : undefined);
  const [gte, lte] = [bound('gte'), bound('lte')];
  const types = query['types'];
  const wanted =
    typeof types === 'object'
      ? Object.values(types).filter((t): t is string => typeof t === 'string')
      : typeof query['type'] === 'string'
        ? [query['type']]
        : undefined;
  const at = Number(o['created']);
  if (gte !== undefined && at < gte) return false;
  if (lte !== undefined && at > lte) return false;
  if (wanted && !wanted.includes(String(o['type']))) return false;
  if (typeof query['status'] === 'string' && o['status'] !== query['status']) return false;
  const pi = query['payment_intent'];
  return typeof pi !== 'string' || o['payment_intent'] === pi;
}

/** GET /v1/events and /v1/checkout/sessions: newest first, `created` ranges, cursors. */
function list(
  path: string,
  objects: Array<Record<string, unknown> & { id: string }>,
  query: Record<string, FormValue>,
): SimAnswer {
  const matching = objects
    .filter((o) => matches(o, query))
    .sort((a, b) => Number(b['created']) - Number(a['created']) || (a.id < b.id ? 1 : -1));
  const after = query['starting_after'];
  const start = typeof after === 'string' ? matching.findIndex((o) => o.id === after) + 1 : 0;
  const limit = Math.min(Math.max(Number(query['limit'] ?? 10) || 10, 1), 100);
  const data = matching.slice(start, start + limit);
  return {
    status: 200,
    body: { object: 'list', url: path, has_more: start + limit < matching.length, data },
  };
}

/** Stripe's metadata update: key by key, an empty value deletes the key. */
function mergeMetadata(object: StripeObject, metadata: FormValue | undefined): void {
  if (typeof metadata !== 'object') return;
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') continue;
    if (v === '') delete object.metadata[k];
    else object.metadata[k] = v;
  }
}

/**
 * One account's objects. The simulator keeps one per account (the platform's, and one per
 * `Stripe-Account`), so an object of one account is not found by another's requests.
 */
export function createAccountStore(nowSeconds: () => number): StripeAccountStore {
  const sessions = new Map<string, StripeObject>();
  const paymentIntents = new Map<string, StripeObject>();
  const stores = { sessions, paymentIntents };
  const events = new Map<string, StripeEventObject>();
  const charges = new Map<string, { id: string; object: 'charge'; created: number }>();
  const retained = (e: { created: number }) => e.created >= nowSeconds() - EVENT_RETENTION_SECONDS;

  function addSession(session: Record<string, unknown> & { id: string }, chargedAt?: number): void {
    const metadata = (session['metadata'] as Record<string, string> | null | undefined) ?? {};
    const created = typeof session['created'] === 'number' ? session['created'] : nowSeconds();
    sessions.set(session.id, {
      object: 'checkout.session',
      ...session,
      created,
      metadata: { ...metadata },
    });
    const pi = session['payment_intent'];
    if (typeof pi === 'string' && !paymentIntents.has(pi)) {
      const charge = {
        id: `ch_${pi.replace(/^pi_/, '')}`,
        object: 'charge' as const,
        created: chargedAt ?? created,
      };
      charges.set(charge.id, charge);
      paymentIntents.set(pi, {
        id: pi,
        object: 'payment_intent',
        metadata: {},
        latest_charge: charge.id,
      });
    }
  }

  function read(path: string, query: Record<string, FormValue>): SimAnswer | undefined {
    if (path === '/v1/events') return list(path, [...events.values()].filter(retained), query);
    if (path === '/v1/checkout/sessions') return list(path, [...sessions.values()], query);
    const event = /^\/v1\/events\/([^/]+)$/.exec(path);
    if (event) {
      const found = events.get(decodeURIComponent(event[1]!));
      return found && retained(found) ? { status: 200, body: found } : missing('event', event[1]!);
    }
    const pi = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    const expand = query['expand'];
    const expanded = typeof expand === 'object' && Object.values(expand).includes('latest_charge');
    const intent = pi ? paymentIntents.get(decodeURIComponent(pi[1]!)) : undefined;
    if (intent && expanded) {
      const charge = charges.get(String(intent['latest_charge']));
      return { status: 200, body: { ...intent, latest_charge: charge ?? null } };
    }
    return undefined;
  }

  function apply(
    method: string,
    path: string,
    params: Record<string, FormValue>,
    acceptUnknown: boolean,
  ): SimAnswer {
    for (const route of ROUTES) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const id = decodeURIComponent(match[1]!);
      if (acceptUnknown && method === 'POST' && !stores[route.store].has(id)) {
        stores[route.store].set(id, { id, metadata: {} });
      }
      const object = stores[route.store].get(id);
      if (!object) return missing('object', id);
      if (method === 'POST') mergeMetadata(object, params['metadata']);
      return { status: 200, body: object };
    }
    return {
      status: 404,
      body: stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${path})`),
    };
  }

  return {
    sessions,
    paymentIntents,
    events,
    addSession,
    addEvent: (event) => events.set(event.id, event),
    read,
    apply,
  };
}
