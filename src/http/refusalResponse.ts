import type { Request, Response } from 'express';
import type { RequestRefusedError } from '../errors';

/**
 * Answers a refused request: its status and reason (JSON, or text for a person), `Retry-After`
 * on a 503. A request whose body was not read to its end is answered `Connection: close`,
 * so the rest of that body is never read. Nothing is written once the connection is gone
 * (the server cut it at its timeout and answered 408 itself).
 */
export function answerRefusal(
  req: Request,
  res: Response,
  err: RequestRefusedError,
  as: 'json' | 'text' = 'json',
): void {
  if (res.headersSent || req.socket.destroyed) return;
  if (err.retryAfterSeconds !== undefined) res.set('Retry-After', String(err.retryAfterSeconds));
  if (!req.complete) {
    // The rest of the body is not read: close once the answer is out, rather than read on.
    res.set('Connection', 'close');
    req.socket.pause();
    res.once('finish', () => req.socket.destroy());
  }
  res.status(err.status);
  if (as === 'json') res.json({ error: err.message });
  else res.type('text/plain').send(`${err.message}\n`);
}
