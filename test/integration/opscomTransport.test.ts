import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpscomInDoubtError, OpscomUnavailableError } from '../../src/errors';
import { createOpscomClient } from '../../src/opscom/opscomClient';
import { freePort } from '../../tools/devtools/freePort';
import { samplePermit } from '../support/permits';

// The OPSCOM client's transport against real sockets: what each kind of failure means for a
// permit (never sent: safe to retry; sent and no answer: in doubt), and kept-alive connections.
const permit = samplePermit;

async function serve(handler: Parameters<typeof createServer>[1]) {
  const connections = { count: 0 };
  const server: Server = createServer(handler);
  server.on('connection', () => connections.count++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    url,
    connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const client = (baseUrl: URL, timeoutMs = 2000) =>
  createOpscomClient({ baseUrl, apiToken: 'token-1', timeoutMs, graceMs: 0 });

test('OPSCOM not listening: never sent, so retrying is safe', async () => {
  const port = await freePort();
  const call = client(new URL(`http://127.0.0.1:${port}`)).createPermit(permit);
  await expect(call).rejects.toThrow(OpscomUnavailableError);
  await expect(call).rejects.toThrow(/could not be reached \(ECONNREFUSED\)/);
});

test('the connection dropped after the request was read: in doubt', async () => {
  const s = await serve((req) => req.on('data', () => req.socket.destroy()));
  try {
    await expect(client(s.url).createPermit(permit)).rejects.toThrow(OpscomInDoubtError);
  } finally {
    await s.close();
  }
});

test('no answer within the timeout and grace: in doubt, with the limit named', async () => {
  const s = await serve(() => undefined);
  try {
    await expect(client(s.url, 200).createPermit(permit)).rejects.toThrow(
      /did not answer within 200 ms/,
    );
  } finally {
    await s.close();
  }
});

test('calls share kept-alive connections; the token goes in the body only', async () => {
  const bodies: string[] = [];
  const s = await serve((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', reference_id: `OC-${bodies.length}` }));
    });
  });
  try {
    const c = client(s.url);
    for (let i = 0; i < 5; i++) await c.createPermit(permit);
    expect(s.connections.count).toBe(1);
    expect(JSON.parse(bodies[0]!)).toMatchObject({ apiToken: 'token-1', LicencePlate: 'AB1' });
  } finally {
    await s.close();
  }
});
