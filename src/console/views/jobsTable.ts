import type { Job } from '../../store/ledger';
import { href, html, type Html } from '../../http/html';
import type { ConsoleSites } from '../sites';
import { scrolling, stateBadge } from './layout';
import { plateOf } from './overview';
import { jobSiteCell, siteOfJob } from './siteNames';
import { permitInstant, stamp } from './times';

export interface JobsTableOptions {
  /** Listed sessions whose permit enforcement does not see: highlighted. */
  unseen: ReadonlySet<string>;
  /** Several sites: each job's site (its timezone shows its permit's end). */
  sites: ConsoleSites | undefined;
  /** The Site column; left out when the list is one site's (the filter names it). */
  siteColumn: boolean;
}

/** The jobs list's table: ids and plates on one line; it scrolls sideways on a phone. */
export function jobsTable(jobs: readonly Job[], options: JobsTableOptions): Html {
  return scrolling(
    html`<table class="wide">
      <thead>
        <tr>
          <th>Session</th>
          ${options.siteColumn ? html`<th>Site</th>` : ''}
          <th>State</th>
          <th>Plate</th>
          <th>OPSCOM reference</th>
          <th>Permit ends</th>
          <th>Last change</th>
          <th>Last error</th>
        </tr>
      </thead>
      <tbody>
        ${jobs.map((j) => jobRow(j, options))}
      </tbody>
    </table>`,
  );
}

function jobRow(j: Job, { unseen, sites, siteColumn }: JobsTableOptions): Html {
  const isUnseen = unseen.has(j.sessionId);
  const ends = j.live?.endsAt ?? j.opscom?.endsAt;
  const zone = sites ? siteOfJob(j.site, sites)?.opscom.timezone : undefined;
  return html`<tr class="${isUnseen ? 'unseen' : ''}">
    <td>
      <a class="mono nowrap" href="${href(['jobs', j.sessionId])}">${j.sessionId}</a>
    </td>
    ${siteColumn && sites ? html`<td class="site">${jobSiteCell(j.site, sites)}</td>` : ''}
    <td>
      ${stateBadge(j.state)}${isUnseen ? html` <span class="bad">not seen by enforcement</span>` : ''}${j.live && j.live.status !== 'active' ? html` <span class="muted">${j.live.status}</span>` : ''}
    </td>
    <td class="mono nowrap">${plateOf(j)}</td>
    <td class="mono nowrap">${j.opscom?.referenceId ?? ''}</td>
    <td>${ends ? permitInstant(ends, zone) : ''}</td>
    <td>${stamp(j.updatedAt)}</td>
    <td class="text">${j.lastError ?? ''}</td>
  </tr>`;
}
