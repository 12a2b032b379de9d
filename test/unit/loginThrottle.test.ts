import {
  addressKey,
  createLoginThrottle,
  FAILURE_WINDOW_MS,
  MAX_CLIENTS,
  MAX_FAILURES,
} from '../../src/http/loginThrottle';
import { TRUSTED_FOR_SECONDS, trustedBrowsers } from '../../src/console/trustedBrowser';

describe('the console login throttle', () => {
  test('a client waits after too many failures, until its window ends; others do not', () => {
    let now = 1_000_000;
    const throttle = createLoginThrottle({ now: () => now });
    for (let i = 0; i < MAX_FAILURES - 1; i++) throttle.failed('a');
    expect(throttle.waitMs('a')).toBe(0);
    throttle.failed('a');
    expect(throttle.waitMs('a')).toBe(FAILURE_WINDOW_MS);
    expect(throttle.waitMs('b')).toBe(0);
    now += FAILURE_WINDOW_MS;
    expect(throttle.waitMs('a')).toBe(0);
    expect(throttle.size).toBe(0);
  });

  test('remembers at most MAX_CLIENTS clients, whatever a flood of addresses', () => {
    const throttle = createLoginThrottle({ now: () => 5_000 });
    for (let i = 0; i < 4 * MAX_CLIENTS; i++)
      throttle.failed(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(throttle.size).toBe(MAX_CLIENTS);
    // The most recent ones are the ones kept.
    const last = 4 * MAX_CLIENTS - 1;
    throttle.failed(`10.${last >> 16}.${(last >> 8) & 255}.${last & 255}`);
    expect(throttle.size).toBe(MAX_CLIENTS);
    expect(throttle.recentRefusals()).toBe(4 * MAX_CLIENTS + 1);
  });

  test('counts the logins refused in the last 15 minutes, failed or throttled, for the alert', () => {
    let now = 0;
    const throttle = createLoginThrottle({ now: () => now });
    throttle.failed('a');
    now = 10 * 60_000;
    throttle.failed('b');
    throttle.throttled();
    expect(throttle.recentRefusals()).toBe(3);
    now = 15 * 60_000;
    expect(throttle.recentRefusals()).toBe(2);
    now = 25 * 60_000;
    expect(throttle.recentRefusals()).toBe(0);
  });

  test.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('the key of %s is %s (an IPv6 address by its /64)', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('browsers that signed in before', () => {
  const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

  test('are recognised by the cookie they were given, and only that one', () => {
    let now = 1_700_000_000_000;
    const browsers = trustedBrowsers('a-long-console-password', 'operator', () => now);
    const set = browsers.cookie(true);
    expect(set).toMatch(/; Path=\/console; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/);
    const id = browsers.recognise(`other=1; ${cookieOf(set)}`);
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(browsers.recognise(undefined)).toBeUndefined();
    expect(
      browsers.recognise(cookieOf(set).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))),
    ).toBeUndefined();
    // Another password (or user) forgets every browser.
    expect(
      trustedBrowsers('another-long-password', 'operator').recognise(cookieOf(set)),
    ).toBeUndefined();
    expect(
      trustedBrowsers('a-long-console-password', 'eve').recognise(cookieOf(set)),
    ).toBeUndefined();
    now += (TRUSTED_FOR_SECONDS + 1) * 1000;
    expect(browsers.recognise(cookieOf(set))).toBeUndefined();
  });
});
