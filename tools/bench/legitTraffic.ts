import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { sampleEvent, sampleSession } from '../demo/sampleSession';
import type { StripeSimulator } from '../simulators/stripeSimulator';
import { BENCH_SECRET } from './ingest';

const signer = new Stripe('sk_test_bench').webhooks;

export interface Answer {
  status: number | 'error';
  headers: Record<string, string | string[] | undefined>;
}

/** One request on a connection of its own (as Stripe delivers), its status and headers. */
export function send(
  port: number,
  options: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        agent: false,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.once('error', () => resolve({ status: 'error', headers: {} }));
      },
    );
    req.setTimeout(30_000, () => req.destroy());
    req.once('error', () => resolve({ status: 'error', headers: {} }));
    req.end(options.body);
  });
}

export interface Payment {
  sessionId: string;
  plate: string;
  /** From the first send to Stripe's getting a 2xx, retries included (ms). */
  ackMs: number | undefined;
  retries: number;
}

/**
 * Signed paid sessions at `perSecond` for `seconds`, each a new payment added to the Stripe
 * simulator first. Like Stripe, a delivery that is not answered 2xx is sent again, after its
 * Retry-After or a second (Stripe waits longer: here the figures stay within the row).
 */
export async function sendPayments(options: {
  port: number;
  stripe: StripeSimulator;
  perSecond: number;
  seconds: number;
  tag: string;
}): Promise<Payment[]> {
  const payments: Payment[] = [];
  const pending: Array<Promise<void>> = [];
  const count = Math.round(options.perSecond * options.seconds);
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / options.perSecond;
    await sleep(Math.max(0, due - Date.now()));
    const plate = `${options.tag}${i}`.toUpperCase().slice(0, 10);
    const session = sampleSession({ plate, duration: '60' });
    options.stripe.addSession(session);
    const payment: Payment = { sessionId: session.id, plate, ackMs: undefined, retries: 0 };
    payments.push(payment);
    pending.push(deliver(options.port, payment, JSON.stringify(sampleEvent(session))));
  }
  await Promise.all(pending);
  return payments;
}

async function deliver(port: number, payment: Payment, body: string): Promise<void> {
  const first = Date.now();
  for (let attempt = 0; attempt < 60; attempt++) {
    const answer = await send(port, {
      method: 'POST',
      path: '/webhooks/stripe',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': signer.generateTestHeaderString({
          payload: body,
          secret: BENCH_SECRET,
        }),
      },
      body,
    });
    if (typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300) {
      payment.ackMs = Date.now() - first;
      return;
    }
    payment.retries++;
    const after = Number(answer.headers['retry-after']);
    await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 5) * 1000 : 1000);
  }
}
