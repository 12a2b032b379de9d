import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultPlan, listen, readBody, sendJson, type SimServer } from './simHttp';
import { parseStripeForm, type FormValue } from './stripeForm';

export type StripeObject = Record<string, unknown> & {
  id: string;
  metadata: Record<string, string>;
};

export interface StripeReceived {
  method: string;
  path: string;
  params: Record<string, FormValue>;
  idempotencyKey: string | undefined;
  /** The Stripe-Version header the client sent. */
  stripeVersion: string | undefined;
  /** The client's User-Agent and Content-Type headers. */
  userAgent?: string | undefined;
  contentType?: string | undefined;
  replayed: boolean;
  status: number;
  /** When the request arrived (Unix ms). */
  at: number;
}

export interface StripeSimulator extends SimServer {
  faults: FaultPlan;
  received: StripeReceived[];
  sessions: Map<string, StripeObject>;
  paymentIntents: Map<string, StripeObject>;
  events: Map<string, Record<string, unknown> & { id: string; created: number }>;
  /**
   * Adds a Checkout Session (and, for its `payment_intent`, a PaymentIntent whose latest
   * charge was made at `chargedAt`, default the session's `created`).
   */
  addSession(session: Record<string, unknown> & { id: string }, chargedAt?: number): void;
  /** Adds an event for GET /v1/events (kept for 30 days of the simulator's clock, like Stripe). */
  addEvent(event: Record<string, unknown> & { id: string; created: number }): void;
}

/** Stripe keeps events for 30 days. */
const EVENT_RETENTION_SECONDS = 30 * 24 * 3600;

interface Stored {
  status: number;
  body: unknown;
  params: string;
}

const ROUTES: Array<{ pattern: RegExp; store: 'sessions' | 'paymentIntents' }> = [
  { pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/, store: 'sessions' },
  { pattern: /^\/v1\/payment_intents\/([^/]+)$/, store: 'paymentIntents' },
];

const stripeError = (type: string, message: string, code?: string) => ({
  error: { type, message, ...(code ? { code } : {}) },
});

/**
 * The few Stripe API calls the adapter makes, with Stripe's behaviour where it matters: form
 * bodies, metadata merged key by key (an empty value deletes the key), Idempotency-Key replay
 * (same key and parameters → the stored answer; other parameters → 400), Bearer auth, and
 * Stripe's error shapes for 401/404/429/500. Faults on demand.
 */
export async function startStripeSimulator(
  /** acceptUnknown: an update of an unknown id creates it (for `stripe trigger` with the demo). */
  options: {
    random?: () => number;
    acceptUnknown?: boolean;
    /** The simulator's clock (ms), for event retention. */
    now?: () => number;
  } = {},
  port = 0,
): Promise<StripeSimulator> {
  const faults = new FaultPlan(options.random);
  const received: StripeReceived[] = [];
  const stores = {
    sessions: new Map<string, StripeObject>(),
    paymentIntents: new Map<string, StripeObject>(),
  };
  const idempotency = new Map<string, Stored>();
  const events = new Map<string, Record<string, unknown> & { id: string; created: number }>();
  const charges = new Map<string, { id: string; object: 'charge'; created: number }>();
  const nowSeconds = () => Math.floor((options.now ?? Date.now)() / 1000);
  const retained = (e: { created: number }) => e.created >= nowSeconds() - EVENT_RETENTION_SECONDS;

  function addSession(session: Record<string, unknown> & { id: string }, chargedAt?: number): void {
    const metadata = (session['metadata'] as Record<string, string> | null | undefined) ?? {};
    const created = typeof session['created'] === 'number' ? session['created'] : nowSeconds();
    stores.sessions.set(session.id, {
      object: 'checkout.session',
      ...session,
      created,
      metadata: { ...metadata },
    });
    const pi = session['payment_intent'];
    if (typeof pi === 'string' && !stores.paymentIntents.has(pi)) {
      const charge = {
        id: `ch_${pi.replace(/^pi_/, '')}`,
        object: 'charge' as const,
        created: chargedAt ?? created,
      };
      charges.set(charge.id, charge);
      stores.paymentIntents.set(pi, {
        id: pi,
        object: 'payment_intent',
        metadata: {},
        latest_charge: charge.id,
      });
    }
  }

  /** GET /v1/events and /v1/checkout/sessions: newest first, `created` ranges, cursors. */
  function list(
    path: string,
    objects: Array<Record<string, unknown> & { id: string }>,
    query: Record<string, FormValue>,
  ): { status: number; body: unknown } {
    const created = query['created'];
    const range = typeof created === 'object' ? created : {};
    const bound = (key: string) =>
      typeof range[key] === 'string' ? Number(range[key]) : undefined;
    const [gte, lte] = [bound('gte'), bound('lte')];
    const types = query['types'];
    const wanted =
      typeof types === 'object'
        ? Object.values(types).filter((t): t is string => typeof t === 'string')
        : typeof query['type'] === 'string'
          ? [query['type']]
          : undefined;
    const matching = objects
      .filter((o) => {
        const at = Number(o['created']);
        if (gte !== undefined && at < gte) return false;
        if (lte !== undefined && at > lte) return false;
        if (wanted && !wanted.includes(String(o['type']))) return false;
        if (typeof query['status'] === 'string' && o['status'] !== query['status']) return false;
        if (
          typeof query['payment_intent'] === 'string' &&
          o['payment_intent'] !== query['payment_intent']
        )
          return false;
        return true;
      })
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

  function read(
    path: string,
    query: Record<string, FormValue>,
  ): { status: number; body: unknown } | undefined {
    if (path === '/v1/events') return list(path, [...events.values()].filter(retained), query);
    if (path === '/v1/checkout/sessions') return list(path, [...stores.sessions.values()], query);
    const event = /^\/v1\/events\/([^/]+)$/.exec(path);
    if (event) {
      const found = events.get(decodeURIComponent(event[1]!));
      return found && retained(found)
        ? { status: 200, body: found }
        : {
            status: 404,
            body: stripeError(
              'invalid_request_error',
              `No such event: '${event[1]}'`,
              'resource_missing',
            ),
          };
    }
    const pi = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    const expand = query['expand'];
    const expanded = typeof expand === 'object' && Object.values(expand).includes('latest_charge');
    const intent = pi ? stores.paymentIntents.get(decodeURIComponent(pi[1]!)) : undefined;
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
  ): { status: number; body: unknown } {
    for (const route of ROUTES) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const id = decodeURIComponent(match[1]!);
      if (options.acceptUnknown && method === 'POST' && !stores[route.store].has(id)) {
        stores[route.store].set(id, { id, metadata: {} });
      }
      const object = stores[route.store].get(id);
      if (!object) {
        return {
          status: 404,
          body: stripeError('invalid_request_error', `No such object: '${id}'`, 'resource_missing'),
        };
      }
      if (method === 'POST') {
        const metadata = params['metadata'];
        if (typeof metadata === 'object') {
          for (const [k, v] of Object.entries(metadata)) {
            if (typeof v !== 'string') continue;
            if (v === '') delete object.metadata[k];
            else object.metadata[k] = v;
          }
        }
      }
      return { status: 200, body: object };
    }
    return {
      status: 404,
      body: stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${path})`),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const [path = '', queryText = ''] = (req.url ?? '').split('?');
    const text = await readBody(req);
    if (path === '/_sim/requests') return sendJson(res, 200, received);
    if (method === 'POST' && path === '/_sim/sessions') {
      addSession(JSON.parse(text) as StripeObject);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_sim/faults') {
      const { fault, count } = JSON.parse(text) as {
        fault: '500' | '429' | 'reset';
        count?: number;
      };
      faults.next(fault, count ?? 1);
      return sendJson(res, 200, { queued: fault });
    }

    const params = parseStripeForm(method === 'GET' ? queryText : text);
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' ? key : undefined;
    const entry: StripeReceived = {
      method,
      path,
      params,
      idempotencyKey,
      stripeVersion: req.headers['stripe-version'] as string | undefined,
      userAgent: req.headers['user-agent'],
      contentType: req.headers['content-type'],
      replayed: false,
      status: 0,
      at: Date.now(),
    };
    received.push(entry);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      sendJson(res, status, body, { 'Request-Id': `req_sim_${received.length}`, ...headers });
    };

    const fault = faults.take(path);
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'hang') return;
    if (fault === '429')
      return answer(429, stripeError('rate_limit_error', 'Too many requests', 'rate_limit'));
    if (fault === '500' || fault === 'error200')
      return answer(500, stripeError('api_error', 'Something went wrong on Stripe’s end.'));

    const auth = req.headers['authorization'] ?? '';
    if (!/^Bearer (sk|rk)_test_\w+$/.test(auth)) {
      return answer(401, stripeError('invalid_request_error', 'Invalid API Key provided'));
    }

    if (method === 'POST' && idempotencyKey) {
      const seen = idempotency.get(idempotencyKey);
      if (seen) {
        if (seen.params !== text) {
          return answer(
            400,
            stripeError(
              'idempotency_error',
              'Keys for idempotent requests can only be used with the same parameters they were first used with.',
            ),
          );
        }
        entry.replayed = true;
        return answer(seen.status, seen.body, { 'Idempotent-Replayed': 'true' });
      }
    }
    const result =
      (method === 'GET' ? read(path, params) : undefined) ?? apply(method, path, params);
    if (method === 'POST' && idempotencyKey && result.status < 500) {
      idempotency.set(idempotencyKey, {
        status: result.status,
        body: structuredClone(result.body),
        params: text,
      });
    }
    answer(result.status, result.body);
  }

  const sim = await listen((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, stripeError('api_error', 'simulator error'));
    });
  }, port);
  return {
    ...sim,
    faults,
    received,
    sessions: stores.sessions,
    paymentIntents: stores.paymentIntents,
    events,
    addSession,
    addEvent: (event) => events.set(event.id, event),
  };
}
