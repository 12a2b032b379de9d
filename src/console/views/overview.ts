import { JOB_STATES, type JobState } from '../../domain/intakeRule';
import type { Alert, Job } from '../../store/ledger';
import { href, html, type Html } from '../../http/html';
import { alertsTable } from './alertsTable';
import { ago, page, stateBadge, when, type PageContext } from './layout';
import { sitesSection, type SitesOverview } from './sitesSection';

export interface Reachability {
  name: string;
  ok: boolean;
  detail: string;
  /** Several sites: the site whose OPSCOM host this is (the sites table shows it, not the flow). */
  site?: string | undefined;
}

export interface OverviewData {
  now: number;
  counts: Partial<Record<JobState, number>>;
  /** When the longest-waiting due job came due (Unix ms). */
  oldestDue: number | undefined;
  pendingAlertMinutes: number;
  lastDone: Job | undefined;
  failures: Job[];
  retrying: Job[];
  alerts: Alert[];
  /** Several sites: each open alert's site (alert key → label). Undefined: one site. */
  alertSites?: ReadonlyMap<string, string> | undefined;
  reachability: Reachability[];
  /** Several sites: each one's health. Undefined: one site, nothing about sites. */
  sites?: SitesOverview | undefined;
}

export function plateOf(job: Job): string {
  return job.live?.plate ?? job.permit?.plate ?? job.session.metadata['plate'] ?? '';
}

function jobLink(job: Job): Html {
  return html`<a class="mono" href="${href(['jobs', job.sessionId])}">${job.sessionId}</a>`;
}

function failureRows(jobs: Job[], now: number): Html {
  if (jobs.length === 0) return html`<p class="muted">None.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th>Session</th>
        <th>State</th>
        <th>Plate</th>
        <th>Reason</th>
        <th>Last change</th>
      </tr>
    </thead>
    <tbody>
      ${jobs.map(
        (j) =>
          html`<tr>
            <td>${jobLink(j)}</td>
            <td>${stateBadge(j.state)}</td>
            <td class="mono">${plateOf(j)}</td>
            <td>${j.lastError ?? ''}</td>
            <td>${ago(now - j.updatedAt)} ago</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function overviewPage(ctx: PageContext, d: OverviewData): Html {
  const failedHref = href(['jobs'], { state: 'failed,dead' });
  const retryingHref = href(['jobs'], { state: 'pending', failing: '1' });
  const body = html`
    <section class="cards" aria-label="Jobs by state">
      ${JOB_STATES.map(
        (s) =>
          html`<a class="card" href="${href(['jobs'], { state: s })}"
            ><b>${d.counts[s] ?? 0}</b>${stateBadge(s)}</a
          >`,
      )}
    </section>
    <h2>Flow</h2>
    ${flowTable(d)} ${sitesSection(d.sites, d.reachability)}
    <h2>Open alerts</h2>
    ${alertsTable(d.alerts, d.alertSites)}
    <h2>Recent failures <a class="muted" href="${failedHref}">(all)</a></h2>
    ${failureRows(d.failures, d.now)}
    <h2>Retrying <a class="muted" href="${retryingHref}">(all)</a></h2>
    ${failureRows(d.retrying, d.now)}
  `;
  return page('Overview', ctx, body);
}

/** The oldest wait (marked past the alert's threshold), the last permit made, the peers. */
function flowTable(d: OverviewData): Html {
  const waiting = d.oldestDue === undefined ? undefined : d.now - d.oldestDue;
  const late = waiting !== undefined && waiting > d.pendingAlertMinutes * 60_000;
  const peers = d.reachability.filter((r) => r.site === undefined); // each site's own host: the sites table
  return html`<table><tbody>
<tr><th>Oldest job waiting to be worked</th><td${late ? html` class="bad"` : ''}>${
    waiting === undefined
      ? 'none waiting'
      : `${ago(waiting)} (alert after ${d.pendingAlertMinutes} min)`
  }</td></tr>
<tr><th>Most recent job done</th><td>${
    d.lastDone
      ? html`${when(d.lastDone.opscom?.at ?? d.lastDone.updatedAt)} — ${jobLink(d.lastDone)}
          <span class="mono">${d.lastDone.opscom?.referenceId ?? ''}</span>`
      : 'none yet'
  }</td></tr>
${peers.map(
  (r) =>
    html`<tr>
      <th>${r.name}</th>
      <td class="${r.ok ? 'good' : 'bad'}">${r.ok ? 'reachable' : 'unreachable'}: ${r.detail}</td>
    </tr>`,
)}
</tbody></table>`;
}
