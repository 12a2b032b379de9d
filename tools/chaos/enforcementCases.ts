import type { PlannedSession } from './chaosPlan';

/** The zone the run's unused-zone payments name: the simulator is told no lot uses it. */
export const UNUSED_ZONE = 'CHAOS-NO-LOT';

/** A case the run plants for the verification round to find (docs/enforcement.md). */
export type EnforcementCase = 'unused_zone' | 'staff_removed';

/**
 * Marks a few of the plan's payments as enforcement cases, each kind `Math.round(payments / 100)`
 * of them (1 to 5): few enough to name in a failure, never enough to dominate the run. Only
 * plain paid sessions with no refund or correction, so each case has one permit whose fate is
 * the case's alone. Spread over the plan by position, so the pick does not consume the plan's
 * random stream (a seed's plan stays what it was).
 */
export function markEnforcementCases(sessions: PlannedSession[]): void {
  const eligible = sessions.filter((s) => s.kind === 'paid' && !s.refund && !s.correction);
  const each = Math.min(5, Math.max(1, Math.round(sessions.length / 100)));
  if (eligible.length < 2 * each) return;
  const step = eligible.length / (2 * each);
  for (let i = 0; i < 2 * each; i++) {
    const s = eligible[Math.floor(i * step)]!;
    s.enforcement = i % 2 === 0 ? 'unused_zone' : 'staff_removed';
    if (s.enforcement === 'unused_zone') {
      const metadata = s.session['metadata'] as Record<string, string>;
      s.session['metadata'] = { ...metadata, zone: UNUSED_ZONE };
    }
  }
}
