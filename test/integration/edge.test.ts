import { gzipSync } from 'node:zlib';
import { startHarness, type Harness } from '../support/harness';
import { eventually, metricValue, rawConnection, requestHead } from '../support/rawHttp';
import { makeEvent, makeSession, signatureFor } from '../support/stripeFixtures';

// The public edge under abuse, over real sockets: what a request that is not Stripe's may cost.
let h: Harness;
afterEach(() => h?.close());

const port = () => h.adapter.port!;
const refused = (reason: string) =>
  metricValue(h.url, `opscom_adapter_webhooks_refused_total{reason="${reason}"}`);
/** A header that passes the cheap checks (present, well-formed, recent) but signs nothing. */
const plausible = () => `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
const signedEvent = () => {
  const session = makeSession();
  h.stripe.addSession(session);
  const body = JSON.stringify(makeEvent('checkout.session.completed', session));
  return { session, body, header: signatureFor(body) };
};
const errorLines = () =>
  h
    .logs()
    .split('\n')
    .filter((l) => l.includes('"level":"error"'));

describe('a webhook is refused before its body is read', () => {
  test.each([
    ['no Stripe-Signature header', undefined, 'missing_header'],
    ['an unparsable one', 'v1=abc', 'malformed_header'],
    [
      'one older than 300 s',
      `t=${Math.floor(Date.now() / 1000) - 301},v1=${'a'.repeat(64)}`,
      'stale',
    ],
  ])(
    '%s: 400 at once, though a megabyte was announced and none sent',
    async (_name, header, reason) => {
      h = await startHarness();
      const c = rawConnection(
        port(),
        requestHead('/webhooks/stripe', {
          'Content-Type': 'application/json',
          'Content-Length': 1_000_000,
          ...(header === undefined ? {} : { 'Stripe-Signature': header }),
        }),
      );
      const answer = await c.answer;
      expect(answer?.status).toBe(400);
      expect(answer?.headers['connection']).toBe('close');
      expect(await refused(reason)).toBe(1);
      expect(await metricValue(h.url, 'opscom_adapter_http_buffered_body_bytes')).toBe(0);
    },
  );
});

describe('bad bodies are a 4xx with a reason, never a 500', () => {
  test.each([
    ['Content-Encoding: compress', { 'Content-Encoding': 'compress' }, 'body', 400, 'encoded_body'],
    ['a corrupt gzip body', { 'Content-Encoding': 'gzip' }, 'not gzip at all', 400, 'encoded_body'],
    [
      'a charset other than UTF-8',
      { 'Content-Type': 'application/json; charset=utf-16' },
      'x',
      400,
      'bad_charset',
    ],
  ])('%s: refused with its reason', async (_name, headers, body, status, reason) => {
    h = await startHarness();
    const res = await fetch(`${h.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': plausible(), ...headers },
      body,
    });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(/./);
    expect(await refused(reason)).toBe(1);
    expect(errorLines()).toEqual([]);
  });

  test('even a well-formed gzip body is refused: Stripe never compresses', async () => {
    h = await startHarness();
    const { body, header } = signedEvent();
    const res = await fetch(`${h.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'gzip', 'Stripe-Signature': header },
      body: gzipSync(body),
    });
    expect(res.status).toBe(400);
    expect(await h.adapter.ledger.listEvents()).toHaveLength(0);
  });

  test('an aborted upload is counted, logged at warn, and frees what it held', async () => {
    h = await startHarness();
    const c = rawConnection(
      port(),
      requestHead('/webhooks/stripe', {
        'Stripe-Signature': plausible(),
        'Content-Length': 100_000,
      }),
    );
    c.send(Buffer.alloc(50_000, 'x'));
    await eventually(async () =>
      ((await metricValue(h.url, 'opscom_adapter_http_buffered_body_bytes')) ?? 0) >= 50_000
        ? true
        : undefined,
    );
    c.socket.destroy();
    expect(await eventually(() => refused('aborted'))).toBe(1);
    expect(await metricValue(h.url, 'opscom_adapter_http_buffered_body_bytes')).toBe(0);
    expect(h.logs()).toMatch(/"level":"warn","message":"webhook refused","reason":"aborted"/);
    expect(errorLines()).toEqual([]);
  });

  test('a malformed URL is a 400, not a 500', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: 'console-password-for-tests' });
    const res = await fetch(`${h.url}/console/jobs/%E0%A4%A`, {
      headers: {
        authorization: `Basic ${Buffer.from('operator:console-password-for-tests').toString('base64')}`,
      },
    });
    expect(res.status).toBe(400);
    expect(errorLines()).toEqual([]);
  });
});

describe('server limits', () => {
  test('a stalled upload is cut at HTTP_REQUEST_TIMEOUT_MS, and what it held is freed', async () => {
    h = await startHarness({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '1000' });
    const c = rawConnection(
      port(),
      requestHead('/webhooks/stripe', {
        'Stripe-Signature': plausible(),
        'Transfer-Encoding': 'chunked',
      }),
    );
    c.send(`10000\r\n${'x'.repeat(0x10000)}\r\n`); // 64 KiB, then nothing more
    const answer = await c.answer;
    expect(answer?.status).toBe(408);
    expect(await eventually(() => refused('timeout'))).toBe(1);
    expect(await metricValue(h.url, 'opscom_adapter_http_buffered_body_bytes')).toBe(0);
    expect(await h.adapter.ledger.listEvents()).toHaveLength(0);
  });

  test('a connection that never sends its headers is closed at HTTP_HEADERS_TIMEOUT_MS', async () => {
    h = await startHarness({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' });
    const c = rawConnection(port(), 'POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\n');
    expect((await c.answer)?.status).toBe(408);
    expect(
      await eventually(() =>
        metricValue(h.url, 'opscom_adapter_requests_refused_total{reason="timeout"}'),
      ),
    ).toBe(1);
  });

  test('keep-alive is announced at HTTP_KEEP_ALIVE_TIMEOUT_MS, above a load balancer’s 60 s', async () => {
    h = await startHarness();
    const res = await fetch(`${h.url}/healthz`);
    expect(res.headers.get('keep-alive')).toBe('timeout=65');
  });

  test('an idle keep-alive connection outlives the headers timeout (a load balancer reuses it)', async () => {
    h = await startHarness({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '1000' });
    const c = rawConnection(port(), 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    let answers = 0;
    c.socket.on('data', (chunk: Buffer) => {
      answers += chunk.toString('latin1').split('HTTP/1.1 200').length - 1;
    });
    await eventually(() => (answers === 1 ? true : undefined));
    // Idle for over twice the headers timeout (Node checks each second), then a second request.
    await new Promise((r) => setTimeout(r, 2500));
    expect(c.socket.destroyed).toBe(false);
    c.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => (answers === 2 ? true : undefined));
    c.socket.destroy();
  });

  test('past HTTP_MAX_CONNECTIONS the oldest idle connections are closed, and Stripe still gets in', async () => {
    h = await startHarness({ HTTP_MAX_CONNECTIONS: '10' });
    const idle = Array.from({ length: 25 }, () => rawConnection(port()));
    // Connections beyond the cap close older idle ones: 15 of the 25 are closed.
    let closed = 0;
    for (const c of idle) void c.closed.then(() => closed++);
    await eventually(() => (closed >= 15 ? true : undefined));
    const { session, body, header } = signedEvent();
    const res = await fetch(`${h.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header },
      body,
    });
    expect(res.status).toBe(200);
    await h.waitForJob(session.id, ['done']);
    expect(
      await metricValue(h.url, 'opscom_adapter_requests_refused_total{reason="shed"}'),
    ).toBeGreaterThanOrEqual(16);
    for (const c of idle) c.socket.destroy();
  });
});

describe('the body budget (HTTP_MAX_BUFFERED_BODY_MB)', () => {
  test('full of stalled uploads: a newcomer gets 503 with Retry-After; once they are old, Stripe’s body takes their room', async () => {
    // The adapter's clock stands still until the test moves it: "old" without waiting, and
    // "young" however slow this machine is.
    let clock = Date.now();
    h = await startHarness({ HTTP_MAX_BUFFERED_BODY_MB: '2' }, {}, { now: () => clock });
    const almostAll = 1_048_000; // under the 1 MiB a webhook may have; two leave ~1 KB free
    const stalled = [0, 1].map(() => {
      const c = rawConnection(
        port(),
        requestHead('/webhooks/stripe', {
          'Stripe-Signature': plausible(),
          'Content-Length': 1_048_500,
        }),
      );
      c.send(Buffer.alloc(almostAll, 'x'));
      return c;
    });
    await eventually(async () =>
      ((await metricValue(h.url, 'opscom_adapter_http_buffered_body_bytes')) ?? 0) >= 2 * almostAll
        ? true
        : undefined,
    );
    const post = (e: { body: string; header: string }) =>
      fetch(`${h.url}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': e.header },
        body: e.body,
      });

    const refusedNow = await post(signedEvent());
    expect(refusedNow.status).toBe(503);
    expect(refusedNow.headers.get('retry-after')).toBe('5');
    expect(await refused('busy')).toBe(1);

    clock += 2000; // the stalled uploads have now been arriving for 2 s
    const e = signedEvent();
    expect((await post(e)).status).toBe(200);
    await h.waitForJob(e.session.id, ['done']);
    expect(await refused('slow_body')).toBe(1);
    const answers = await Promise.race(stalled.map((c) => c.answer));
    expect(answers?.status).toBe(503);
    for (const c of stalled) c.socket.destroy();
  });
});

describe('HSTS', () => {
  test('every answer carries it when PUBLIC_URL is https, none otherwise', async () => {
    h = await startHarness({ PUBLIC_URL: 'https://permits.example.com' });
    expect((await fetch(`${h.url}/healthz`)).headers.get('strict-transport-security')).toBe(
      'max-age=31536000',
    );
    expect((await fetch(`${h.url}/console`)).headers.get('strict-transport-security')).toBe(
      'max-age=31536000',
    );
    await h.close();
    h = await startHarness({ PUBLIC_URL: 'http://localhost:3000' });
    expect((await fetch(`${h.url}/healthz`)).headers.get('strict-transport-security')).toBeNull();
  });
});
