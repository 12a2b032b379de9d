import { createHmac } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sameSecret } from '../net/sameSecret';

/**
 * The console's CSRF token for a user: an HMAC of the user under a key derived from the
 * console password. Every process of the service computes the same one (no session store),
 * and a page on another site cannot: it knows neither the password nor the token.
 */
export function csrfToken(password: string, user: string): string {
  const key = createHmac('sha256', 'opscom-adapter console csrf').update(password).digest();
  return createHmac('sha256', key).update(user).digest('base64url');
}

/**
 * Refuses a POST that is cross-site: a browser says so in `Sec-Fetch-Site` (anything but
 * same-origin, or none for a typed URL) and in `Origin` (another host than the one asked);
 * then requires the form's `_csrf` field to be the user's token. Returns what is wrong, or
 * undefined.
 */
export function crossSiteProblem(
  headers: {
    origin?: string | undefined;
    secFetchSite?: string | undefined;
    host?: string | undefined;
  },
  formToken: unknown,
  expected: string,
): string | undefined {
  const site = headers.secFetchSite;
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `a ${site} request (Sec-Fetch-Site)`;
  }
  if (headers.origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(headers.origin).host;
    } catch {
      host = undefined;
    }
    if (host === undefined || host !== headers.host) return `a request from ${headers.origin}`;
  }
  if (!sameSecret(typeof formToken === 'string' ? formToken : '', expected)) {
    return 'a form without this console’s token (reload the page and try again)';
  }
  return undefined;
}

/** Middleware for the console's POSTs (after basicAuth): 403 with the reason, or on. */
export function requireSameSite(password: string): RequestHandler {
  return (req, res, next) => {
    const user = String(res.locals['consoleUser']);
    const body = req.body as Record<string, unknown> | undefined;
    const problem = crossSiteProblem(
      { origin: req.get('origin'), secFetchSite: req.get('sec-fetch-site'), host: req.get('host') },
      body?.['_csrf'],
      csrfToken(password, user),
    );
    if (problem) {
      res.status(403).type('text/plain').send(`Refused: ${problem}. Nothing was changed.\n`);
      return;
    }
    next();
  };
}
