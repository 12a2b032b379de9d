import {
  createServer,
  STATUS_CODES,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { HttpLimits } from '../config';
import type { RefusalReason } from '../errors';

/**
 * How often Node looks for requests past their timeouts. Its default (30 s) would let a
 * stalled upload live up to 30 s past HTTP_REQUEST_TIMEOUT_MS; a scan of the open connections
 * each second costs next to nothing.
 */
const TIMEOUT_CHECK_MS = 1000;

const timedOut = new WeakSet<Socket>();

/** Whether the server cut this connection because its request took too long to arrive. */
export function cutByTimeout(socket: Socket): boolean {
  return timedOut.has(socket);
}

/**
 * A Node HTTP server for `listener` that keeps `limits`:
 * - headers must arrive within headersTimeoutMs, the whole request within requestTimeoutMs
 *   (408, connection closed); an idle keep-alive connection is kept keepAliveTimeoutMs;
 * - at most maxConnections are open: one more closes the oldest connection that is idle (no
 *   request in progress: a keep-alive one, or one that has not sent its headers yet), so
 *   connections held open by a stranger cannot keep Stripe's out; only when every connection
 *   is busy is the new one closed instead;
 * - a malformed request, or one that timed out before its headers were complete, is answered
 *   as Node would (400, 408, 431) and reported to `refused`; one that timed out while its body
 *   was being read is reported by the reader (http/readBody.ts), not twice.
 */
export function createHttpServer(
  listener: RequestListener,
  limits: HttpLimits,
  refused: (reason: RefusalReason) => void,
): { server: Server; connections: () => number } {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    },
    listener,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;

  // Open connections, oldest first; those with a request in progress are busy.
  const open = new Set<Socket>();
  const busy = new WeakMap<Socket, ServerResponse>();
  server.on('request', (req, res: ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, res);
    res.once('close', () => {
      if (busy.get(socket) === res) busy.delete(socket);
    });
  });
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    if (open.size <= limits.maxConnections) return;
    let shed = socket;
    for (const candidate of open) {
      if (candidate !== socket && !busy.has(candidate)) {
        shed = candidate;
        break;
      }
    }
    open.delete(shed);
    shed.destroy();
    refused('shed');
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // The client went away: nothing to answer, nothing refused.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason]: [number, RefusalReason] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'timeout']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'headers_too_large']
          : [400, 'bad_request'];
    if (reason === 'timeout') timedOut.add(socket);
    const res = busy.get(socket);
    if (!res) refused(reason);
    // As Node itself would: answer unless a response has started on this connection.
    if (!res?.headersSent) {
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  });
  return { server, connections: () => open.size };
}
