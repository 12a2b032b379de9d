import type { Job } from '../../store/ledger';
import { href, html, type Html } from '../../http/html';
import { actionForm, page, stateBadge, when, type PageContext } from './layout';
import { plateOf } from './overview';

export interface JobsQuery {
  /** Comma-separated states, as in the URL. */
  state: string;
  q: string;
  failing: boolean;
  /** Only jobs whose permit enforcement does not see as the ledger has it. */
  unseen: boolean;
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
}

const queryParams = (q: JobsQuery, pageNo = q.page) => ({
  state: q.state,
  q: q.q,
  failing: q.failing ? '1' : undefined,
  unseen: q.unseen ? '1' : undefined,
  page: pageNo > 1 ? pageNo : undefined,
});

export function jobsPage(ctx: PageContext, d: JobsData): Html {
  const q = d.query;
  const filterText = [
    q.state && `state ${q.state}`,
    q.q && `“${q.q}”`,
    q.failing && 'with an error',
    q.unseen && 'not seen by enforcement',
  ]
    .filter(Boolean)
    .join(', ');
  const body = html`
    <form method="get" action="${href(['jobs'])}">
      <label
        >State
        <select name="state">
          ${[
            '',
            'pending',
            'failed,dead',
            'failed',
            'dead',
            'done',
            'cancelled',
            'awaiting_payment',
            'payment_failed',
          ].map(
            (s) =>
              html`<option value="${s}" ${s === q.state ? html` selected` : ''}>
                ${s === '' ? 'any' : s}
              </option>`,
          )}
        </select></label
      >
      <label
        >Search
        <input
          type="search"
          name="q"
          value="${q.q}"
          placeholder="plate, cs_…, pi_…, OPSCOM reference"
      /></label>
      <label
        ><input type="checkbox" name="unseen" value="1" ${q.unseen ? html` checked` : ''} /> Not
        seen by enforcement</label
      >
      <button type="submit">Filter</button>
    </form>
    ${
      d.retryable > 0
        ? html`<p>
            ${actionForm(ctx, href(['actions', 'retry-matching']), `Retry all ${d.retryable >= d.retryCap ? `${d.retryCap}+` : d.retryable} failed or dead jobs matching…`, { state: q.state, q: q.q })}
          </p>`
        : ''
    }
    ${
      d.jobs.length === 0
        ? html`<p class="muted">No job matches${filterText ? ` ${filterText}` : ''}.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>Session</th>
                <th>State</th>
                <th>Plate</th>
                <th>OPSCOM reference</th>
                <th>Permit ends</th>
                <th>Last change</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              ${d.jobs.map(
                (j) =>
                  html`<tr class="${d.unseen.has(j.sessionId) ? 'unseen' : ''}">
                    <td>
                      <a class="mono" href="${href(['jobs', j.sessionId])}">${j.sessionId}</a>
                    </td>
                    <td>
                      ${stateBadge(j.state)}${d.unseen.has(j.sessionId) ? html` <span class="bad">not seen by enforcement</span>` : ''}${j.live && j.live.status !== 'active' ? html` <span class="muted">${j.live.status}</span>` : ''}
                    </td>
                    <td class="mono">${plateOf(j)}</td>
                    <td class="mono">${j.opscom?.referenceId ?? ''}</td>
                    <td>${j.live?.endsAt ?? j.opscom?.endsAt ?? ''}</td>
                    <td>${when(j.updatedAt)}</td>
                    <td>${j.lastError ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <p>
      ${q.page > 1 ? html`<a href="${href(['jobs'], queryParams(q, q.page - 1))}">← newer</a> ` : ''}page
      ${q.page}${
        d.hasNext ? html` <a href="${href(['jobs'], queryParams(q, q.page + 1))}">older →</a>` : ''
      }
    </p>
    <h2>Look up a session in Stripe</h2>
    <p class="muted">
      A payment that never reached the adapter: read it from Stripe and replay it (as
      <code>npm run replay -- --session</code>).
    </p>
    <form method="post" action="${href(['actions', 'lookup'])}">
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
    </form>
  `;
  return page(filterText ? `Jobs: ${filterText}` : 'Jobs', ctx, body);
}
