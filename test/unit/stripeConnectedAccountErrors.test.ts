import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StripeApiError } from '../../src/errors';
import { createStripeClient } from '../../src/stripe/stripeClient';
import { stripeReaders } from '../../src/stripe/stripeReader';
import { createStripeWriteBack } from '../../src/stripe/stripeWriteBack';

// A platform whose access to one connected account is gone (disconnected, or an id that is
// not its account): Stripe refuses the calls made for that account, as it answers them, and
// the operator is sent to the account, not to STRIPE_SECRET_KEY.
const GONE = 'acct_1Disconnected';
const CONNECTED = 'acct_1StillConnected';

interface Refusal {
  status: number;
  type: string;
  code?: string;
  message: string;
}

/** Stripe's answer to a request as `account` with `key`; undefined: the object. */
function refusalOf(account: string | undefined, key: string): Refusal | undefined {
  if (key === 'sk_test_revoked') {
    return { status: 401, type: 'invalid_request_error', message: 'Invalid API Key provided' };
  }
  if (account === GONE) {
    return {
      status: 403,
      type: 'invalid_request_error',
      code: 'account_invalid',
      message: `The provided key 'sk_test_***' does not have access to account '${GONE}' (or that account does not exist). Application access may have been revoked.`,
    };
  }
  if (key.startsWith('rk_')) {
    return {
      status: 403,
      type: 'invalid_request_error',
      message: 'The provided key does not have the required permissions for this endpoint.',
    };
  }
  return undefined;
}

let server: Server;
const seen: { account: string | undefined; path: string }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const header = req.headers['stripe-account'];
    const account = typeof header === 'string' ? header : undefined;
    seen.push({ account, path: req.url ?? '' });
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const refusal = refusalOf(account, key);
    res.writeHead(refusal?.status ?? 200, { 'Content-Type': 'application/json' });
    if (refusal === undefined) {
      res.end(JSON.stringify({ id: 'cs_test_1', object: 'checkout.session', metadata: {} }));
      return;
    }
    const { type, code, message } = refusal;
    res.end(JSON.stringify({ error: { type, message, ...(code ? { code } : {}) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

const options = (secretKey = 'sk_test_platform') => ({
  secretKey,
  apiUrl: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
  timeoutMs: 2000,
});

const META = {
  opscom_reference_id: 'R',
  opscom_internal_reference_id: '1',
  opscom_end_time: 't',
  opscom_permit_status: 'active',
};

async function failure(call: Promise<unknown>): Promise<StripeApiError> {
  const err = await call.then(
    () => new Error('the call succeeded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StripeApiError);
  return err as StripeApiError;
}

const ACCOUNT_HINT = `Stripe refuses the platform access to connected account ${GONE}: check that the account is still connected to the platform (Dashboard → Connect) and that the stripeAccount of its site in SITES_FILE is right`;

describe('Stripe refusing a call made for a connected account', () => {
  test('a write-back: named the account and what to check, not the key; still an operator’s', async () => {
    const writeBack = createStripeWriteBack(options());
    const err = await failure(writeBack.updateSession('cs_test_1', META, 'k1', GONE));
    expect(err).toMatchObject({ kind: 'operator', statusCode: 403 });
    expect(err.message).toContain(
      `Stripe update of Checkout Session cs_test_1 on connected account ${GONE} failed (HTTP 403): The provided key`,
    );
    expect(err.message).toContain(ACCOUNT_HINT);
    expect(err.message).not.toContain('Stripe refuses STRIPE_SECRET_KEY');
    expect(seen.at(-1)).toEqual({ account: GONE, path: '/v1/checkout/sessions/cs_test_1' });
    const pi = await failure(writeBack.updatePaymentIntent('pi_1', META, 'k2', GONE));
    expect(pi.message).toContain(ACCOUNT_HINT);
  });

  test('a read (replay, the console, the driver’s page) says the same', async () => {
    const readers = stripeReaders(createStripeClient(options()));
    const err = await failure(readers(GONE).retrieveSession('cs_test_1'));
    expect(err).toMatchObject({ kind: 'operator', statusCode: 403 });
    expect(err.message).toContain(
      `read of Checkout Session cs_test_1 on connected account ${GONE}`,
    );
    expect(err.message).toContain(ACCOUNT_HINT);
    // The other accounts and the platform are read as before.
    await expect(readers(CONNECTED).retrieveSession('cs_test_1')).resolves.toMatchObject({
      id: 'cs_test_1',
    });
    await expect(readers().retrieveSession('cs_test_1')).resolves.toMatchObject({
      id: 'cs_test_1',
    });
  });

  test('a key that lacks access is still named as the key, for any account', async () => {
    const restricted = createStripeWriteBack(options('rk_test_readonly'));
    const platform = await failure(restricted.updateSession('cs_test_1', META, 'k3'));
    expect(platform.message).toMatch(
      /\(HTTP 403\): .*: Stripe refuses STRIPE_SECRET_KEY \(it needs write access to Checkout Sessions and PaymentIntents\)$/,
    );
    // For an account, its access comes first; the key's is the other thing to check.
    const connected = await failure(restricted.updateSession('cs_test_1', META, 'k4', CONNECTED));
    expect(connected).toMatchObject({ kind: 'operator', statusCode: 403 });
    expect(connected.message).toContain(`connected account ${CONNECTED}: check that`);
    expect(connected.message).toContain(
      "if every account's calls are refused, STRIPE_SECRET_KEY's access (write access to Checkout Sessions and PaymentIntents)",
    );
  });

  test('a 401 for an account names the account, then the key itself', async () => {
    const revoked = createStripeWriteBack(options('sk_test_revoked'));
    const err = await failure(revoked.updateSession('cs_test_1', META, 'k5', CONNECTED));
    expect(err).toMatchObject({ kind: 'operator', statusCode: 401 });
    expect(err.message).toContain(`connected account ${CONNECTED}: check that`);
    expect(err.message).toContain(
      "if the platform's own calls are refused too, STRIPE_SECRET_KEY itself",
    );
    const platform = await failure(revoked.updateSession('cs_test_1', META, 'k6'));
    expect(platform.message).toContain('Stripe refuses STRIPE_SECRET_KEY (it needs');
  });
});
