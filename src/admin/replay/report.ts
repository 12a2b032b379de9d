import type { RunProgress } from '../../replay/runRequest';
import { formatOutcome, formatSummary } from './format';
import { FAILING, type RunSummary } from './summary';

export type { RunSummary } from './summary';

/** The engine's progress as the operator sees it, plus notes and the closing summary. */
export interface Reporter extends Required<RunProgress> {
  /** A note for the operator (a retry, a wait); not shown with --json. */
  note(message: string): void;
  finish(summary: RunSummary): void;
}

export interface ReporterOptions {
  json: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Draw a progress bar on `err` (a terminal); plain lines otherwise. */
  progress: boolean;
}

/** Writes one line per session (or JSON lines), a progress bar on a terminal, and a summary. */
export function createReporter(options: ReporterOptions): Reporter {
  // `listed` counts only what is of the run's --site/--account: the bar's total is the scope's.
  let listed = 0;
  let done = 0;
  let failed = 0;
  let outside = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) options.err.write('\r\x1b[K');
    drawn = false;
  };
  const draw = () => {
    if (!options.progress || options.json) return;
    const width = 30;
    const filled = listed === 0 ? 0 : Math.round((done / listed) * width);
    options.err.write(
      `\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${listed} sessions${failed ? `, ${failed} failed` : ''}${outside ? `, ${outside} out of scope` : ''}`,
    );
    drawn = true;
  };
  const note = (message: string) => {
    if (options.json) return;
    clear();
    options.err.write(`${message}\n`);
    draw();
  };
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  return {
    reading({ since, until }) {
      note(
        `Reading Stripe's Checkout Sessions and events from ${iso(since)} to ${iso(until)} (100 a page)…`,
      );
    },
    listed(count) {
      listed += count;
      draw();
    },
    leftOut(kind, count, wasListed) {
      if (kind !== 'session') return;
      outside += count;
      if (wasListed) listed -= count;
      draw();
    },
    session(outcome) {
      done++;
      if (FAILING.includes(outcome.outcome)) failed++;
      clear();
      options.out.write(`${options.json ? JSON.stringify(outcome) : formatOutcome(outcome)}\n`);
      draw();
    },
    note,
    finish(summary) {
      clear();
      options.out.write(
        options.json ? `${JSON.stringify({ summary })}\n` : `\n${formatSummary(summary)}\n`,
      );
    },
  };
}
