import type { AuditReport } from './audit';

export interface ChaosSummary {
  payments: number;
  owed: number;
  deliveries: number;
  attempts: number;
  forged: string;
  faults: string;
  kills: number;
  report: AuditReport;
  notes: Record<string, number>;
  settle: string;
  lost: number;
  afterPayment: string;
  replay: string;
  replayFinishedBy: string;
  /** The closing verification round's line, and its failing sessions. */
  verification: string;
  verificationFailing: string[];
  total: string;
}

/** The run's table, then the first rows of each kind of finding. */
export function printReport(say: (line: string) => void, r: ChaosSummary): void {
  const rows: Array<[string, string | number]> = [
    ['payments (owed a permit)', `${r.payments} (${r.owed})`],
    ['deliveries (attempts)', `${r.deliveries} (${r.attempts})`],
    ['forged/stale/tampered', r.forged],
    ['faults injected', r.faults],
    ['adapter kills', r.kills],
    ['lost', r.report.lost.length],
    ['doubled', r.report.doubled.length],
    ['doubled in the documented window', r.report.doubledInWindow.length],
    ['doubles by cause', JSON.stringify(r.report.doubledBy)],
    ['OPSCOM answer → ledger (window)', windowFigures(r.report.answerToRecordMs)],
    ['OPSCOM attempt notes', JSON.stringify(r.notes)],
    ['wrong', r.report.wrong.length],
    ['missing write-backs', r.report.missingWriteBacks.length],
    ['ledger disagrees', r.report.ledgerDisagrees.length],
    ['time to settle', r.settle],
    ['webhooks never delivered', r.lost],
    ['refunds, corrections', r.afterPayment],
    ['replay --since (then settled)', r.replay],
    ['replay --since: sessions', r.replayFinishedBy],
    ['verification round', r.verification],
    ['total run', r.total],
  ];
  for (const [k, v] of rows) say(`${k.padEnd(34)} ${v}`);
  const details: Array<[string, string[]]> = [
    ['lost', r.report.lost],
    ['doubled', r.report.doubled],
    ['doubled in window (evidence)', r.report.doubledInWindow],
    ['wrong', r.report.wrong],
    ['missing write-back', r.report.missingWriteBacks],
    ['ledger disagrees', r.report.ledgerDisagrees],
    ['not verified', r.verificationFailing],
  ];
  for (const [name, lines] of details) for (const l of lines.slice(0, 20)) say(`  ${name}: ${l}`);
}

/** p50, p99 and max of the answer → record times, in ms. */
function windowFigures(sorted: readonly number[]): string {
  if (sorted.length === 0) return 'no answers recorded';
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)!} ms (${sorted.length} answers)`;
}

export function countOf(values: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}
