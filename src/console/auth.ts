import type { RequestHandler } from 'express';
import { sameSecret } from '../http/sameSecret';

export interface ConsoleCredentials {
  user: string;
  password: string;
}

/** Failed logins allowed from one address per window before it must wait. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;

/** `Authorization: Basic …` → user and password, or undefined. */
export function parseBasic(header: string | undefined): ConsoleCredentials | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Counts failed logins per client address: after MAX_FAILURES in FAILURE_WINDOW_MS, that
 * address is refused (429, with Retry-After) until its oldest failure leaves the window. The
 * address is the connection's (Express's `req.ip`, no proxy trusted): behind a load balancer
 * every client shares it, so a password guesser there slows everyone down rather than get in.
 */
export function loginThrottle(now: () => number = Date.now) {
  const failures = new Map<string, number[]>();
  const recent = (address: string) => {
    const since = now() - FAILURE_WINDOW_MS;
    const kept = (failures.get(address) ?? []).filter((t) => t > since);
    if (kept.length === 0) failures.delete(address);
    else failures.set(address, kept);
    return kept;
  };
  return {
    /** Milliseconds this address must wait, or 0. */
    waitMs(address: string): number {
      const kept = recent(address);
      return kept.length >= MAX_FAILURES ? kept[0]! + FAILURE_WINDOW_MS - now() : 0;
    },
    failed(address: string): void {
      failures.set(address, [...recent(address), now()]);
    },
  };
}

/**
 * HTTP Basic auth for the console: the user and password compared in constant time, failed
 * logins throttled per address. The user signed in is `res.locals.consoleUser`.
 */
export function basicAuth(
  credentials: ConsoleCredentials,
  throttle: ReturnType<typeof loginThrottle>,
): RequestHandler {
  return (req, res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = throttle.waitMs(address);
    if (wait > 0) {
      res
        .status(429)
        .set('Retry-After', String(Math.ceil(wait / 1000)))
        .type('text/plain')
        .send(
          `Too many failed logins from this address; try again in ${Math.ceil(wait / 60_000)} min.\n`,
        );
      return;
    }
    const given = parseBasic(req.get('authorization'));
    // Both compared, always: which one was wrong does not show in the time taken.
    const userOk = sameSecret(given?.user ?? '', credentials.user);
    const passwordOk = sameSecret(given?.password ?? '', credentials.password);
    if (given && userOk && passwordOk) {
      res.locals['consoleUser'] = credentials.user;
      next();
      return;
    }
    if (given) throttle.failed(address);
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="OPSCOM adapter console", charset="UTF-8"')
      .type('text/plain')
      .send('Sign in with CONSOLE_USER and CONSOLE_PASSWORD.\n');
  };
}
