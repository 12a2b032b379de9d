import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreConfig } from '../../src/config';
import { migrateLedger } from '../../src/store/openLedger';
import { sampleEvent, sampleSession } from '../demo/sampleSession';
import { freePort } from '../devtools/freePort';
import { startOpscomSimulator, type OpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../simulators/stripeSimulator';
import { startBenchServer } from './benchServer';
import { paidWebhooks, receiptToOpscom } from './paidWebhooks';
import { median, percentile } from './stats';
import { benchAdapterEnv } from './timeToPermit';

/** How site 1's OPSCOM is down in run B: answering 500 to every call, or not listening. */
export type DownMode = '500' | 'closed';

export interface IsolationOptions {
  payments: number;
  rate: number;
  concurrency: number;
  down: DownMode;
}

/** One site's receipt → OPSCOM in one run. */
export interface SiteFigures {
  site: string;
  permits: number;
  p50: number;
  p99: number;
  /** Both ends are whole milliseconds: at ~5 ms a p50 moves in 20 % steps, the mean less so. */
  mean: number;
  /** Calls its OPSCOM received (site 1 in B: how few the gate let through). */
  calls: number;
}

const SITES = [
  { id: 'site-1', client: 'OC-S1', timezone: 'America/Toronto' },
  { id: 'site-2', client: 'OC-S2', timezone: 'America/Halifax' },
  { id: 'site-3', client: 'OC-S3', timezone: 'America/Vancouver' },
] as const;
const tokenOf = (i: number): string => `bench-site-${i + 1}-token`;
const WARMUP = 30;

interface SiteSim {
  sim: OpscomSimulator | undefined;
  url: string;
}

/** Each site's OPSCOM for one run: site 1's never listening in B with `closed`. */
async function startSiteSims(down: DownMode | undefined): Promise<SiteSim[]> {
  return Promise.all(
    SITES.map(async (site, i) => {
      if (i === 0 && down === 'closed') {
        // A port nothing listens on: every call is refused at once, as a host that is down.
        return { sim: undefined, url: `http://127.0.0.1:${await freePort()}` };
      }
      const sim = await startOpscomSimulator({
        apiToken: tokenOf(i),
        client: site.client,
        timezone: site.timezone,
      });
      // Down for the whole window, answering 500 to every call (each one a site failure).
      if (i === 0 && down === '500') sim.faults.setRate(1, ['500']);
      return { sim, url: sim.url };
    }),
  );
}

/** The sites file naming each site's simulator, and the tokens' variables. */
function writeSitesFile(dir: string, sims: readonly SiteSim[]): Record<string, string> {
  const env: Record<string, string> = {};
  const sites = SITES.map((site, i) => {
    env[`BENCH_SITE_${i + 1}_TOKEN`] = tokenOf(i);
    return {
      id: site.id,
      name: `Bench ${site.id}`,
      opscom: {
        baseUrl: sims[i]!.url,
        client: site.client,
        tokenEnv: `BENCH_SITE_${i + 1}_TOKEN`,
        timezone: site.timezone,
        zone: `Lot ${i + 1}`,
      },
    };
  });
  const file = join(dir, 'sites.json');
  writeFileSync(file, JSON.stringify({ sites }));
  return { ...env, SITES_FILE: file };
}

interface Payment {
  sessionId: string;
  plate: string;
  site: number;
  body: string;
}

/** `count` paid sessions, round-robin over the sites by metadata.site. */
function makePayments(stripeSim: StripeSimulator, count: number, tag: string): Payment[] {
  return Array.from({ length: count }, (_, n) => {
    const site = n % SITES.length;
    const plate = `${tag}${n}`;
    const session = sampleSession({ plate, duration: '60', site: SITES[site]!.id });
    stripeSim.addSession(session);
    return { sessionId: session.id, plate, site, body: JSON.stringify(sampleEvent(session)) };
  });
}

/** Sends `payments` at `rate`/s from now, each when its turn comes (a fixed offered load). */
async function sendAtRate(
  send: (body: string) => Promise<void>,
  payments: readonly Payment[],
  rate: number,
): Promise<void> {
  const t0 = performance.now();
  await Promise.all(
    payments.map(async ({ body }, i) => {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      await send(body);
    }),
  );
}

/** Waits until each healthy site's simulator has a permit for each of its payments (2 min at most). */
async function waitForHealthy(
  sims: readonly SiteSim[],
  payments: readonly Payment[],
  skip: number,
) {
  const deadline = Date.now() + 120_000;
  const wanted = SITES.map((_, i) => payments.filter((p) => p.site === i).length);
  const done = () => sims.every((s, i) => i === skip || (s.sim?.permits.size ?? 0) >= wanted[i]!);
  while (!done() && Date.now() < deadline) await sleep(50);
}

/** One run on a fresh ledger: A (`down` undefined) or B (site 1's OPSCOM down throughout). */
export async function isolationRun(
  options: IsolationOptions,
  down: DownMode | undefined,
  tag: string,
): Promise<SiteFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'adapter-sites-isolation-'));
  const sims = await startSiteSims(down);
  const stripeSim = await startStripeSimulator();
  try {
    const store: StoreConfig = { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
    await migrateLedger(store);
    const server = await startBenchServer({
      ...benchAdapterEnv(store, { stripeUrl: stripeSim.url }),
      ...writeSitesFile(dir, sims),
      WORKER_CONCURRENCY: String(options.concurrency),
    });
    const webhooks = paidWebhooks(stripeSim, `http://127.0.0.1:${server.port}/webhooks/stripe`);
    const send = (body: string) => webhooks.send(body);
    const payments = makePayments(stripeSim, WARMUP + options.payments, tag);
    for (const { body } of payments.slice(0, WARMUP)) await send(body);
    const measured = payments.slice(WARMUP);
    await sendAtRate(send, measured, options.rate);
    await waitForHealthy(sims, payments, down === undefined ? -1 : 0);
    await server.stop();
    return await figuresOf(store, sims, measured);
  } finally {
    for (const { sim } of sims) await sim?.close();
    await stripeSim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function figuresOf(
  store: StoreConfig,
  sims: readonly SiteSim[],
  measured: readonly Payment[],
): Promise<SiteFigures[]> {
  return Promise.all(
    SITES.map(async (site, i) => {
      const received = sims[i]!.sim?.received ?? [];
      // The first successful create of each plate: when OPSCOM had the permit.
      const at = new Map<unknown, number>();
      for (const r of received) {
        const plate = r.body['LicencePlate'];
        if (r.answered === 'success' && !at.has(plate)) at.set(plate, r.at);
      }
      const ms = await receiptToOpscom(
        store,
        measured.filter((p) => p.site === i),
        at,
      );
      return {
        site: site.id,
        permits: ms.length,
        p50: percentile(ms, 50),
        p99: percentile(ms, 99),
        mean: ms.reduce((a, b) => a + b, 0) / ms.length,
        calls: received.length,
      };
    }),
  );
}

const fmt = (ms: number): string => (Number.isNaN(ms) ? '—' : ms.toFixed(1));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/**
 * `npm run bench:sites -- --part isolation [--runs 3 --payments 600 --rate 20 --down 500]`:
 * three sites, each its own OPSCOM simulator, payments spread evenly over them at a fixed
 * rate; run A all up, run B site 1's OPSCOM down for the whole window; for the two others,
 * receipt (the ledger's time) → their OPSCOM's receipt, A and B alternating. Target: B's
 * within 20 % of A's, as one site's outage must not slow the others.
 */
export async function runIsolationBench(
  options: IsolationOptions & { runs: number },
): Promise<void> {
  const rows: Row[] = [];
  console.log(
    `isolation: 3 sites, ${options.payments} payments a run at ${options.rate}/s, ` +
      `WORKER_CONCURRENCY=${options.concurrency}, B: site-1 down (${options.down})`,
  );
  console.log(
    'run  variant  site     permits   p50 ms   p99 ms  mean ms   OPSCOM calls   load 1/5/15',
  );
  for (let run = 1; run <= options.runs; run++) {
    for (const variant of ['A', 'B'] as const) {
      const tag = `I${run}${variant}${Date.now().toString(36).slice(-3).toUpperCase()}`;
      const figures = await isolationRun(options, variant === 'B' ? options.down : undefined, tag);
      rows.push({ variant, figures });
      for (const f of figures) {
        console.log(
          `${String(run).padStart(3)}  ${variant.padEnd(7)}  ${f.site.padEnd(7)} ` +
            `${String(f.permits).padStart(8)} ${fmt(f.p50).padStart(8)} ${fmt(f.p99).padStart(8)} ` +
            `${fmt(f.mean).padStart(8)} ${String(f.calls).padStart(14)}   ${load()}`,
        );
      }
    }
  }
  printSummary(rows);
}

type Row = { variant: 'A' | 'B'; figures: SiteFigures[] };
type Key = 'p50' | 'p99' | 'mean';

/** Medians over the runs of each variant, for the two sites that stay up, B against A. */
function printSummary(rows: readonly Row[]): void {
  console.log('medians over runs, ms: A, B and B/A for each of p50, p99, mean');
  for (const site of SITES.slice(1).map((s) => s.id)) {
    const of = (variant: 'A' | 'B', key: Key) =>
      median(
        rows
          .filter((r) => r.variant === variant)
          .map((r) => r.figures.find((f) => f.site === site)![key]),
      );
    const cells = (['p50', 'p99', 'mean'] as const).map((key) => {
      const [a, b] = [of('A', key), of('B', key)];
      return `${key} ${fmt(a)} → ${fmt(b)} (${(b / a).toFixed(2)})`;
    });
    console.log(`${site.padEnd(7)} ${cells.join('   ')}`);
  }
}
