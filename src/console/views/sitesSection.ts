import { href, html, type Html } from '../../http/html';
import type { SiteHealth } from '../../worker/siteGate';
import { scrolling, when } from './layout';
import { siteTitle } from './siteNames';

/** One configured site as the overview shows it: the worker's view of it, when known here. */
export interface SiteRow {
  id: string;
  /** Its name in the sites file, if it has one: the row reads `Name (id)`. */
  name?: string | undefined;
  health: SiteHealth | undefined;
  /** Its failed or dead and its pending jobs, each counted up to SITE_COUNT_CAP; unknown: none shown. */
  counts?: { failed: number; pending: number } | undefined;
}

/** Each site's counts stop here (a capped count is cheap; the link lists them all). */
export const SITE_COUNT_CAP = 1000;

export interface SitesOverview {
  rows: SiteRow[];
  /** False in a process without a worker: health is the worker's, not the ledger's. */
  known: boolean;
}

/** A probe of a site's OPSCOM host (the overview's reachability entries with a `site`). */
export interface SiteReachability {
  site?: string | undefined;
  ok: boolean;
  detail: string;
}

/**
 * Several sites: each one's health (paused until…, failures in a row, jobs in flight), whether
 * its OPSCOM host answers (`reachability`: the entries naming a site), and its jobs.
 */
export function sitesSection(
  sites: SitesOverview | undefined,
  reachability: readonly SiteReachability[] = [],
): Html | string {
  if (!sites) return '';
  const probes = new Map(reachability.flatMap((r) => (r.site === undefined ? [] : [[r.site, r]])));
  const hostColumn = probes.size > 0;
  return html`<h2>Sites</h2>
    ${
      sites.known
        ? ''
        : html`<p class="muted">
            No worker runs in this process: each site's health is known to the worker's.
          </p>`
    }
    ${scrolling(
      html`<table class="wide">
        <thead>
          <tr>
            <th>Site</th>
            <th>OPSCOM</th>
            <th>Failures in a row</th>
            <th>Jobs in flight</th>
            ${hostColumn ? html`<th>OPSCOM host</th>` : ''}
            <th>Jobs</th>
          </tr>
        </thead>
        <tbody>
          ${sites.rows.map((row) => siteRow(row, hostColumn ? probes : undefined))}
        </tbody>
      </table>`,
    )}`;
}

function siteRow(
  { id, name, health, counts }: SiteRow,
  probes: ReadonlyMap<string, SiteReachability> | undefined,
): Html {
  const paused = health?.pausedUntil !== undefined;
  const title = siteTitle(id, name);
  return html`<tr class="${paused ? 'paused' : ''}">
    <th>${title}</th>
    ${healthCell(health)}
    <td class="num">${health ? health.failuresInARow : '—'}</td>
    <td class="num">${health ? health.inFlight : '—'}</td>
    ${probes ? hostCell(probes.get(id)) : ''}
    <td class="nowrap">${jobLinks(id, title, counts)}</td>
  </tr>`;
}

/** Links to the site's jobs: targets of at least 24 px, each named with its site for a reader. */
function jobLinks(id: string, title: string, counts: SiteRow['counts']): Html {
  const link = (word: string, more: string, state?: string, count?: number) =>
    html`<a class="target" href="${href(['jobs'], { site: id, state })}"
      >${word}<span class="vh">${more} jobs of ${title}</span>${
        count === undefined ? '' : ` (${countText(count)})`
      }</a
    >`;
  return html`${link('all', '')} ${link('failed', ' or dead', 'failed,dead', counts?.failed)}
  ${link('pending', '', 'pending', counts?.pending)}`;
}

const countText = (n: number) => (n >= SITE_COUNT_CAP ? `${SITE_COUNT_CAP}+` : String(n));

function healthCell(health: SiteHealth | undefined): Html {
  if (!health) return html`<td class="muted">not known here</td>`;
  if (health.pausedUntil !== undefined) {
    // Paused as a whole: its calls all failed; one probe at a time once the pause is over.
    return html`<td class="bad">paused until ${when(health.pausedUntil)}</td>`;
  }
  if (health.failuresInARow > 0) return html`<td class="bad">failing</td>`;
  return html`<td class="good">working</td>`;
}

/** Whether the site's OPSCOM host answers at all (a HEAD request: network and TLS). */
function hostCell(probe: SiteReachability | undefined): Html {
  if (!probe) return html`<td class="muted">not probed</td>`;
  const word = probe.ok ? 'reachable' : 'unreachable';
  return html`<td class="${probe.ok ? 'good' : 'bad'}">${word}: ${probe.detail}</td>`;
}
