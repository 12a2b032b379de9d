import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorKind } from '../../src/errors';
import { createStripeClient } from '../../src/stripe/stripeClient';
import { toStripeApiError } from '../../src/stripe/stripeErrors';
import { createStripeWriteBack } from '../../src/stripe/stripeWriteBack';

// Each answer as Stripe gives it, to both clients: stripe-node (its own error classes, raised
// by the real SDK: reads) and our write-back client; each mapped to one kind, the same for both.
let server: Server;
let answer: { status: number; type: string; headers?: Record<string, string> };
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    res.end(JSON.stringify({ error: { type: answer.type, message: `a ${answer.status}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function kindFor(a: typeof answer): Promise<ErrorKind> {
  answer = a;
  const stripe = createStripeClient({
    secretKey: 'sk_test_errors',
    apiUrl: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    timeoutMs: 2000,
  });
  const err = await stripe.checkout.sessions.retrieve('cs_test_1').then(
    () => undefined,
    (e: unknown) => e,
  );
  const sdkKind = toStripeApiError('read', err).kind;
  const ours = await createStripeWriteBack({
    secretKey: 'sk_test_errors',
    apiUrl: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    timeoutMs: 2000,
  })
    .updateSession('cs_test_1', META, 'k1')
    .then(
      () => undefined,
      (e: { kind: ErrorKind; message: string }) => e,
    );
  expect(ours?.message).toContain(`a ${a.status}`);
  expect(ours?.kind).toBe(sdkKind);
  return sdkKind;
}

const META = {
  opscom_reference_id: 'R',
  opscom_internal_reference_id: '1',
  opscom_end_time: 't',
  opscom_permit_status: 'active',
};

test.each([
  ['401: the key is refused (StripeAuthenticationError)', 401, 'invalid_request_error', 'operator'],
  ['403: the key lacks access (StripePermissionError)', 403, 'invalid_request_error', 'operator'],
  ['429: rate limited (StripeRateLimitError)', 429, 'invalid_request_error', 'transient'],
  ['500: Stripe failed (StripeAPIError)', 500, 'api_error', 'transient'],
  ['409: a concurrent request with the same key', 409, 'idempotency_error', 'transient'],
  ['404: no such object (StripeInvalidRequestError)', 404, 'invalid_request_error', 'permanent'],
  [
    '400: key reused with other parameters (StripeIdempotencyError)',
    400,
    'idempotency_error',
    'permanent',
  ],
] as const)('%s → %s', async (_name, status, type, kind) => {
  expect(await kindFor({ status, type })).toBe(kind);
});

test('Stripe-Should-Retry decides between transient and permanent, never over the key', async () => {
  const shouldRetry = (value: string) => ({ 'Stripe-Should-Retry': value });
  expect(
    await kindFor({ status: 400, type: 'invalid_request_error', headers: shouldRetry('true') }),
  ).toBe('transient');
  expect(await kindFor({ status: 500, type: 'api_error', headers: shouldRetry('false') })).toBe(
    'permanent',
  );
  expect(
    await kindFor({ status: 401, type: 'invalid_request_error', headers: shouldRetry('true') }),
  ).toBe('operator');
});

test('no answer at all is transient', async () => {
  const stripe = createStripeClient({
    secretKey: 'sk_test_errors',
    apiUrl: new URL('http://127.0.0.1:1'),
    timeoutMs: 2000,
  });
  const err = await stripe.checkout.sessions.retrieve('cs_test_1').catch((e: unknown) => e);
  expect(toStripeApiError('read', err)).toMatchObject({ kind: 'transient', statusCode: undefined });
});
