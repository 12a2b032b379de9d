import type { PaymentFacts } from '../../domain/paymentFacts';
import type { Job } from '../../store/ledger';
import { href, html, type Html } from '../../http/html';
import type { TimelineEntry } from '../timeline';
import { actionForm, page, scrolling, stateBadge, when, type PageContext } from './layout';
import { plateOf } from './overview';
import { seenSection } from './seenSection';
import type { Verification } from '../../store/verificationLedger';
import type { ConsoleSites } from '../sites';
import { jobSiteTitle, siteOfJob } from './siteNames';
import { opscomTime, permitInstant } from './times';

export interface JobData {
  job: Job;
  timeline: TimelineEntry[];
  facts: PaymentFacts | undefined;
  /** Seen by enforcement (verify/); undefined when the permit was never checked. */
  verification?: Verification | undefined;
  /** Several sites: the job's site is shown, with its timezone and Stripe account. */
  sites?: ConsoleSites | undefined;
}

export function jobPage(ctx: PageContext, d: JobData): Html {
  const { job } = d;
  const actionUrl = (name: string) => href(['jobs', job.sessionId, name]);
  const body = html`
    ${factsTable(job, d.facts, d.sites)} ${seenSection(ctx, job.sessionId, d.verification)}
    <h2>Actions</h2>
    ${canRetry(job) ? html`<p>${actionForm(ctx, actionUrl('retry'), 'Retry now')}</p>` : ''}
    ${correctForm(ctx, job, actionUrl('correct'))}
    ${revocable(job) ? html`<p>${actionForm(ctx, actionUrl('revoke'), 'Revoke permit…', {}, { danger: true })}</p>` : ''}
    <h2>Timeline</h2>
    ${timelineList(d.timeline)}
  `;
  return page(`Job ${job.sessionId}`, ctx, body);
}

function canRetry(job: Job): boolean {
  return (
    job.state === 'failed' ||
    job.state === 'dead' ||
    (job.state === 'pending' && job.lastError !== null)
  );
}

function revocable(job: Job): boolean {
  const live = job.live;
  return (
    job.state !== 'cancelled' &&
    job.state !== 'payment_failed' &&
    !(live && (live.status === 'deleted' || live.status === 'ended'))
  );
}

function row(label: string, value: Html | string | number | null | undefined): Html {
  return html`<tr>
    <th>${label}</th>
    <td>${value ?? '—'}</td>
  </tr>`;
}

function factsTable(
  job: Job,
  facts: PaymentFacts | undefined,
  sites: ConsoleSites | undefined,
): Html {
  const metadata = Object.entries(job.session.metadata);
  const zone = sites ? siteOfJob(job.site, sites)?.opscom.timezone : undefined;
  return scrolling(
    html`<table>
      <tbody>
        ${row('State', html`${stateBadge(job.state)}${job.lastError ? html` <span class="bad">${job.lastError}</span>` : ''}`)}
        ${sites ? siteRows(job, sites) : ''}
        ${row('Plate', html`<span class="mono nowrap">${plateOf(job)}</span>`)}
        ${row('Permit', permitText(job, zone))}
        ${row('Paid', job.paidAt ? when(job.paidAt * 1000) : 'not paid')}
        ${row('Amount', job.session.amountTotal === null ? '—' : `${(job.session.amountTotal / 100).toFixed(2)} ${job.session.currency?.toUpperCase() ?? ''}`)}
        ${row('PaymentIntent', html`<span class="mono wrap-any">${job.session.paymentIntentId ?? '—'}</span>`)}
        ${row('Refunds, disputes', facts ? `refunded ${facts.amountRefunded}${facts.refundedFull ? ' (in full)' : ''}${facts.dispute ? `, dispute ${facts.dispute.status}` : ''}` : 'none')}
        ${row('Metadata (as the driver sent it)', html`<span class="mono wrap-any">${metadata.map(([k, v]) => `${k}=${v}`).join(', ')}</span>`)}
        ${row('Corrections', job.corrections ? html`<span class="mono wrap-any">${JSON.stringify(job.corrections)}</span>` : 'none')}
        ${row('Attempts', `OPSCOM ${job.opscomAttempts}; failures since the last step that succeeded ${job.attempts}`)}
      </tbody>
    </table>`,
  );
}

/** Several sites: the job's site by name and id, its timezone, its Stripe account (Connect). */
function siteRows(job: Job, sites: ConsoleSites): Html {
  const site = siteOfJob(job.site, sites);
  return html`${row('Site', jobSiteTitle(job.site, sites))}
  ${site ? row("Site's timezone", site.opscom.timezone) : ''}
  ${site?.stripeAccount ? row('Stripe account', html`<span class="mono">${site.stripeAccount}</span> (Connect)`) : ''}`;
}

/** The permit OPSCOM has: reference, status, zone, and its times in the site's timezone. */
function permitText(job: Job, zone: string | undefined): Html | string {
  const live = job.live;
  if (live) {
    return html`<span class="mono nowrap">${live.referenceId}</span> — ${live.status}, zone
      ${live.zone}, ${opscomTime(live.startTime, zone)} →
      ${opscomTime(live.endTime, zone)}${zone ? '' : ' (OPSCOM local time)'}`;
  }
  if (job.opscom) {
    return html`<span class="mono nowrap">${job.opscom.referenceId}</span> (ends
      ${permitInstant(job.opscom.endsAt, zone)})`;
  }
  return 'none in OPSCOM';
}

function correctForm(ctx: PageContext, job: Job, action: string): Html {
  return html`<fieldset>
    <legend>Correct and send</legend>
    <form method="post" action="${action}">
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
          placeholder="${job.live?.zone ?? job.session.metadata['zone'] ?? ''}"
      /></label>
      <button type="submit">Correct and send</button>
    </form>
    <p class="muted">
      Empty fields keep what the payment says. A live permit is changed (plate or end: updated;
      zone: deleted and made again), never doubled.
    </p>
  </fieldset>`;
}

function timelineList(entries: readonly TimelineEntry[]): Html {
  return html`<ol class="timeline">
    ${entries.map(
      (e) =>
        html`<li class="${e.tone}">
          <span class="muted">${when(e.at)}</span>
          <strong>${e.title}</strong>${e.by ? html` — by ${e.by}` : ''}${
            e.detail ? html`<br /><span class="mono wrap-any">${e.detail}</span>` : ''
          }
        </li>`,
    )}
  </ol>`;
}
