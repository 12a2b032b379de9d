import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { sampleEvent, sampleSession } from '../demo/sampleSession';
import { UsageError } from '../devtools/cliArgs';

/** The attacks of `npm run bench:abuse`, each run in a process of its own (abuse-attack.js). */
export const ATTACKS = ['forged', 'stalled', 'idle', 'encoding', 'login'] as const;
export type Attack = (typeof ATTACKS)[number];

/** What an attack did, printed as one JSON line for the bench to read. */
export interface AttackReport {
  /** Requests (or connections) sent a second. */
  perSecond: number;
  /** Answers by status ("408": 12, …), and connections the server closed without one. */
  statuses: Record<string, number>;
}

/** A header that passes the cheap checks (present, well-formed, recent) and signs nothing. */
const plausibleHeader = () => `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
const eventBody = () =>
  JSON.stringify(sampleEvent(sampleSession({ plate: 'FORGED1', duration: '60' })));

/** `node tools/bin/abuse-attack.js <attack> <port> <seconds>`: runs one attack, prints its report. */
export async function runAbuseAttack(argv: readonly string[]): Promise<number> {
  const [attack, portText, secondsText] = argv;
  if (!ATTACKS.includes(attack as Attack))
    throw new UsageError(`attack: one of ${ATTACKS.join(', ')}`);
  const port = Number(portText);
  const seconds = Number(secondsText);
  const report = await ATTACK_RUNS[attack as Attack](port, seconds);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}

const ATTACK_RUNS: Record<Attack, (port: number, seconds: number) => Promise<AttackReport>> = {
  // Forged signatures as fast as 64 connections go: each body read and its HMAC checked.
  forged: (port, seconds) =>
    cannon(port, seconds, [
      {
        method: 'POST',
        path: '/webhooks/stripe',
        headers: { 'content-type': 'application/json', 'stripe-signature': plausibleHeader() },
        body: eventBody(),
      },
    ]),
  // Bodies no client of the service sends: a corrupt gzip body, and `compress`.
  encoding: (port, seconds) =>
    cannon(port, seconds, [
      {
        method: 'POST',
        path: '/webhooks/stripe',
        headers: { 'content-encoding': 'gzip', 'stripe-signature': plausibleHeader() },
        body: 'this is not gzip at all',
      },
      {
        method: 'POST',
        path: '/webhooks/stripe',
        headers: { 'content-encoding': 'compress', 'stripe-signature': plausibleHeader() },
        body: eventBody(),
      },
    ]),
  // Guesses at the console's password from one address.
  login: (port, seconds) =>
    cannon(port, seconds, [
      {
        method: 'GET',
        path: '/console',
        headers: {
          authorization: `Basic ${Buffer.from('operator:a-guess-0000').toString('base64')}`,
        },
      },
    ]),
  stalled: (port, seconds) => keepOpen(port, seconds, 500, stalledUpload),
  idle: (port, seconds) => keepOpen(port, seconds, 10_000, (socket) => socket),
};

async function cannon(
  port: number,
  seconds: number,
  requests: autocannon.Request[],
): Promise<AttackReport> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 64,
    duration: seconds,
    requests,
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[code] = stat.count ?? 0;
  }
  if (result.errors > 0) statuses['closed'] = result.errors;
  return { perSecond: result.requests.average, statuses };
}

const LIMIT = 1024 * 1024; // the webhook's body limit: a larger declared length is refused unread
const UPLOAD = 1_048_000; // sent of it before stalling
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** A webhook upload with a plausible header that sends ~1 MB of its body, then stalls. */
function stalledUpload(socket: Socket): Socket {
  socket.write(
    `POST /webhooks/stripe HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nStripe-Signature: ${plausibleHeader()}\r\nContent-Length: ${LIMIT}\r\n\r\n`,
  );
  let sent = 0;
  const more = () => {
    while (sent < UPLOAD && !socket.destroyed) {
      const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, UPLOAD - sent));
      sent += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', more);
        return;
      }
    }
  };
  more();
  return socket;
}

/**
 * Keeps `count` connections open for `seconds`, each started by `start`; one the server closes
 * is opened again a second later (an attacker who comes back). Counts the answers the server
 * wrote before closing, by status.
 */
async function keepOpen(
  port: number,
  seconds: number,
  count: number,
  start: (socket: Socket) => Socket,
): Promise<AttackReport> {
  const until = Date.now() + seconds * 1000;
  const statuses: Record<string, number> = {};
  const open = new Set<Socket>();
  let opened = 0;
  const one = () => {
    if (Date.now() >= until) return;
    opened++;
    const socket = connect(port, '127.0.0.1');
    open.add(socket);
    let head = '';
    socket.on('data', (c: Buffer) => {
      if (head.length < 64) head += c.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      open.delete(socket);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 'closed';
      statuses[status] = (statuses[status] ?? 0) + 1;
      setTimeout(one, 1000).unref();
    });
    socket.once('connect', () => start(socket));
  };
  for (let i = 0; i < count; i++) {
    one();
    // Opened in batches, so that the attacker's own connects do not starve its event loop.
    if (i % 500 === 499) await sleep(10);
  }
  await sleep(Math.max(0, until - Date.now()));
  for (const socket of open) socket.destroy();
  return { perSecond: opened / seconds, statuses };
}
