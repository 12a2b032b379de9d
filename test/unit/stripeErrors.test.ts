import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { StripeApiError } from '../../src/errors';
import { createStripeClient } from '../../src/stripe/stripeClient';
import { toStripeApiError } from '../../src/stripe/stripeErrors';
import { createStripeWriteBack } from '../../src/stripe/stripeWriteBack';

// Each answer as Stripe gives it, to the write-back (stripe-node's update calls): raised as the
// SDK's own error class, and mapped by stripeErrors.ts to one kind.
let server: Server;
let answer:
  { status: number; type: string; code?: string; headers?: Record<string, string> } | 'hang';
const seen: IncomingMessage[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    if (answer === 'hang') return;
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    const { type, code } = answer;
    res.end(JSON.stringify({ error: { type, code, message: `a ${answer.status}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

const url = () => new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

function failureOf(
  a: typeof answer,
  options: { apiUrl?: URL; timeoutMs?: number } = {},
): Promise<StripeApiError> {
  answer = a;
  return createStripeWriteBack({
    secretKey: 'sk_test_errors',
    apiUrl: options.apiUrl ?? url(),
    timeoutMs: options.timeoutMs ?? 2000,
  })
    .updateSession('cs_test_1', META, 'k1')
    .then(
      () => {
        throw new Error('the write-back succeeded');
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(StripeApiError);
        return e as StripeApiError;
      },
    );
}

const META = {
  opscom_reference_id: 'R',
  opscom_internal_reference_id: '1',
  opscom_end_time: 't',
  opscom_permit_status: 'active',
};

const E = Stripe.errors;
// status, Stripe's error type, the SDK's class, the kind.
const CASES = [
  [401, 'invalid_request_error', E.StripeAuthenticationError, 'operator'], // the key is refused
  [403, 'invalid_request_error', E.StripePermissionError, 'operator'], // the key lacks access
  [429, 'invalid_request_error', E.StripeRateLimitError, 'transient'],
  [500, 'api_error', E.StripeAPIError, 'transient'],
  [503, 'api_error', E.StripeAPIError, 'transient'],
  [409, 'idempotency_error', E.StripeAPIError, 'transient'], // the same key still in flight
  [404, 'invalid_request_error', E.StripeInvalidRequestError, 'permanent'], // no such object
  [400, 'invalid_request_error', E.StripeInvalidRequestError, 'permanent'],
  [402, 'card_error', E.StripeCardError, 'permanent'],
  [400, 'idempotency_error', E.StripeIdempotencyError, 'permanent'], // key reused, other params
] as const;

test.each(CASES)('HTTP %s %s → %p, %s', async (status, type, errorClass, kind) => {
  const failure = await failureOf({ status, type });
  expect(failure).toMatchObject({ kind, statusCode: status });
  expect(failure.cause).toBeInstanceOf(errorClass);
  expect(failure.message).toContain(
    `update of Checkout Session cs_test_1 failed (HTTP ${status}): a ${status}`,
  );
});

test('a 400 with code rate_limit is a rate limit (StripeRateLimitError): transient', async () => {
  const failure = await failureOf({
    status: 400,
    type: 'invalid_request_error',
    code: 'rate_limit',
  });
  expect(failure).toMatchObject({ kind: 'transient', statusCode: 400 });
  expect(failure.cause).toBeInstanceOf(E.StripeRateLimitError);
});

test('Stripe-Should-Retry decides between transient and permanent, never over the key', async () => {
  const shouldRetry = (value: string) => ({ 'Stripe-Should-Retry': value });
  const kind = async (status: number, type: string, value: string) =>
    (await failureOf({ status, type, headers: shouldRetry(value) })).kind;
  expect(await kind(400, 'invalid_request_error', 'true')).toBe('transient');
  expect(await kind(500, 'api_error', 'false')).toBe('permanent');
  expect(await kind(401, 'invalid_request_error', 'true')).toBe('operator');
});

test('no answer within STRIPE_TIMEOUT_MS is transient, and not retried by the SDK', async () => {
  const before = seen.length;
  const failure = await failureOf('hang', { timeoutMs: 200 });
  expect(failure).toMatchObject({ kind: 'transient', statusCode: undefined });
  expect(failure.cause).toBeInstanceOf(E.StripeConnectionError);
  expect(failure.message).toMatch(
    /no answer\): Request aborted due to timeout being reached \(200ms\)/,
  );
  expect(seen.length - before).toBe(1);
});

test('a refused connection is transient and names its cause', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const failure = await failureOf(
    { status: 200, type: '' },
    { apiUrl: new URL(`http://127.0.0.1:${port}`) },
  );
  expect(failure).toMatchObject({ kind: 'transient', statusCode: undefined });
  expect(failure.cause).toBeInstanceOf(E.StripeConnectionError);
  expect(failure.message).toMatch(/\(no answer\): .*\(ECONNREFUSED\)/);
});

test('reads classify the same way (replay, the console, the driver’s page)', async () => {
  answer = { status: 404, type: 'invalid_request_error' };
  const stripe = createStripeClient({
    secretKey: 'sk_test_errors',
    apiUrl: url(),
    timeoutMs: 2000,
  });
  const err = await stripe.checkout.sessions.retrieve('cs_test_1').catch((e: unknown) => e);
  expect(toStripeApiError('read', err)).toMatchObject({ kind: 'permanent', statusCode: 404 });
  expect(toStripeApiError('read', new Error('odd'))).toMatchObject({ kind: 'transient' });
});
