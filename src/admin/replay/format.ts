import type { SeenKind } from '../../replay/enforcementLeg';
import type { OutcomeKind, SessionOutcome } from '../../replay/outcome';
import type { RunSummary } from './summary';

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
  lines.push(...leftOutLines(summary));
  if (summary.dryRun) lines.push(...reconcileLines(summary));
  if (summary.stopped) {
    lines.push(
      `Stopped early: ${summary.stopped.reason}`,
      `Go on from where it stopped with:`,
      `  ${summary.stopped.resume}`,
    );
  }
  return lines.join('\n');
}

/** With --site/--account: what the run left alone as another site's (not in the counts). */
function leftOutLines(summary: RunSummary): string[] {
  const left = summary.leftOut;
  if (!left || left.sessions + left.events === 0) return [];
  return [
    `Out of scope (${summary.scope ?? '--site/--account'}): left alone, not recorded`,
    `  ${'sessions'.padEnd(18)}${String(left.sessions).padStart(7)}`,
    `  ${'refunds, disputes'.padEnd(18)}${String(left.events).padStart(7)}`,
  ];
}

/** A dry run's reconcile: Stripe paid → the ledger's permit → what enforcement sees. */
function reconcileLines(summary: RunSummary): string[] {
  const c = (k: OutcomeKind) => summary.counts[k] ?? 0;
  const lines = [
    'Reconcile',
    `  paid, no permit:                    ${c('would create') + c('would update') + c('would fail')}` +
      (c('would fail') ? ` (${c('would fail')} cannot be mapped: correct them)` : ''),
    `  permit not in Stripe's metadata:    ${c('would write back')}`,
    `  failed in the ledger:               ${c('would retry')}`,
    `  refunded, permit still active:      ${c('would change')}`,
  ];
  if (!summary.seen) return lines;
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
  return lines;
}
