import type { SeenKind } from './enforcementLeg';
import { FAILING, type OutcomeKind, type SessionOutcome } from './outcome';

export interface RunSummary {
  counts: Partial<Record<OutcomeKind, number>>;
  /** A dry run's permits by what enforcement sees (absent when not looked at). */
  seen?: Partial<Record<SeenKind, number>>;
  elapsedMs: number;
  dryRun: boolean;
  /** Why the run stopped before the end, and how to go on from where it stopped. */
  stopped: { reason: string; resume: string } | undefined;
}

export interface Reporter {
  /** More sessions were found (a page was listed). */
  listed(count: number): void;
  session(outcome: SessionOutcome): void;
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

/**
 * Exit status: 1 when any session failed, a permit is not seen by enforcement (both need an
 * operator) or the run stopped early, else 0.
 */
export function exitCodeFor(summary: RunSummary): number {
  const failed = FAILING.some((kind) => (summary.counts[kind] ?? 0) > 0);
  const unseen = (summary.seen?.['not seen'] ?? 0) > 0;
  return failed || unseen || summary.stopped ? 1 : 0;
}

export function formatOutcome(o: SessionOutcome): string {
  const what = o.detail ? `${o.outcome}: ${o.detail}` : o.outcome;
  // Say how the moment of payment was found when it was not the paying event itself.
  const paid = o.paidVia && !/^(event|ledger) /.test(o.paidVia) ? `  [paid: ${o.paidVia}]` : '';
  const seen = o.seen
    ? `  [enforcement: ${o.seen}${o.seenCheckedAt ? `, checked ${o.seenCheckedAt}` : ''}]`
    : '';
  return [
    o.sessionId,
    (o.plate ?? '-').padEnd(10),
    (o.endsAt ?? '-').padEnd(25),
    (o.referenceId ?? '-').padEnd(12),
    what + paid + seen,
  ].join('  ');
}

const ORDER: readonly OutcomeKind[] = [
  'created',
  'updated',
  'already done',
  'skipped',
  'failed',
  'would create',
  'would update',
  'would write back',
  'would retry',
  'would fail',
  'would change',
];

export function formatSummary(summary: RunSummary): string {
  const lines = [
    `Summary (${(summary.elapsedMs / 1000).toFixed(1)} s${summary.dryRun ? ', dry run: nothing was changed' : ''})`,
  ];
  const total = Object.values(summary.counts).reduce((a, b) => a + (b ?? 0), 0);
  for (const kind of ORDER) {
    const n = summary.counts[kind];
    if (n) lines.push(`  ${kind.padEnd(18)}${String(n).padStart(7)}`);
  }
  lines.push(`  ${'sessions'.padEnd(18)}${String(total).padStart(7)}`);
  if (summary.dryRun) {
    const c = (k: OutcomeKind) => summary.counts[k] ?? 0;
    lines.push(
      'Reconcile',
      `  paid, no permit:                    ${c('would create') + c('would update') + c('would fail')}` +
        (c('would fail') ? ` (${c('would fail')} cannot be mapped: correct them)` : ''),
      `  permit not in Stripe's metadata:    ${c('would write back')}`,
      `  failed in the ledger:               ${c('would retry')}`,
      `  refunded, permit still active:      ${c('would change')}`,
    );
    if (summary.seen) {
      const s = (k: SeenKind) => summary.seen?.[k] ?? 0;
      lines.push(
        `  permitted, seen by enforcement:     ${s('seen')}`,
        `  permitted, NOT seen by enforcement: ${s('not seen')}` +
          (s('not seen') ? ' (marked "enforcement: not seen" above: see docs/enforcement.md)' : ''),
        `  missed by the last check only:      ${s('missed once')}` +
          (s('missed once') ? ' (counted when the next check misses it too)' : ''),
        `  accepted as not seen by an operator: ${s('accepted')}`,
        `  not checked yet:                    ${s('not checked')}` +
          (s('not checked') ? ' (OPSCOM_VERIFY off, or the first check is not due yet)' : ''),
      );
      if (s('over')) lines.push(`  time over, no longer checked:       ${s('over')}`);
    }
  }
  if (summary.stopped) {
    lines.push(
      `Stopped early: ${summary.stopped.reason}`,
      `Go on from where it stopped with:`,
      `  ${summary.stopped.resume}`,
    );
  }
  return lines.join('\n');
}

/** Writes one line per session (or JSON lines), a progress bar on a terminal, and a summary. */
export function createReporter(options: ReporterOptions): Reporter {
  let listed = 0;
  let done = 0;
  let failed = 0;
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
      `\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${listed} sessions${failed ? `, ${failed} failed` : ''}`,
    );
    drawn = true;
  };
  return {
    listed(count) {
      listed += count;
      draw();
    },
    session(outcome) {
      done++;
      if (FAILING.includes(outcome.outcome)) failed++;
      clear();
      options.out.write(`${options.json ? JSON.stringify(outcome) : formatOutcome(outcome)}\n`);
      draw();
    },
    note(message) {
      if (options.json) return;
      clear();
      options.err.write(`${message}\n`);
      draw();
    },
    finish(summary) {
      clear();
      options.out.write(
        options.json ? `${JSON.stringify({ summary })}\n` : `\n${formatSummary(summary)}\n`,
      );
    },
  };
}
