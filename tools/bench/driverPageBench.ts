import { setTimeout as sleep } from 'node:timers/promises';
import { toolArgs } from '../devtools/cliArgs';
import type { StripeSimulator } from '../simulators/stripeSimulator';
import { measureBurst, type Alongside, type BurstResult } from './burst';
import { freshStores } from './freshStores';
import { percentile } from './stats';

/**
 * `npm run bench:driver-page [-- --store sqlite|postgres --count 4000 --drivers 200 --runs 1
 * --drivers-from burst|own]`: the burst of bench:burst drained twice by the service, alone and
 * with `drivers` drivers loading their permit page once a second meanwhile. `burst` (the
 * default): the drivers are among the burst's payers, spread through it, each landing on the
 * page up to a second after its webhook is sent (as Checkout redirects while Stripe delivers),
 * so page and webhook race. `own`: the worst case, drivers whose webhook never comes (each
 * first load reads Stripe and fulfils from the page: 200 permits more than the burst alone).
 * Prints the burst's permits/s both ways and the pages' answer times.
 */
export async function runDriverPageBench(argv: readonly string[]): Promise<void> {
  const args = toolArgs(argv, {
    store: { kind: 'choice', default: 'sqlite', choices: ['sqlite', 'postgres'] },
    count: { kind: 'number', default: 4000, min: 1 },
    drivers: { kind: 'number', default: 200, min: 1 },
    connections: { kind: 'number', default: 32, min: 1 },
    runs: { kind: 'number', default: 1, min: 1 },
    'drivers-from': { kind: 'choice', default: 'burst', choices: ['burst', 'own'] },
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const stores = freshStores(args.store === 'postgres' ? 'postgres' : 'sqlite', 'driver');
  const fresh = () => stores.fresh();
  // All drivers come from this machine's address: the per-address limit is not measured here.
  const env = { DRIVER_PAGE_LOOKUPS_PER_MINUTE: '10000' };
  const show = (r: BurstResult, label: string) =>
    say(
      `  ${label.padEnd(28)} ${r.permitsPerSecond.toFixed(0).padStart(9)} ${r.seconds.toFixed(1).padStart(9)} ${r.cpuMsPerPermit.toFixed(2).padStart(15)}`,
    );
  try {
    const who =
      args['drivers-from'] === 'burst'
        ? "among the burst's payers"
        : 'whose webhook never comes, fulfilled from the page';
    say(
      `burst of ${args.count} paid sessions on ${args.store}; ${args.drivers} drivers (${who}) loading their page once a second beside it`,
    );
    say('                                permits/s   seconds   CPU ms/permit');
    for (let run = 0; run < args.runs; run++) {
      const alone = await measureBurst({ ...args, store: await fresh(), env });
      show(alone, 'burst alone');
      const pages: Answers = { first: [], later: [], statuses: {} };
      const withPages = await measureBurst({
        ...args,
        store: await fresh(),
        env,
        alongside: (port, stripe) =>
          args['drivers-from'] === 'burst'
            ? payingDrivers(port, stripe, args.drivers, args.count, pages)
            : webhooklessDrivers(port, stripe, args.drivers, pages),
      });
      show(withPages, `burst + ${args.drivers} drivers' pages`);
      const figures = (ms: number[]) =>
        `${ms.length} answers, p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`;
      const first =
        args['drivers-from'] === 'burst'
          ? 'first loads (the long poll while the permit is made)'
          : 'first loads (read from Stripe, then the long poll)';
      say(`  ${first}: ${figures(pages.first)}`);
      say(`  later loads (from the ledger): ${figures(pages.later)}`);
      say(`  states shown: ${JSON.stringify(pages.statuses)}`);
      say(
        `  with pages ÷ alone: ${(withPages.permitsPerSecond / alone.permitsPerSecond).toFixed(2)}`,
      );
    }
  } finally {
    stores.close();
  }
}

/** Answer times (ms) of the drivers' first loads and of the later ones, and what they showed. */
interface Answers {
  first: number[];
  later: number[];
  statuses: Record<string, number>;
}

/** One driver: loads its page, then again a second after each answer, until stopped. */
async function driver(port: number, id: string, answers: Answers, running: () => boolean) {
  for (let load = 0; running(); load++) {
    const sent = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/permit/${id}`, {
      headers: { Accept: 'application/json' },
    }).catch(() => undefined);
    const state = res
      ? (((await res.json()) as { state?: string }).state ?? String(res.status))
      : 'error';
    (load === 0 ? answers.first : answers.later).push(performance.now() - sent);
    answers.statuses[state] = (answers.statuses[state] ?? 0) + 1;
    await sleep(1000);
  }
}

/**
 * `count` of the burst's payers, one every `total / count` sessions: each session is put in
 * the Stripe simulator (so a page that beats its webhook can read it, as from Stripe), and its
 * driver lands on the page 0–1 s after the webhook is sent.
 */
function payingDrivers(
  port: number,
  stripe: StripeSimulator,
  count: number,
  total: number,
  answers: Answers,
): Alongside {
  let running = true;
  const every = Math.max(1, Math.floor(total / count));
  let seen = 0;
  const all: Promise<void>[] = [];
  return {
    onSession(session) {
      if (seen++ % every !== 0 || all.length >= count) return;
      stripe.addSession(session);
      all.push(
        sleep(Math.random() * 1000).then(() => driver(port, session.id, answers, () => running)),
      );
    },
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}

/** `count` drivers whose webhook never comes: each first load fulfils from the page. */
function webhooklessDrivers(
  port: number,
  stripe: StripeSimulator,
  count: number,
  answers: Answers,
): Alongside {
  let running = true;
  const now = Math.floor(Date.now() / 1000);
  const one = async (i: number) => {
    const id = `cs_test_driverbench${String(i).padStart(6, '0')}${now.toString(36)}`;
    stripe.addSession({
      id,
      object: 'checkout.session',
      status: 'complete',
      payment_status: 'paid',
      amount_total: 500,
      currency: 'cad',
      livemode: false,
      created: now,
      metadata: { plate: `DRV${i}`, duration: '60', zone: 'BENCH' },
      payment_intent: `pi_test_driverbench${i}${now.toString(36)}`,
    });
    await driver(port, id, answers, () => running);
  };
  const all = Array.from({ length: count }, (_, i) => one(i));
  return {
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}
