import type { RequestHandler } from 'express';
import type { Refusals } from '../http/refusals';
import { sameSecret } from '../net/sameSecret';
import { addressKey, type LoginThrottle } from '../http/loginThrottle';
import type { TrustedBrowsers } from './trustedBrowser';

export interface ConsoleCredentials {
  user: string;
  password: string;
}

/** `Authorization: Basic …` → user and password, or undefined. */
export function parseBasic(header: string | undefined): ConsoleCredentials | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface BasicAuthDeps {
  credentials: ConsoleCredentials;
  throttle: LoginThrottle;
  browsers: TrustedBrowsers;
  refusals: Refusals;
  /** The console is served over HTTPS (PUBLIC_URL): its cookie is marked Secure. */
  secure: boolean;
}

/**
 * HTTP Basic auth for the console. The user and password are compared in constant time, and
 * guessing is slowed per client: a browser that has signed in before is recognised by its
 * cookie (console/trustedBrowser.ts) and is its own client; any other request is its
 * address's (http/loginThrottle.ts). A client with too many failures waits (429) and its
 * credentials are not even checked meanwhile, so waiting cannot be skipped by guessing right;
 * a stranger's failures never make a recognised browser wait. Failures and waits are counted
 * and logged (bounded) through `refusals`; no password or user name given is ever logged.
 * The user signed in is `res.locals.consoleUser`.
 */
export function basicAuth(deps: BasicAuthDeps): RequestHandler {
  const { credentials, throttle, browsers, refusals } = deps;
  return (req, res, next) => {
    const given = parseBasic(req.get('authorization'));
    // No credentials yet: a browser's first request, before it asks its user. Not a failure.
    if (!given) {
      challenge(res);
      return;
    }
    const browser = browsers.recognise(req.get('cookie'));
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const client = browser !== undefined ? `browser:${browser}` : `address:${addressKey(address)}`;
    const wait = throttle.waitMs(client);
    if (wait > 0) {
      throttle.throttled();
      refusals.refused('login', 'throttled', { ip: address, recognisedBrowser: !!browser });
      res
        .status(429)
        .set('Retry-After', String(Math.ceil(wait / 1000)))
        .type('text/plain')
        .send(
          `Too many failed logins from ${browser ? 'this browser' : 'this address'}; try again in ${Math.ceil(wait / 60_000)} min. A browser that has signed in here before is not held up by others' failures.\n`,
        );
      return;
    }
    // Both compared, always: which one was wrong does not show in the time taken.
    const userOk = sameSecret(given.user, credentials.user);
    const passwordOk = sameSecret(given.password, credentials.password);
    if (userOk && passwordOk) {
      if (browser === undefined) res.append('Set-Cookie', browsers.cookie(deps.secure));
      res.locals['consoleUser'] = credentials.user;
      next();
      return;
    }
    throttle.failed(client);
    refusals.refused('login', 'bad_credentials', { ip: address, recognisedBrowser: !!browser });
    challenge(res);
  };
}

function challenge(res: Parameters<RequestHandler>[1]): void {
  res
    .status(401)
    .set('WWW-Authenticate', 'Basic realm="OPSCOM adapter console", charset="UTF-8"')
    .type('text/plain')
    .send('Sign in with CONSOLE_USER and CONSOLE_PASSWORD.\n');
}
