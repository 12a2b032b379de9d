import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultPlan, listen, readBody, sendJson, type SimServer } from './simHttp';
import {
  createAccountStore,
  stripeError,
  type StripeAccountObjects,
  type SimAnswer,
  type StripeAccountStore,
  type StripeObject,
} from './stripeAccountStore';
import { parseStripeForm, type FormValue } from './stripeForm';

export type { StripeAccountObjects, StripeObject } from './stripeAccountStore';

export interface StripeReceived {
  method: string;
  path: string;
  params: Record<string, FormValue>;
  idempotencyKey: string | undefined;
  /** The Stripe-Version header the client sent. */
  stripeVersion: string | undefined;
  /** The Stripe-Account header (a connected account, acct_…); undefined: the platform's. */
  stripeAccount?: string | undefined;
  /** The client's User-Agent and Content-Type headers. */
  userAgent?: string | undefined;
  contentType?: string | undefined;
  replayed: boolean;
  status: number;
  /** When the request arrived (Unix ms). */
  at: number;
}

/**
 * The simulator; its own `sessions`, `paymentIntents`, `events`, `addSession` and `addEvent`
 * are the platform's (requests without `Stripe-Account`).
 */
export interface StripeSimulator extends SimServer, StripeAccountObjects {
  faults: FaultPlan;
  received: StripeReceived[];
  /** A connected account's objects, found only by requests with `Stripe-Account: <id>`. */
  account(id: string): StripeAccountObjects;
  /**
   * Connected accounts the platform lost access to: every request made as one is answered 403
   * with Stripe's `account_invalid` error, as Stripe does once an account is disconnected.
   */
  refusedAccounts: Set<string>;
}

interface Stored {
  status: number;
  body: unknown;
  params: string;
}

/** One account's objects and its idempotency keys (Stripe keeps keys per account). */
interface AccountState {
  store: StripeAccountStore;
  idempotency: Map<string, Stored>;
}

/** What a request says of itself: its form, key and account (headers read once). */
function describe(req: IncomingMessage, method: string, path: string, form: string) {
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const entry: StripeReceived = {
    method,
    path,
    params: parseStripeForm(form),
    idempotencyKey: header('idempotency-key'),
    stripeVersion: req.headers['stripe-version'] as string | undefined,
    stripeAccount: header('stripe-account'),
    userAgent: req.headers['user-agent'],
    contentType: req.headers['content-type'],
    replayed: false,
    status: 0,
    at: Date.now(),
  };
  return entry;
}

/**
 * The few Stripe API calls the adapter makes, with Stripe's behaviour where it matters: form
 * bodies, metadata merged key by key (an empty value deletes the key), Idempotency-Key replay
 * (same key and parameters → the stored answer; other parameters → 400), Bearer auth, and
 * Stripe's error shapes for 401/404/429/500. Faults on demand. Connect: a request with
 * `Stripe-Account: acct_X` sees only acct_X's objects and keys (the platform's are apart).
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
  const refusedAccounts = new Set<string>();
  const received: StripeReceived[] = [];
  const nowSeconds = () => Math.floor((options.now ?? Date.now)() / 1000);
  // '' is the platform; each connected account's objects are apart, as in Stripe.
  const accounts = new Map<string, AccountState>();
  const stateOf = (account: string | undefined): AccountState => {
    let state = accounts.get(account ?? '');
    if (state === undefined) {
      state = { store: createAccountStore(nowSeconds), idempotency: new Map() };
      accounts.set(account ?? '', state);
    }
    return state;
  };
  const objectsOf = (account: string | undefined): StripeAccountObjects => {
    const { sessions, paymentIntents, events, addSession, addEvent } = stateOf(account).store;
    return { sessions, paymentIntents, events, addSession, addEvent };
  };

  /** The simulator's own endpoints (/_sim/…): their answer, or undefined for an API request. */
  function control(req: IncomingMessage, path: string, text: string): SimAnswer | undefined {
    const method = req.method ?? 'GET';
    if (path === '/_sim/requests') return { status: 200, body: received };
    if (method === 'POST' && path === '/_sim/sessions') {
      // With Stripe-Account, the session is that connected account's.
      const account = req.headers['stripe-account'];
      const { store } = stateOf(typeof account === 'string' ? account : undefined);
      store.addSession(JSON.parse(text) as StripeObject);
      return { status: 200, body: { ok: true } };
    }
    if (method === 'POST' && path === '/_sim/faults') {
      const { fault, count } = JSON.parse(text) as {
        fault: '500' | '429' | 'reset';
        count?: number;
      };
      faults.next(fault, count ?? 1);
      return { status: 200, body: { queued: fault } };
    }
    return undefined;
  }

  /** Idempotency-Key replay, in the request's account: the stored answer, a 400, or none. */
  function replay(entry: StripeReceived, state: AccountState, text: string) {
    const seen =
      entry.method === 'POST' && entry.idempotencyKey
        ? state.idempotency.get(entry.idempotencyKey)
        : undefined;
    if (!seen) return undefined;
    if (seen.params !== text) {
      return {
        status: 400,
        body: stripeError(
          'idempotency_error',
          'Keys for idempotent requests can only be used with the same parameters they were first used with.',
        ),
      };
    }
    entry.replayed = true;
    return seen;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const [path = '', queryText = ''] = (req.url ?? '').split('?');
    const text = await readBody(req);
    const own = control(req, path, text);
    if (own) return sendJson(res, own.status, own.body);

    const entry = describe(req, method, path, method === 'GET' ? queryText : text);
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

    if (entry.stripeAccount !== undefined && refusedAccounts.has(entry.stripeAccount)) {
      const message = `The provided key 'sk_test_***' does not have access to account '${entry.stripeAccount}' (or that account does not exist). Application access may have been revoked.`;
      return answer(403, stripeError('invalid_request_error', message, 'account_invalid'));
    }
    const state = stateOf(entry.stripeAccount);
    const replayed = replay(entry, state, text);
    if (replayed) {
      const headers: Record<string, string> = entry.replayed
        ? { 'Idempotent-Replayed': 'true' }
        : {};
      return answer(replayed.status, replayed.body, headers);
    }
    const { params, idempotencyKey } = entry;
    const result =
      (method === 'GET' ? state.store.read(path, params) : undefined) ??
      state.store.apply(method, path, params, options.acceptUnknown === true);
    if (method === 'POST' && idempotencyKey && result.status < 500) {
      state.idempotency.set(idempotencyKey, {
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
    ...objectsOf(undefined),
    account: (id) => objectsOf(id),
    refusedAccounts,
  };
}
