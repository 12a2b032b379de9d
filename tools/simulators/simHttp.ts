import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Faults both simulators can inject, one request at a time. */
export type Fault = '500' | 'hang' | 'reset' | 'error200' | '429';

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * A fault plan: a queue of faults for the next requests (deterministic, for tests) and an
 * optional random rate (for chaos runs).
 */
export class FaultPlan {
  private queue: Array<{ fault: Fault; pathIncludes: string | undefined }> = [];
  private rate = 0;
  private kinds: Fault[] = [];
  injected = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** The next `count` requests (to a path containing `pathIncludes`, if given) fail with `fault`. */
  next(fault: Fault, count = 1, pathIncludes?: string): void {
    for (let i = 0; i < count; i++) this.queue.push({ fault, pathIncludes });
  }

  /** From now on, each request fails with probability `rate`, with one of `kinds`. */
  setRate(rate: number, kinds: Fault[]): void {
    this.rate = rate;
    this.kinds = kinds;
  }

  clear(): void {
    this.queue = [];
    this.rate = 0;
  }

  take(path: string): Fault | undefined {
    const index = this.queue.findIndex(
      (q) => q.pathIncludes === undefined || path.includes(q.pathIncludes),
    );
    const queued = index >= 0 ? this.queue.splice(index, 1)[0]?.fault : undefined;
    const fault =
      queued ??
      (this.rate > 0 && this.kinds.length > 0 && this.random() < this.rate
        ? this.kinds[Math.floor(this.random() * this.kinds.length)]
        : undefined);
    if (fault) this.injected++;
    return fault;
  }
}

export interface SimServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free port) and can be closed even with hanging requests open. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
): Promise<SimServer> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
