import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHarness, type Harness } from '../support/harness';
import { metricValue, rawConnection, requestHead } from '../support/rawHttp';
import { waitFor } from '../support/serverProcess';

// The console's login under a stranger's flood, over real sockets.
const PASSWORD = 'console-password-for-tests';
const basic = (password: string, user = 'operator') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let h: Harness;
afterEach(() => h?.close());

const get = (headers: Record<string, string>) => fetch(`${h.url}/console`, { headers });
const logins = (reason: string) =>
  metricValue(h.url, `opscom_adapter_console_logins_refused_total{reason="${reason}"}`);

test('the right password works for an operator’s browser while a stranger’s failures are throttled', async () => {
  h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
  // The operator signed in from this browser before: it keeps the cookie it was given.
  const first = await get({ authorization: basic(PASSWORD) });
  expect(first.status).toBe(200);
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
  expect(cookie).toMatch(/^console_browser=/);

  // A stranger, from the same address (as behind a load balancer), guesses 40 times.
  const answers: number[] = [];
  for (let i = 0; i < 40; i++) {
    answers.push((await get({ authorization: basic(`guess-${i}-of-a-stranger`) })).status);
  }
  expect(answers.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(answers.slice(10)).toEqual(Array(30).fill(429));

  // The operator's browser is not held up, right in the middle of it.
  expect((await get({ authorization: basic(PASSWORD), cookie })).status).toBe(200);
  // A client never seen before shares its address's wait, whatever it sends: while it waits,
  // nothing it sends is checked, so guessing right cannot skip the wait.
  const fresh = await get({ authorization: basic(PASSWORD) });
  expect(fresh.status).toBe(429);
  expect(Number(fresh.headers.get('retry-after'))).toBeGreaterThan(0);

  // Counted in full; logged a few lines per reason; never a password.
  expect(await logins('bad_credentials')).toBe(10);
  expect(await logins('throttled')).toBe(31);
  const lines = h
    .logs()
    .split('\n')
    .filter((l) => l.includes('"message":"console login refused"'));
  expect(lines).toHaveLength(10); // 5 bad_credentials, 5 throttled: the rest are summed up
  expect(h.logs()).not.toContain(PASSWORD);
  expect(h.logs()).not.toContain('guess-');
});

test('a recognised browser has its own budget: a stolen cookie is no way around the throttle', async () => {
  h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
  const cookie = (
    (await get({ authorization: basic(PASSWORD) })).headers.get('set-cookie') ?? ''
  ).split(';')[0]!;
  for (let i = 0; i < 10; i++) await get({ authorization: basic(`wrong-${i}`), cookie });
  expect((await get({ authorization: basic(`wrong-again`), cookie })).status).toBe(429);
  // Its failures were its own: the address is not held up.
  expect((await get({ authorization: basic(PASSWORD) })).status).toBe(200);
});

test('the throttle’s memory is bounded, whatever the addresses a flood comes from', async () => {
  // TRUST_PROXY: the client's address is the load balancer's X-Forwarded-For.
  h = await startHarness(
    { CONSOLE_PASSWORD: PASSWORD, TRUST_PROXY: 'loopback' },
    {},
    { loginThrottleClients: 50 },
  );
  for (let i = 0; i < 300; i++) {
    const res = await get({
      authorization: basic('wrong-password'),
      'x-forwarded-for': `198.51.${i >> 8}.${i & 255}`,
    });
    expect(res.status).toBe(401);
  }
  expect(await metricValue(h.url, 'opscom_adapter_console_login_throttle_entries')).toBe(50);
  // Each address is still held to its own 10.
  for (let i = 0; i < 10; i++) {
    await get({ authorization: basic('wrong'), 'x-forwarded-for': '203.0.113.7' });
  }
  const held = await get({ authorization: basic('wrong'), 'x-forwarded-for': '203.0.113.7' });
  expect(held.status).toBe(429);
  const other = await get({ authorization: basic(PASSWORD), 'x-forwarded-for': '203.0.113.8' });
  expect(other.status).toBe(200);
});

test('a flood of refused logins raises one alert', async () => {
  const messages: string[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      messages.push((JSON.parse(body) as { text: string }).text);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    h = await startHarness(
      { CONSOLE_PASSWORD: PASSWORD, ALERT_WEBHOOK_URL: hook },
      {},
      { alertIntervalMs: 50 },
    );
    for (let i = 0; i < 60; i++) await get({ authorization: basic(`guess-${i}`) });
    const text = await waitFor('the alert', () => messages.find((m) => /console logins/.test(m)));
    // Raised at the first alert round that saw 50 or more.
    expect(
      Number(/^(\d+) console logins refused in the last 15 minutes/.exec(text)?.[1]),
    ).toBeGreaterThanOrEqual(50);
    expect(text).not.toContain('guess-');
  } finally {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
});

describe('the console’s forms', () => {
  const form = async (headers: Record<string, string>, body: string | Buffer) => {
    const res = await fetch(`${h.url}/console/actions/lookup`, {
      method: 'POST',
      headers: {
        authorization: basic(PASSWORD),
        origin: h.url,
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  const urlencoded = 'application/x-www-form-urlencoded';

  test.each([
    [
      'charset=utf-16',
      { 'content-type': `${urlencoded}; charset=utf-16` },
      'session=x',
      400,
      /UTF-8/,
    ],
    [
      'Content-Encoding: compress',
      { 'content-type': urlencoded, 'content-encoding': 'compress' },
      'x',
      400,
      /Content-Encoding/,
    ],
    [
      'bytes that are not UTF-8',
      { 'content-type': urlencoded },
      Buffer.from([0x73, 0x3d, 0xff, 0xfe]),
      400,
      /not UTF-8/,
    ],
    ['not a form', { 'content-type': 'application/json' }, '{}', 415, /forms only/],
    [
      'too many fields',
      { 'content-type': urlencoded },
      Array.from({ length: 30 }, (_, i) => `f${i}=1`).join('&'),
      400,
      /at most 20 fields/,
    ],
    ['too large', { 'content-type': urlencoded }, `q=${'x'.repeat(20_000)}`, 413, /body over/],
  ])(
    '%s: a 4xx with its reason, counted, never a 500',
    async (_name, headers, body, status, reason) => {
      h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
      const res = await form(headers, body);
      expect(res.status).toBe(status);
      expect(res.text).toMatch(reason);
      const text = await (await fetch(`${h.url}/metrics`)).text();
      expect(text).toMatch(/opscom_adapter_requests_refused_total\{reason="[a-z_]+"\} 1/);
      expect(h.logs()).not.toMatch(/"level":"error"/);
    },
  );

  test('a stranger’s POST is answered 401 before its body is read', async () => {
    h = await startHarness({ CONSOLE_PASSWORD: PASSWORD });
    const c = rawConnection(
      h.adapter.port!,
      requestHead('/console/actions/lookup', {
        'Content-Type': urlencoded,
        'Content-Length': 10_000,
        Connection: 'close',
      }),
    );
    expect((await c.answer)?.status).toBe(401);
  });
});
