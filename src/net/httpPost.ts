import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What a transport failure was: its system code when it has one, or `TimeoutError`. */
export class PostFailure extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** Whether the whole request had been handed to the network before it failed. */
    readonly sent: boolean,
  ) {
    super(message);
    this.name = code === 'TIMEOUT' ? 'TimeoutError' : 'PostFailure';
  }
}

export interface PostAnswer {
  status: number;
  text: string;
  headers: IncomingHttpHeaders;
}

export type Poster = (
  path: string,
  body: string,
  limitMs: number,
  headers?: Record<string, string>,
) => Promise<PostAnswer>;

/**
 * A POST of `contentType` over node:http(s) with keep-alive connections, and nothing else: no
 * retries, no redirects. Resolves with whatever status, headers and body came back; rejects
 * with a PostFailure when there is no answer within `limitMs` (code TIMEOUT) or the connection
 * fails (its system code, e.g. ECONNREFUSED). OPSCOM's clients use it: fetch cost a fifth of
 * the worker's CPU under load (docs/performance.md). Stripe is called through stripe-node.
 */
export function httpPoster(base: URL, contentType: string): Poster {
  const https = base.protocol === 'https:';
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: 256 })
    : new HttpAgent({ keepAlive: true, maxSockets: 256 });
  const send = https ? httpsRequest : httpRequest;
  return (path, body, limitMs, headers = {}) =>
    new Promise<PostAnswer>((resolve, reject) => {
      const url = new URL(path, base);
      let sent = false;
      let settled = false;
      const fail = (err: PostFailure) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const req = send(url, {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'Content-Type': contentType,
          Accept: 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
      });
      const timer = setTimeout(() => {
        fail(new PostFailure(`no answer within ${limitMs} ms`, 'TIMEOUT', sent));
        req.destroy();
      }, limitMs);
      req.on('finish', () => (sent = true));
      req.on('error', (err: NodeJS.ErrnoException) => {
        fail(new PostFailure(err.message, err.code, sent));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) =>
          fail(new PostFailure(err.message, err.code, true)),
        );
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          });
        });
      });
      req.end(body);
    });
}
