import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawConnection {
  socket: Socket;
  /** Writes more of the request (a body's next bytes). */
  send(data: string | Buffer): void;
  /** The first answer on the connection, once the server has sent it and closed or paused. */
  answer: Promise<RawAnswer | undefined>;
  /** Resolves when the server (or anyone) closed the connection. */
  closed: Promise<void>;
}

/**
 * A request written byte by byte on a plain TCP connection, as an attacker would: headers, then
 * as much of a body as the test likes, then nothing. The answer is what the server wrote
 * before closing (undefined if it closed without a word).
 */
export function rawConnection(port: number, head?: string): RawConnection {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  if (head !== undefined) socket.write(head);
  return {
    socket,
    send: (data) => {
      if (!socket.destroyed) socket.write(data);
    },
    answer: closed.then(() => parseAnswer(received)),
    closed,
  };
}

/** The head of a POST: a request line and headers, then the blank line. */
export function requestHead(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

function parseAnswer(text: string): RawAnswer | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** One sample of a /metrics scrape, e.g. `opscom_adapter_webhooks_refused_total{reason="stale"}`. */
export async function metricValue(baseUrl: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Polls until `probe` gives a value (no timing is asserted: jest's timeout is the limit). */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
