import { html, type Html } from '../../http/html';
import type { Site } from '../../sites/site';
import { NO_SITE, siteLabel, type ConsoleSites } from '../sites';

/** A site as an operator reads it: `Name (id)` when the sites file names it, else its id. */
export function siteTitle(id: string, name: string | undefined): string {
  return name ? `${name} (${id})` : id;
}

/** The configured site a job's stored site means; undefined: no site, or one since removed. */
export function siteOfJob(stored: string | null, sites: ConsoleSites): Site | undefined {
  return stored === null ? undefined : sites.known.byId.get(siteLabel(stored, sites));
}

/** A job's site in words: `Name (id)`, its id, or `no site`. */
export function jobSiteTitle(stored: string | null, sites: ConsoleSites): string {
  return siteTitle(siteLabel(stored, sites), siteOfJob(stored, sites)?.name);
}

/** A value of the jobs' site filter in words (`any`, `no site`, or the site's title). */
export function filterSiteTitle(value: string, sites: ConsoleSites): string {
  if (value === '') return 'any';
  if (value === NO_SITE) return 'no site';
  return siteTitle(value, sites.known.byId.get(value)?.name);
}

/** A job's site in a table's cell: its name, then its id, quieter; or just the id. */
export function jobSiteCell(stored: string | null, sites: ConsoleSites): Html | string {
  const id = siteLabel(stored, sites);
  const name = siteOfJob(stored, sites)?.name;
  return name ? html`${name} <span class="muted">(${id})</span>` : id;
}
