import type { Job } from '../../store/ledger';
import { href, html, type Html } from '../../http/html';
import { actionForm, page, type PageContext } from './layout';
import { jobsTable } from './jobsTable';
import { filterSiteTitle } from './siteNames';
import { NO_SITE, type ConsoleSites } from '../sites';

export interface JobsQuery {
  /** Comma-separated states, as in the URL. */
  state: string;
  q: string;
  failing: boolean;
  /** Only jobs whose permit enforcement does not see as the ledger has it. */
  unseen: boolean;
  /** A site id, NO_SITE, or empty (any site); read only with several sites. */
  site: string;
  page: number;
}

export interface JobsData {
  query: JobsQuery;
  jobs: Job[];
  /** Listed sessions whose permit enforcement does not see: highlighted. */
  unseen: ReadonlySet<string>;
  hasNext: boolean;
  /** Jobs matching the filter that a retry would take (failed/dead ones), up to a cap. */
  retryable: number;
  retryCap: number;
  /** Several sites: the site filter and column. Undefined: one site, nothing about sites. */
  sites?: ConsoleSites | undefined;
}

const queryParams = (q: JobsQuery, pageNo = q.page) => ({
  state: q.state,
  q: q.q,
  failing: q.failing ? '1' : undefined,
  unseen: q.unseen ? '1' : undefined,
  site: q.site || undefined,
  page: pageNo > 1 ? pageNo : undefined,
});

export function jobsPage(ctx: PageContext, d: JobsData): Html {
  const filterText = filterTextOf(d.query, d.sites);
  const siteColumn = d.sites !== undefined && d.query.site === '';
  const body = html`
    ${filterForm(d.query, d.sites)} ${d.retryable > 0 ? html`<p>${retryAllForm(ctx, d)}</p>` : ''}
    ${
      d.jobs.length === 0
        ? html`<p class="muted">No job matches${filterText ? ` ${filterText}` : ''}.</p>`
        : jobsTable(d.jobs, { unseen: d.unseen, sites: d.sites, siteColumn })
    }
    ${pager(d.query, d.hasNext)}
    <h2>Look up a session in Stripe</h2>
    <p class="muted">
      A payment that never reached the adapter: read it from Stripe and replay it (as
      <code>npm run replay -- --session</code>).
    </p>
    ${lookupForm(ctx)}
  `;
  return page(filterText ? `Jobs: ${filterText}` : 'Jobs', ctx, body);
}

/** The filter in words (the page's title and its "no job matches …"), or empty. */
function filterTextOf(q: JobsQuery, sites: ConsoleSites | undefined): string {
  return [
    sites &&
      q.site &&
      (q.site === NO_SITE ? 'of no site' : `site ${filterSiteTitle(q.site, sites)}`),
    q.state && `state ${q.state}`,
    q.q && `“${q.q}”`,
    q.failing && 'with an error',
    q.unseen && 'not seen by enforcement',
  ]
    .filter(Boolean)
    .join(', ');
}

const STATE_CHOICES = [
  '',
  'pending',
  'failed,dead',
  'failed',
  'dead',
  'done',
  'cancelled',
  'awaiting_payment',
  'payment_failed',
];

/** Several sites: a choice of the configured sites, and "no site" (a payment no site matched). */
function siteSelect(q: JobsQuery, sites: ConsoleSites | undefined): Html | string {
  if (!sites) return '';
  const choices = ['', ...sites.ids, NO_SITE];
  // A site no longer configured (typed in the URL) stays shown as the filter it is.
  if (!choices.includes(q.site)) choices.push(q.site);
  return html`<label
    >Site
    <select name="site">
      ${choices.map(
        (s) =>
          html`<option value="${s}" ${s === q.site ? html` selected` : ''}>
            ${filterSiteTitle(s, sites)}
          </option>`,
      )}
    </select></label
  >`;
}

function filterForm(q: JobsQuery, sites: ConsoleSites | undefined): Html {
  return html`<form method="get" action="${href(['jobs'])}">
    <label
      >State
      <select name="state">
        ${STATE_CHOICES.map(
          (s) =>
            html`<option value="${s}" ${s === q.state ? html` selected` : ''}>
              ${s === '' ? 'any' : s}
            </option>`,
        )}
      </select></label
    >
    ${siteSelect(q, sites)}
    <label
      >Search
      <input
        type="search"
        name="q"
        value="${q.q}"
        placeholder="plate, cs_…, pi_…, OPSCOM reference"
    /></label>
    <label
      ><input type="checkbox" name="unseen" value="1" ${q.unseen ? html` checked` : ''} /> Not seen
      by enforcement</label
    >
    <button type="submit">Filter</button>
  </form>`;
}

function retryAllForm(ctx: PageContext, d: JobsData): Html {
  const count = d.retryable >= d.retryCap ? `${d.retryCap}+` : d.retryable;
  const label = `Retry all ${count} failed or dead jobs matching…`;
  return actionForm(ctx, href(['actions', 'retry-matching']), label, {
    state: d.query.state,
    q: d.query.q,
    ...(d.sites && d.query.site ? { site: d.query.site } : {}),
  });
}

function pager(q: JobsQuery, hasNext: boolean): Html {
  return html`<p>
    ${q.page > 1 ? html`<a href="${href(['jobs'], queryParams(q, q.page - 1))}">← newer</a> ` : ''}page
    ${q.page}${
      hasNext ? html` <a href="${href(['jobs'], queryParams(q, q.page + 1))}">older →</a>` : ''
    }
  </p>`;
}

function lookupForm(ctx: PageContext): Html {
  return html`<form method="post" action="${href(['actions', 'lookup'])}">
    <input type="hidden" name="_csrf" value="${ctx.csrf}" />
    <input
      type="text"
      name="session"
      placeholder="cs_…"
      pattern="cs_\\w+"
      required
      size="40"
      aria-label="Checkout Session id"
    />
    <button type="submit">Look up and replay</button>
  </form>`;
}
