import { href, html, type Html } from '../../http/html';
import type { SiteHealth } from '../../worker/siteGate';
import { when } from './layout';

/** One configured site as the overview shows it: the worker's view of it, when known here. */
export interface SiteRow {
  id: string;
  health: SiteHealth | undefined;
}

export interface SitesOverview {
  rows: SiteRow[];
  /** False in a process without a worker: health is the worker's, not the ledger's. */
  known: boolean;
}

/** Several sites: each one's health (paused until…, failures in a row, jobs in flight). */
export function sitesSection(sites: SitesOverview | undefined): Html | string {
  if (!sites) return '';
  return html`<h2>Sites</h2>
    ${
      sites.known
        ? ''
        : html`<p class="muted">
            No worker runs in this process: each site's health is known to the worker's.
          </p>`
    }
    <table>
      <thead>
        <tr>
          <th>Site</th>
          <th>OPSCOM</th>
          <th>Failures in a row</th>
          <th>Jobs in flight</th>
          <th>Jobs</th>
        </tr>
      </thead>
      <tbody>
        ${sites.rows.map(siteRow)}
      </tbody>
    </table>`;
}

function siteRow({ id, health }: SiteRow): Html {
  const paused = health?.pausedUntil !== undefined;
  return html`<tr class="${paused ? 'paused' : ''}">
    <th>${id}</th>
    ${healthCell(health)}
    <td class="num">${health ? health.failuresInARow : '—'}</td>
    <td class="num">${health ? health.inFlight : '—'}</td>
    <td>
      <a href="${href(['jobs'], { site: id })}">all</a>
      <a href="${href(['jobs'], { site: id, state: 'failed,dead' })}">failed</a>
      <a href="${href(['jobs'], { site: id, state: 'pending' })}">pending</a>
    </td>
  </tr>`;
}

function healthCell(health: SiteHealth | undefined): Html {
  if (!health) return html`<td class="muted">not known here</td>`;
  if (health.pausedUntil !== undefined) {
    // Paused as a whole: its calls all failed; one probe at a time once the pause is over.
    return html`<td class="bad">paused until ${when(health.pausedUntil)}</td>`;
  }
  if (health.failuresInARow > 0) return html`<td class="bad">failing</td>`;
  return html`<td class="good">working</td>`;
}
