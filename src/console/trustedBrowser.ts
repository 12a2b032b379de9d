import { createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { sameSecret } from '../net/sameSecret';

/** The cookie a browser gets once it signs in to the console. */
export const TRUSTED_COOKIE = 'console_browser';
/** How long a browser stays recognised after it last received the cookie. */
export const TRUSTED_FOR_SECONDS = 90 * 24 * 3600;

const VALUE = /^([A-Za-z0-9_-]{16})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export interface TrustedBrowsers {
  /** The Set-Cookie value for a browser that just signed in. */
  cookie(secure: boolean): string;
  /** The browser's id if its Cookie header holds a cookie this console issued, unexpired. */
  recognise(cookieHeader: string | undefined): string | undefined;
}

/**
 * Browsers that have signed in to the console before (OWASP's "device cookies"): after a
 * right password, the browser gets a cookie signed under a key derived from the console
 * password; from then on its failed logins are counted against it rather than against its
 * address. So a stranger's guesses, which make their address wait, never make an operator's
 * browser wait, even behind a load balancer where every client has the same address. The
 * cookie lets no one in by itself: the password is still asked every time. Changing
 * CONSOLE_PASSWORD forgets every browser. The key is derived once, slowly (PBKDF2, OWASP's
 * 600,000 rounds: 0.1 s at start-up), so a cookie copied from a browser is no cheap way to
 * guess the password offline. Not scrypt: its 16 MB of working memory, once freed, leaves
 * glibc serving later allocations from memory it keeps, about 30 MB more resident for good.
 */
export function trustedBrowsers(
  password: string,
  user: string,
  now: () => number = Date.now,
): TrustedBrowsers {
  const key = pbkdf2Sync(password, `opscom-adapter console browser ${user}`, 600_000, 32, 'sha256');
  const mac = (id: string, issued: string) =>
    createHmac('sha256', key).update(`${id}.${issued}`).digest('base64url');
  return {
    cookie(secure) {
      const id = randomBytes(12).toString('base64url');
      const issued = String(Math.floor(now() / 1000));
      return [
        `${TRUSTED_COOKIE}=${id}.${issued}.${mac(id, issued)}`,
        'Path=/console',
        `Max-Age=${TRUSTED_FOR_SECONDS}`,
        'HttpOnly',
        'SameSite=Strict',
        ...(secure ? ['Secure'] : []),
      ].join('; ');
    },
    recognise(cookieHeader) {
      const value = (cookieHeader ?? '')
        .split(';')
        .map((c) => c.trim())
        .find((c) => c.startsWith(`${TRUSTED_COOKIE}=`))
        ?.slice(TRUSTED_COOKIE.length + 1);
      const [, id, issued, given] = VALUE.exec(value ?? '') ?? [];
      if (id === undefined || issued === undefined || given === undefined) return undefined;
      if (now() / 1000 - Number(issued) > TRUSTED_FOR_SECONDS) return undefined;
      return sameSecret(given, mac(id, issued)) ? id : undefined;
    },
  };
}
