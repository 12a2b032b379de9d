import type { EventRecord, Job } from '../store/ledger';

/** One line of a job's story, as the console shows it. */
export interface TimelineEntry {
  /** Unix ms. */
  at: number;
  title: string;
  /** Who made it happen, when a person did (replay --by, the console user). */
  by?: string | undefined;
  /** What was sent or said, shown as is (escaped) in the page. */
  detail?: string | undefined;
  tone: 'info' | 'good' | 'bad';
}

const TITLES: Record<string, string> = {
  paid: 'Paid',
  awaiting_payment: 'Checkout completed, payment pending (delayed method)',
  payment_failed: 'Delayed payment failed',
  refund: 'Refund',
  refund_failed: 'Refund failed',
  dispute_opened: 'Dispute opened',
  dispute_closed: 'Dispute closed',
  'job.retry': 'Attempt failed; will retry',
  'job.failed': 'Job failed',
  'job.dead': 'Job dead (gave up after retries)',
  'permit.changed': 'Permit changed in OPSCOM',
  'permit.refund_failed': 'Refund failed after the permit was revoked: review',
  'permit.review': 'Refund or dispute of a renewal: review in OPSCOM',
  'opscom.late_answer': 'OPSCOM answered after the timeout',
  'opscom.answer_lost': 'OPSCOM answer lost (in doubt)',
  'opscom.taken_over': 'Taken over from a stopped process',
  'replay.corrected': 'Correction by an operator',
  'replay.retry_failed': 'Retried by an operator',
  'replay.new': 'Replayed (not received before)',
  'replay.pending': 'Replayed',
  'replay.write_back': 'Write-back redone by replay',
  'replay.force': 'Re-sent as an update (replay --force)',
  'replay.adopt': 'Reference found in Stripe; recorded',
  'verify.not_visible': 'Enforcement cannot see the permit (twice in a row)',
  'verify.still_visible': 'Enforcement still shows a deleted or ended permit (twice in a row)',
  'verify.resolved': 'Seen by enforcement as the ledger has it again',
  'verify.push_again': 'Pushed again by an operator (enforcement could not see it)',
  'verify.accepted': 'Not seen by enforcement: accepted by an operator',
};

const BAD = new Set([
  'job.retry',
  'job.failed',
  'job.dead',
  'refund_failed',
  'opscom.answer_lost',
  'permit.refund_failed',
  'permit.review',
  'payment_failed',
  'verify.not_visible',
  'verify.still_visible',
]);

/** The JSON a note carries, or its text as is. */
function parsed(detail: string | null): Record<string, unknown> | string | undefined {
  if (detail === null) return undefined;
  try {
    const value = JSON.parse(detail) as unknown;
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : detail;
  } catch {
    return detail;
  }
}

function fromEvent(e: EventRecord): TimelineEntry {
  const detail = parsed(e.detail);
  const fields = typeof detail === 'object' ? detail : {};
  const by = typeof fields['by'] === 'string' ? fields['by'] : undefined;
  const error = typeof fields['error'] === 'string' ? fields['error'] : undefined;
  // Who and when are shown on their own; the worker's owner id is noise here.
  const rest = Object.fromEntries(
    Object.entries(fields).filter(([k]) => k !== 'owner' && k !== 'by' && k !== 'at'),
  );
  const shown =
    error ??
    (typeof detail === 'string'
      ? detail
      : Object.keys(rest).length > 0
        ? JSON.stringify(rest)
        : undefined);
  const received = e.eventId.startsWith('evt_');
  // The driver's page read the session from Stripe before its webhook came, and recorded it.
  const fromPage = e.eventId.startsWith('page:');
  const source = received
    ? ` — ${e.eventType}`
    : fromPage
      ? ' — read from Stripe when the driver opened the permit page (the webhook had not come)'
      : '';
  return {
    at: e.receivedAt,
    title: `${TITLES[e.outcome] ?? e.outcome}${source}`,
    by,
    detail: received && shown === undefined ? e.eventId : shown,
    tone: BAD.has(e.outcome) ? 'bad' : 'info',
  };
}

/**
 * Pure: a job's story, oldest first: the events received for it and the notes the worker,
 * replay and the console recorded (each failed attempt with its error, each correction with
 * who made it), with the steps the job row itself dates (OPSCOM's answer to the request as
 * it was sent, without the API token, which is never stored; each write-back to Stripe).
 */
export function buildTimeline(job: Job, events: readonly EventRecord[]): TimelineEntry[] {
  const entries = events.map(fromEvent);
  // A replay of a failed job restarts its age (JOB_MAX_AGE_HOURS) from the replay.
  entries.push({
    at: job.createdAt,
    title: 'Job started (its age counts from here)',
    tone: 'info',
  });
  if (job.opscom) {
    entries.push({
      at: job.opscom.at,
      title: `OPSCOM ${job.permit?.action ?? 'create'}: permit ${job.opscom.referenceId} (attempt ${job.opscomAttempts})`,
      detail: job.permit ? `request sent: ${JSON.stringify(job.permit)}` : undefined,
      tone: 'good',
    });
  } else if (job.permit) {
    entries.push({
      at: job.opscomStartedAt ?? job.updatedAt,
      title: `OPSCOM ${job.permit.action} sent, no answer recorded (attempts: ${job.opscomAttempts})`,
      detail: `request: ${JSON.stringify(job.permit)}`,
      tone: 'info',
    });
  }
  if (job.sessionWrittenAt !== null) {
    entries.push({
      at: job.sessionWrittenAt,
      title: 'Written back to the Checkout Session',
      tone: 'good',
    });
  }
  if (job.paymentIntentWrittenAt !== null) {
    entries.push({
      at: job.paymentIntentWrittenAt,
      title: 'Written back to the PaymentIntent',
      tone: 'good',
    });
  }
  return entries.sort((a, b) => a.at - b.at);
}
