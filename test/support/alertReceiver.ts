import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AlertReceiver {
  /** The webhook's URL; its path stands for Slack's secret part. */
  url: string;
  /** The text of each message taken, in order. */
  messages: string[];
  close(): Promise<void>;
}

/** A Slack-compatible incoming webhook on a port of its own: keeps each message's text. */
export async function startAlertReceiver(secretPart = 'secretpart'): Promise<AlertReceiver> {
  const messages: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      messages.push((JSON.parse(body) as { text: string }).text);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/services/T0/B0/${secretPart}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
