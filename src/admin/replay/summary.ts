import type { OutcomeKind } from '../../replay/outcome';
import type { RunResult } from '../../replay/runRequest';
import type { ReplayArgs } from './args';
import { commandFor } from './window';

/** A run's result as printed (and as --json's last line): a stopped run says how to go on. */
export type RunSummary = Omit<RunResult, 'stopped'> & {
  /** Why the run stopped before the end, and how to go on from where it stopped. */
  stopped: { reason: string; resume: string } | undefined;
  /** With --site/--account: the scope, as the operator gave it (`--site east`). */
  scope?: string;
};

/** Outcomes that need an operator: they make the run exit 1. */
export const FAILING: readonly OutcomeKind[] = ['failed', 'would fail'];

export function summaryOf(result: RunResult, args: ReplayArgs): RunSummary {
  const stopped = result.stopped;
  const scope = [
    ...(args.site === undefined ? [] : [`--site ${args.site}`]),
    ...(args.account === undefined ? [] : [`--account ${args.account}`]),
  ].join(' ');
  return {
    ...result,
    stopped: stopped && { reason: stopped.reason, resume: commandFor(stopped.from, args) },
    ...(scope ? { scope } : {}),
  };
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
