import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ReceivedSpan } from '../support/otlpReceiver';
import { OPSCOM_TOKEN } from '../support/config';
import { freshDatabase } from '../support/postgres';
import { waitFor } from '../support/serverProcess';
import { WEBHOOK_SECRET } from '../support/stripeFixtures';
import { logLines, useTracedRun } from '../support/tracedRun';

// The built server (dist/) with tracing on, exporting OTLP/HTTP JSON to a receiver in this
// process: the instrumentations patch modules as they load, so it has to be a process of its
// own. `npm test` builds first. What tracing off loads: tracingModules.test.ts.
const root = join(__dirname, '..', '..');
const run = useTracedRun();

const stores: Array<[string, (dir: string) => Promise<Record<string, string>>]> = [
  ['sqlite', (dir) => Promise.resolve({ SQLITE_PATH: join(dir, 'ledger.sqlite') })],
  ['postgres', async () => ({ DATABASE_URL: await freshDatabase(), DATABASE_SSL: 'off' })],
];

const one = (spans: ReceivedSpan[], name: string): ReceivedSpan => {
  const found = spans.filter((s) => s.name === name);
  expect([name, found.length]).toEqual([name, 1]);
  return found[0]!;
};
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId);

describe.each(stores)('tracing on (%s ledger)', (_name, storeEnv) => {
  test('one payment: the webhook trace, the attempt linked to it with OPSCOM and Stripe inside, the trace ids in the log lines, no secret anywhere', async () => {
    const env = run.env(await storeEnv(run.dir));
    const server = await run.start(env);
    const { session, body, signature } = await run.deliver(server.port);
    const job = await run.waitDone(env, session.id);
    // The driver's page and replay, each a trace of its own linked to the job's.
    const page = await fetch(`http://127.0.0.1:${server.port}/permit/${session.id}?lang=fr`);
    expect(page.status).toBe(200);
    const replay = await runReplay(env, session.id);
    expect(replay.code).toBe(0);
    const spans = await waitFor('every span exported', () => {
      const s = run.receiver.spans();
      const names = new Set(s.map((x) => x.name));
      const all = [
        'webhook received',
        'job attempt',
        'stripe paymentIntents.update',
        'driver page',
        'replay session',
      ];
      return all.every((n) => names.has(n)) ? s : undefined;
    });

    // The webhook: the HTTP server span, named after its route, and "webhook received"
    // (producer) inside it; verified and recorded, as events (on PostgreSQL, the ledger's
    // statement as a child).
    const webhook = one(spans, 'webhook received');
    expect(webhook.kind).toBe('producer');
    const serverSpan = spans.find((s) => s.spanId === webhook.parentSpanId)!;
    expect(serverSpan).toMatchObject({
      traceId: webhook.traceId,
      kind: 'server',
      parentSpanId: undefined,
      name: 'POST /webhooks/stripe',
    });
    expect(serverSpan.attributes).toMatchObject({
      'http.route': '/webhooks/stripe',
      'http.response.status_code': 200,
    });
    expect(webhook.events.map((e) => e.name)).toEqual(['signature verified', 'recorded']);
    expect(webhook.attributes).toMatchObject({
      'messaging.system': 'adapter_ledger',
      'messaging.destination.name': 'jobs',
      'messaging.operation.type': 'send',
      'messaging.message.id': expect.stringMatching(/^evt_/) as unknown,
      'stripe.event.type': 'checkout.session.completed',
      'stripe.checkout_session.id': session.id,
      'adapter.intake.outcome': 'recorded',
    });
    if (env['DATABASE_URL']) {
      expect(childrenOf(spans, webhook).map((s) => s.attributes['db.system.name'])).toContain(
        'postgresql',
      );
    }
    // What the ledger stored is that span's context.
    expect(job.traceContext).toBe(`00-${webhook.traceId}-${webhook.spanId}-01`);

    // The attempt: a consumer span in a trace of its own, linked to the webhook's span.
    const attempt = one(spans, 'job attempt');
    expect(attempt.kind).toBe('consumer');
    expect(attempt.parentSpanId).toBeUndefined();
    expect(attempt.traceId).not.toBe(webhook.traceId);
    expect(attempt.links).toEqual([
      expect.objectContaining({ traceId: webhook.traceId, spanId: webhook.spanId }),
    ]);
    expect(attempt.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.message.id': session.id,
    });
    const calls = childrenOf(spans, attempt).map((s) => s.name);
    expect(calls).toEqual(
      expect.arrayContaining([
        'opscom create permit',
        'stripe checkout.sessions.update',
        'stripe paymentIntents.update',
      ]),
    );
    // Each call's HTTP client span, named after its peer, inside it.
    for (const [name, peer, status] of [
      ['opscom create permit', 'opscom', 200],
      ['stripe checkout.sessions.update', 'stripe', 200],
      ['stripe paymentIntents.update', 'stripe', 200],
    ] as const) {
      const client = childrenOf(spans, one(spans, name)).find((s) => s.kind === 'client');
      expect(client).toMatchObject({
        name: `POST ${peer}`,
        attributes: expect.objectContaining({
          'peer.service': peer,
          'http.response.status_code': status,
        }) as unknown,
      });
    }

    // The driver's page and replay: traces of their own, linked to the webhook's span.
    for (const name of ['driver page', 'replay session']) {
      const span = one(spans, name);
      expect(span.traceId).not.toBe(webhook.traceId);
      expect(span.links).toEqual([
        expect.objectContaining({ traceId: webhook.traceId, spanId: webhook.spanId }),
      ]);
    }
    // A query's values are not recorded, only its parameters' names.
    const pageServer = spans.find(
      (s) => s.traceId === one(spans, 'driver page').traceId && s.kind === 'server',
    );
    expect(pageServer?.name).toBe('GET /permit/:sessionId');
    expect(pageServer?.attributes['url.query']).toBe('lang=[redacted]');

    // The log lines of each piece of work carry its trace.
    const lines = logLines(server.output());
    const line = (message: string) => lines.find((x) => x['message'] === message);
    expect(line('webhook recorded')).toMatchObject({
      trace_id: webhook.traceId,
      span_id: webhook.spanId,
    });
    for (const message of ['permit pushed to OPSCOM', 'job done']) {
      expect(line(message)).toMatchObject({ trace_id: attempt.traceId });
    }
    expect(line('adapter listening')).toMatchObject({ tracing: 'on' });

    // No secret, body, signature or plate in any attribute, event, link or status.
    const everything = JSON.stringify(spans);
    expect(everything).toContain(session.id); // the search below does find what is there
    const forbidden = [
      env['STRIPE_SECRET_KEY']!,
      WEBHOOK_SECRET,
      OPSCOM_TOKEN,
      signature,
      signature.split('v1=')[1]!.slice(0, 16),
      body.slice(0, 40),
      'TRACE42',
      'apiToken',
      'LicencePlate',
    ];
    const password = /:\/\/[^:/@]+:([^@]+)@/.exec(env['DATABASE_URL'] ?? '')?.[1];
    if (password) forbidden.push(password);
    for (const secret of forbidden)
      expect([secret, everything.includes(secret)]).toEqual([secret, false]);
    const headerAttributes = spans.flatMap((s) =>
      Object.keys(s.attributes).filter((k) => /header|cookie|authorization|body/i.test(k)),
    );
    expect(headerAttributes).toEqual([]);
  });
});

/** `npm run replay -- --session <id>` as operators run it (scripts/replay.js over dist/). */
function runReplay(env: Record<string, string>, sessionId: string) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, 'scripts', 'replay.js'), '--session', sessionId],
      {
        env: { PATH: process.env['PATH'] ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}
