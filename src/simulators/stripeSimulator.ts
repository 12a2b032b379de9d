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
  replayed: boolean;
  status: number;
}

export interface StripeSimulator extends SimServer {
  faults: FaultPlan;
  received: StripeReceived[];
  sessions: Map<string, StripeObject>;
  paymentIntents: Map<string, StripeObject>;
  /** Adds a Checkout Session (and an empty PaymentIntent for its `payment_intent`). */
  addSession(session: Record<string, unknown> & { id: string }): void;
}

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
  options: { random?: () => number; acceptUnknown?: boolean } = {},
  port = 0,
): Promise<StripeSimulator> {
  const faults = new FaultPlan(options.random);
  const received: StripeReceived[] = [];
  const stores = {
    sessions: new Map<string, StripeObject>(),
    paymentIntents: new Map<string, StripeObject>(),
  };
  const idempotency = new Map<string, Stored>();

  function addSession(session: Record<string, unknown> & { id: string }): void {
    const metadata = (session['metadata'] as Record<string, string> | null | undefined) ?? {};
    stores.sessions.set(session.id, {
      object: 'checkout.session',
      ...session,
      metadata: { ...metadata },
    });
    const pi = session['payment_intent'];
    if (typeof pi === 'string' && !stores.paymentIntents.has(pi)) {
      stores.paymentIntents.set(pi, { id: pi, object: 'payment_intent', metadata: {} });
    }
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
    const path = (req.url ?? '').split('?')[0] ?? '';
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

    const params = parseStripeForm(text);
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' ? key : undefined;
    const entry: StripeReceived = {
      method,
      path,
      params,
      idempotencyKey,
      replayed: false,
      status: 0,
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
    const result = apply(method, path, params);
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
    addSession,
  };
}
