import type { IncomingMessage } from 'node:http';
import { RequestRefusedError } from '../errors';
import type { BodyBudget } from './bodyBudget';
import { cutByTimeout } from './httpServer';

export interface ReadBodyOptions {
  /** Most bytes the body may have. */
  limit: number;
  /** The bytes buffered at once across all requests (HTTP_MAX_BUFFERED_BODY_MB). */
  budget: BodyBudget;
}

/** Seconds a client refused for want of room (503) is asked to wait before trying again. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * What the headers alone show is wrong with a body, so it is refused before a byte of it is
 * read: an encoding (Stripe and browsers send bodies uncompressed, and a decoder is what a
 * compression bomb needs), a charset other than UTF-8 (both Stripe's JSON and the console's
 * forms are UTF-8), or a declared length over the limit.
 */
export function bodyHeaderProblem(
  req: IncomingMessage,
  limit: number,
): RequestRefusedError | undefined {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return new RequestRefusedError(
      400,
      'encoded_body',
      'a Content-Encoding is not accepted: send the body uncompressed',
    );
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    return new RequestRefusedError(400, 'bad_charset', 'the body must be UTF-8 (charset=utf-8)');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return tooLarge(limit);
  return undefined;
}

/**
 * Reads a request's body into one Buffer, after bodyHeaderProblem. Refuses (rejects with
 * RequestRefusedError) a body over the limit (413), one whose upload stops (aborted, or cut
 * at HTTP_REQUEST_TIMEOUT_MS), and one that finds no room in the shared budget or is given up
 * for a newer one while still arriving slowly (503 with Retry-After). What was read of a
 * refused body is dropped at once.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Buffer> {
  const early = bodyHeaderProblem(req, options.limit);
  if (early) return Promise.reject(early);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (refusal?: RequestRefusedError) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onError);
      hold.release();
      if (refusal) {
        chunks.length = 0;
        reject(refusal);
      } else {
        resolve(Buffer.concat(chunks, received));
      }
    };
    const hold = options.budget.hold(() =>
      finish(
        new RequestRefusedError(
          503,
          'slow_body',
          'the body arrived too slowly while others waited for room; send it again',
          BUSY_RETRY_AFTER_SECONDS,
        ),
      ),
    );
    const busy = () =>
      new RequestRefusedError(
        503,
        'busy',
        'too many request bodies are arriving at once; send it again shortly',
        BUSY_RETRY_AFTER_SECONDS,
      );
    // A declared length is held whole before a byte is read (Node's parser lets no more
    // through), so a body that cannot fit is refused unread; a chunked one is held as it comes.
    const declared =
      req.headers['content-length'] === undefined
        ? undefined
        : Number(req.headers['content-length']);
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.limit) return finish(tooLarge(options.limit));
      if (declared === undefined && !hold.add(chunk.length)) return finish(busy());
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const stopped = () =>
      cutByTimeout(req.socket)
        ? new RequestRefusedError(408, 'timeout', 'the request took too long to arrive')
        : new RequestRefusedError(
            400,
            'aborted',
            'the upload stopped before the body was complete',
          );
    // 'close' before 'end': the client went away, or the server cut the connection.
    const onClose = () => {
      if (!req.complete) finish(stopped());
    };
    const onError = () => finish(stopped());
    if (declared !== undefined && declared > 0 && !hold.add(declared)) return finish(busy());
    // Gone already, before anything listened (its 'close' will not come again).
    if (!req.complete && (req.destroyed || req.socket.destroyed)) return finish(stopped());
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onError);
  });
}

function tooLarge(limit: number): RequestRefusedError {
  return new RequestRefusedError(413, 'too_large', `body over ${limit} bytes`);
}
