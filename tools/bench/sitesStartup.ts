import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { migrateLedger } from '../../src/store/openLedger';
import { toolArgs } from '../devtools/cliArgs';
import { startBenchServer } from './benchServer';
import { rssMb } from './processStats';
import { median } from './stats';
import { runIsolationBench } from './sitesIsolation';
import { benchAdapterEnv } from './timeToPermit';

const TIMEZONES = ['America/Toronto', 'America/Halifax', 'America/Vancouver', 'Europe/Paris'];

/** A sites file of `count` sites (a third Connect accounts) and the variables it names. */
function sitesFor(count: number): { file: object; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const sites = Array.from({ length: count }, (_, i) => {
    env[`OPSCOM_TOKEN_S${i}`] = `token-site-${i}`;
    return {
      id: `site-${i}`,
      name: `Parking ${i}`,
      ...(i % 3 === 0 ? { stripeAccount: `acct_${String(i).padStart(6, '0')}Bench` } : {}),
      opscom: {
        baseUrl: `https://site-${i}.opscom.invalid`,
        client: `OC-${i}`,
        tokenEnv: `OPSCOM_TOKEN_S${i}`,
        timezone: TIMEZONES[i % TIMEZONES.length],
        zone: `Lot ${i}`,
      },
    };
  });
  return { file: { sites }, env };
}

/**
 * `npm run bench:sites [-- --part all|startup|isolation --runs 3]`: the start-up part (below,
 * `--sites`) and the isolation part (tools/bench/sitesIsolation.ts: `--payments`, `--rate`,
 * `--concurrency`, `--down`), each alternating its variants `--runs` times; `all` runs both.
 */
export async function runSitesStartupBench(argv: readonly string[]): Promise<void> {
  const args = toolArgs(argv, {
    part: { kind: 'choice', default: 'all', choices: ['all', 'startup', 'isolation'] },
    sites: { kind: 'number', default: 1000, min: 1 },
    runs: { kind: 'number', default: 3, min: 1 },
    payments: { kind: 'number', default: 600, min: 3 },
    rate: { kind: 'number', default: 20, min: 1 },
    concurrency: { kind: 'number', default: 8, min: 1 },
    down: { kind: 'choice', default: '500', choices: ['500', 'closed'] },
  });
  if (args.part !== 'isolation') await startupPart(args.sites, args.runs);
  if (args.part !== 'startup') {
    await runIsolationBench({ ...args, down: args.down === 'closed' ? 'closed' : '500' });
  }
}

/**
 * The built server's start-up (spawn to its first /healthz answer) and its resident memory at
 * rest, with one site (the OPSCOM_* variables) and with `count` sites in SITES_FILE,
 * alternating, on a migrated SQLite ledger.
 */
async function startupPart(count: number, runs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'adapter-sites-bench-'));
  try {
    const store: StoreConfig = { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
    await migrateLedger(store);
    const { file, env } = sitesFor(count);
    const sitesFile = join(dir, 'sites.json');
    writeFileSync(sitesFile, JSON.stringify(file));
    const variants: Array<[string, Record<string, string>]> = [
      ['1 site (env)', {}],
      [`${count} sites`, { ...env, SITES_FILE: sitesFile, DEFAULT_SITE: 'site-1' }],
    ];
    const results = new Map<string, { ms: number[]; rss: number[] }>();
    console.log(`run  configuration     start-up ms   RSS MB at rest`);
    for (let run = 1; run <= runs; run++) {
      for (const [label, extra] of variants) {
        const started = performance.now();
        const server = await startBenchServer({ ...benchAdapterEnv(store), ...extra });
        const ms = performance.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const rss = rssMb(server.child.pid);
        await server.stop();
        const r = results.get(label) ?? { ms: [], rss: [] };
        r.ms.push(ms);
        r.rss.push(rss);
        results.set(label, r);
        console.log(
          `${String(run).padStart(3)}  ${label.padEnd(16)} ${ms.toFixed(0).padStart(11)}   ${rss.toFixed(0).padStart(14)}`,
        );
      }
    }
    for (const [label, r] of results) {
      console.log(
        `median ${label}: start-up ${median(r.ms).toFixed(0)} ms, RSS ${median(r.rss).toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
