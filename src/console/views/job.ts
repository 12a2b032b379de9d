import type { PaymentFacts } from '../../domain/paymentFacts';
import type { Job } from '../../store/ledger';
import type { SessionOutcome } from '../../replay/outcome';
import { href, html, type Html } from '../../http/html';
import type { TimelineEntry } from '../timeline';
import { actionForm, page, stateBadge, when, type PageContext } from './layout';
import { plateOf } from './overview';
import { seenSection } from './seenSection';
import type { Verification } from '../../store/verificationLedger';

export interface JobData {
  job: Job;
  timeline: TimelineEntry[];
  facts: PaymentFacts | undefined;
  /** Seen by enforcement (verify/); undefined when the permit was never checked. */
  verification?: Verification | undefined;
}

function row(label: string, value: Html | string | number | null | undefined): Html {
  return html`<tr>
    <th>${label}</th>
    <td>${value ?? '—'}</td>
  </tr>`;
}

export function jobPage(ctx: PageContext, d: JobData): Html {
  const { job } = d;
  const live = job.live;
  const actionUrl = (name: string) => href(['jobs', job.sessionId, name]);
  const canRetry =
    job.state === 'failed' ||
    job.state === 'dead' ||
    (job.state === 'pending' && job.lastError !== null);
  const revocable =
    job.state !== 'cancelled' &&
    job.state !== 'payment_failed' &&
    !(live && (live.status === 'deleted' || live.status === 'ended'));
  const metadata = Object.entries(job.session.metadata);
  const body = html`
    <table>
      <tbody>
        ${row('State', html`${stateBadge(job.state)}${job.lastError ? html` <span class="bad">${job.lastError}</span>` : ''}`)}
        ${row('Plate', html`<span class="mono">${plateOf(job)}</span>`)}
        ${row('Permit', live ? html`<span class="mono">${live.referenceId}</span> — ${live.status}, zone ${live.zone}, ${live.startTime} → ${live.endTime} (OPSCOM local time)` : job.opscom ? html`<span class="mono">${job.opscom.referenceId}</span> (ends ${job.opscom.endsAt})` : 'none in OPSCOM')}
        ${row('Paid', job.paidAt ? when(job.paidAt * 1000) : 'not paid')}
        ${row('Amount', job.session.amountTotal === null ? '—' : `${(job.session.amountTotal / 100).toFixed(2)} ${job.session.currency?.toUpperCase() ?? ''}`)}
        ${row('PaymentIntent', html`<span class="mono">${job.session.paymentIntentId ?? '—'}</span>`)}
        ${row('Refunds, disputes', d.facts ? `refunded ${d.facts.amountRefunded}${d.facts.refundedFull ? ' (in full)' : ''}${d.facts.dispute ? `, dispute ${d.facts.dispute.status}` : ''}` : 'none')}
        ${row('Metadata (as the driver sent it)', html`<span class="mono">${metadata.map(([k, v]) => `${k}=${v}`).join(', ')}</span>`)}
        ${row('Corrections', job.corrections ? html`<span class="mono">${JSON.stringify(job.corrections)}</span>` : 'none')}
        ${row('Attempts', `OPSCOM ${job.opscomAttempts}; failures since the last step that succeeded ${job.attempts}`)}
      </tbody>
    </table>
    ${seenSection(ctx, job.sessionId, d.verification)}
    <h2>Actions</h2>
    ${canRetry ? html`<p>${actionForm(ctx, actionUrl('retry'), 'Retry now')}</p>` : ''}
    <fieldset>
      <legend>Correct and send</legend>
      <form method="post" action="${actionUrl('correct')}">
        <input type="hidden" name="_csrf" value="${ctx.csrf}" />
        <label
          >Plate <input type="text" name="plate" size="12" placeholder="${plateOf(job)}"
        /></label>
        <label
          >Duration
          <input
            type="text"
            name="duration"
            size="8"
            placeholder="${job.session.metadata['duration'] ?? 'e.g. 2h'}"
        /></label>
        <label
          >Zone
          <input
            type="text"
            name="zone"
            size="10"
            placeholder="${live?.zone ?? job.session.metadata['zone'] ?? ''}"
        /></label>
        <button type="submit">Correct and send</button>
      </form>
      <p class="muted">
        Empty fields keep what the payment says. A live permit is changed (plate or end: updated;
        zone: deleted and made again), never doubled.
      </p>
    </fieldset>
    ${revocable ? html`<p>${actionForm(ctx, actionUrl('revoke'), 'Revoke permit…', {}, { danger: true })}</p>` : ''}
    <h2>Timeline</h2>
    <ol class="timeline">
      ${d.timeline.map(
        (e) =>
          html`<li class="${e.tone}">
            <span class="muted">${when(e.at)}</span>
            <strong>${e.title}</strong>${e.by ? html` — by ${e.by}` : ''}${
              e.detail ? html`<br /><span class="mono">${e.detail}</span>` : ''
            }
          </li>`,
      )}
    </ol>
  `;
  return page(`Job ${job.sessionId}`, ctx, body);
}

/** What an action did, session by session. */
export function resultPage(
  ctx: PageContext,
  title: string,
  outcomes: SessionOutcome[],
  note?: string,
): Html {
  const failed = outcomes.some((o) => o.outcome === 'failed');
  const body = html` ${note ? html`<p class="notice">${note}</p>` : ''}
    <table>
      <thead>
        <tr>
          <th>Session</th>
          <th>Outcome</th>
          <th>Plate</th>
          <th>OPSCOM reference</th>
          <th>Ends</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        ${outcomes.map(
          (o) =>
            html`<tr>
              <td><a class="mono" href="${href(['jobs', o.sessionId])}">${o.sessionId}</a></td>
              <td class="${o.outcome === 'failed' ? 'bad' : 'good'}">${o.outcome}</td>
              <td class="mono">${o.plate ?? ''}</td>
              <td class="mono">${o.referenceId ?? ''}</td>
              <td>${o.endsAt ?? ''}</td>
              <td>${o.detail ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${failed ? html`<p class="bad">Something failed: the reason is in the table; the job page has the whole timeline.</p>` : ''}
    <p><a href="${href([])}">Back to the overview</a></p>`;
  return page(title, ctx, body);
}

/** A question before a destructive or bulk action: the same form again, with `confirm`. */
export function confirmPage(
  ctx: PageContext,
  title: string,
  question: string,
  action: string,
  fields: Record<string, string>,
  cancel: string,
): Html {
  return page(
    title,
    ctx,
    html`<p class="notice bad">${question}</p>
      <p>
        ${actionForm(ctx, action, 'Yes, do it', { ...fields, confirm: 'yes' }, { danger: true })}
        <a href="${cancel}">Cancel</a>
      </p>`,
  );
}

/** A message page (not found, refused input), with a way back. */
export function messagePage(ctx: PageContext, title: string, message: string, back: string): Html {
  return page(
    title,
    ctx,
    html`<p class="notice bad">${message}</p>
      <p><a href="${back}">Back</a></p>`,
  );
}
