import { appendFileSync, closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { EventRecord, Job } from '../../src/store/ledger';
import { openLedger } from '../../src/store/openLedger';
import { runReplayScript } from '../devtools/replayScript';
import type { OpscomSimulator } from '../simulators/opscomSimulator';
import type { StripeSimulator } from '../simulators/stripeSimulator';
import type { AdapterIncarnation } from './adapterFleet';
import type { ReplayRun } from './replayRuns';

/** One `npm run replay` process the run started, as kept in replay-commands.jsonl. */
export interface ReplayCommand {
  n: number;
  /** correction, correction resume, since, since resume. */
  purpose: string;
  /** The session a correction is for. */
  sessionId?: string;
  argv: string[];
  code: number;
  startedAt: number;
  endedAt: number;
  /** Files under the folder with its whole output. */
  stdoutFile: string;
  stderrFile: string;
  /** The ends of its output (the summary, the resume line, why it stopped). */
  stdoutTail: string;
  stderrTail: string;
}

/**
 * The run's work folder and what the run puts in it as it goes: the SQLite ledger, each
 * adapter's log, each replay command's output. On failure the rest is written there too
 * (see keepEvidence) and the folder is kept.
 */
export interface EvidenceFolder {
  dir: string;
  adapterDir: string;
  commands: ReplayCommand[];
  /** Runs `npm run replay` and keeps its argv, exit and output in the folder. */
  runReplay(
    c: { purpose: string; sessionId?: string; argv: readonly string[] },
    env: NodeJS.ProcessEnv,
  ): Promise<ReplayRun & { n: number }>;
}

const TAIL = 2000;

export function openEvidenceFolder(dir: string): EvidenceFolder {
  const adapterDir = join(dir, 'adapters');
  const replayDir = join(dir, 'replay');
  mkdirSync(adapterDir, { recursive: true });
  mkdirSync(replayDir, { recursive: true });
  const commands: ReplayCommand[] = [];
  let started = 0;
  return {
    dir,
    adapterDir,
    commands,
    async runReplay(c, env) {
      // Numbered as it starts: commands run side by side keep their own names.
      const n = ++started;
      const startedAt = Date.now();
      const run = await runReplayScript(c.argv, env, 'capture');
      const name = `${String(n).padStart(4, '0')}-${c.purpose.replace(/\W+/g, '-')}${c.sessionId ? `-${c.sessionId}` : ''}`;
      // Written as soon as it ends: an interrupted run keeps what had run.
      writeFileSync(join(replayDir, `${name}.stdout`), run.stdout);
      writeFileSync(join(replayDir, `${name}.stderr`), run.stderr);
      const record: ReplayCommand = {
        n,
        purpose: c.purpose,
        ...(c.sessionId ? { sessionId: c.sessionId } : {}),
        argv: [...c.argv],
        code: run.code,
        startedAt,
        endedAt: Date.now(),
        stdoutFile: join('replay', `${name}.stdout`),
        stderrFile: join('replay', `${name}.stderr`),
        stdoutTail: run.stdout.slice(-TAIL),
        stderrTail: run.stderr.slice(-TAIL),
      };
      commands.push(record);
      appendFileSync(join(dir, 'replay-commands.jsonl'), `${JSON.stringify(record)}\n`);
      return { ...run, n };
    },
  };
}

/**
 * Writes `items` as JSON lines, a batch at a time: a 10,000-payment run's logs never become one
 * string (each line is made, written and dropped).
 */
export function writeJsonLines(path: string, items: Iterable<unknown>): number {
  const fd = openSync(path, 'w');
  let count = 0;
  try {
    let batch: string[] = [];
    let size = 0;
    for (const item of items) {
      const line = `${JSON.stringify(item)}\n`;
      batch.push(line);
      size += line.length;
      count++;
      if (size > 1 << 20) {
        writeSync(fd, batch.join(''));
        batch = [];
        size = 0;
      }
    }
    if (batch.length > 0) writeSync(fd, batch.join(''));
  } finally {
    closeSync(fd);
  }
  return count;
}

/**
 * The ledger as JSON lines (jobs, then events), through the ledger's own API so that both
 * ledgers give the same files (a PostgreSQL server is gone with the run). `loaded`: what the run
 * already read, so it is not read twice; without it, a fresh connection reads it.
 */
export async function dumpLedger(
  dir: string,
  store: StoreConfig,
  loaded?: { jobs: readonly Job[]; events: readonly EventRecord[] },
): Promise<void> {
  if (loaded) {
    writeJsonLines(join(dir, 'ledger-jobs.jsonl'), loaded.jobs);
    writeJsonLines(join(dir, 'ledger-events.jsonl'), loaded.events);
    return;
  }
  const ledger = await openLedger(
    store,
    createLogger({ level: 'error', pretty: false, silent: true }),
  );
  try {
    writeJsonLines(join(dir, 'ledger-jobs.jsonl'), await ledger.listJobs());
    writeJsonLines(join(dir, 'ledger-events.jsonl'), await ledger.listEvents());
  } finally {
    await ledger.close();
  }
}

/** One OPSCOM simulator of the run: the one site's, or (--sites) each site's. */
export interface OpscomSource {
  /** The site's id; undefined: the one site of the OPSCOM_* variables. */
  site: string | undefined;
  sim: OpscomSimulator;
  /** Whether a planned session is this site's. */
  owns: (sessionId: string) => boolean;
}

/** Where an OPSCOM's files go: `opscom-received.jsonl`, or `opscom-<site>-received.jsonl`. */
export function opscomFile(site: string | undefined, what: 'received' | 'permits'): string {
  return `opscom${site === undefined ? '' : `-${site}`}-${what}.jsonl`;
}

/** What the simulators received and hold now (every site's OPSCOM), and the fleet's processes. */
export function dumpSimulatorsAndFleet(
  dir: string,
  opscoms: readonly OpscomSource[],
  stripe: StripeSimulator | undefined,
  adapters: readonly AdapterIncarnation[],
): void {
  for (const { site, sim } of opscoms) {
    writeJsonLines(join(dir, opscomFile(site, 'received')), sim.received);
    writeJsonLines(join(dir, opscomFile(site, 'permits')), sim.permits.values());
  }
  if (stripe) {
    writeJsonLines(join(dir, 'stripe-received.jsonl'), stripe.received);
    // The metadata the adapters wrote back, as Stripe holds it at the end.
    writeJsonLines(join(dir, 'stripe-sessions.jsonl'), stripe.sessions.values());
    writeJsonLines(join(dir, 'stripe-payment-intents.jsonl'), stripe.paymentIntents.values());
  }
  writeJsonLines(join(dir, 'adapters.jsonl'), adapters);
}

/** What each file of a kept folder holds, for whoever opens it. */
export function writeFolderGuide(dir: string, lines: readonly string[]): void {
  writeFileSync(
    join(dir, 'README.txt'),
    [
      ...lines,
      '',
      'run.json                  options, seed, adapters and kills, settle phases, replay, the audit, why it was kept',
      'timelines/<session>.txt   (a failed run) one per failing session: plan, job, corrections, OPSCOM, Stripe, time order',
      'ledger.sqlite             the SQLite ledger itself (SQLite runs)',
      'ledger-jobs.jsonl         every job row at the end (both ledgers)',
      'ledger-events.jsonl       every events row: webhooks, notes, operator actions',
      'adapters/                 each adapter process’s stdout and stderr, one file per process',
      'adapters.jsonl            which process was which: pid, port, start, kill',
      'replay/                   each replay command’s stdout and stderr',
      'replay-commands.jsonl     each replay command: argv, exit, times, the ends of its output',
      'opscom-received.jsonl     every request OPSCOM’s simulator received (Push API and Plate Validation), and its answer',
      'opscom-permits.jsonl      every permit OPSCOM holds at the end (deleted ones marked, staff removals too)',
      '                          (--sites: opscom-<site>-received.jsonl and opscom-<site>-permits.jsonl, one pair per site’s OPSCOM;',
      '                          each numbers its permits from OC-000001, so a reference means something only with its site)',
      'sites.json                (--sites) the sites file the adapters ran with: each site’s OPSCOM and Plate Validation',
      'stripe-received.jsonl     every request Stripe’s simulator received, and its status',
      'stripe-sessions.jsonl     each Checkout Session as Stripe holds it at the end (metadata)',
      'stripe-payment-intents.jsonl  the same for the PaymentIntents',
      '',
    ].join('\n'),
  );
}
