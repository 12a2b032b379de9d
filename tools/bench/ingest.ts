import autocannon from 'autocannon';
import Stripe from 'stripe';
import { sampleEvent, sampleSession } from '../demo/sampleSession';

export const BENCH_SECRET = 'whsec_bench_secret';
const signer = new Stripe('sk_test_bench').webhooks;

export interface IngestResult {
  perSecond: number;
  acked: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** When the last response arrived (ms since the epoch): autocannon ends only at its next
   * one-second tick, so a run of `amount` requests is timed from here, not from its end. */
  lastResponseAt: number;
}

/**
 * autocannon against POST /webhooks/stripe, each request a new paid session signed afresh
 * (so each is a new event and a new job, never a duplicate). `rate`: requests per second in
 * all (a fixed offered load); without it, as fast as `connections` allow (saturation).
 */
export async function runIngest(options: {
  port: number;
  seconds: number;
  connections: number;
  rate?: number;
  /** Stop after this many requests instead of after `seconds`. */
  amount?: number;
  /** Told each session as its webhook is about to be sent (the driver's page bench). */
  onSession?: (session: Record<string, unknown> & { id: string }) => void;
}): Promise<IngestResult> {
  const cannon: autocannon.Options = {
    url: `http://127.0.0.1:${options.port}/webhooks/stripe`,
    connections: options.connections,
    duration: options.seconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    ...(options.amount ? { amount: options.amount } : {}),
    method: 'POST',
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const session = sampleSession({ plate: 'BENCH1', duration: '60' });
          options.onSession?.(session);
          const body = JSON.stringify(sampleEvent(session));
          return {
            ...request,
            body,
            headers: {
              'content-type': 'application/json',
              'stripe-signature': signer.generateTestHeaderString({
                payload: body,
                secret: BENCH_SECRET,
              }),
            },
          };
        },
      },
    ],
  };
  let lastResponseAt = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(cannon, (err: unknown, done: autocannon.Result) =>
      err ? reject(err instanceof Error ? err : new Error('autocannon failed')) : resolve(done),
    );
    instance.on('response', () => (lastResponseAt = Date.now()));
  });
  return {
    perSecond: result['2xx'] / result.duration,
    acked: result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    lastResponseAt,
  };
}
