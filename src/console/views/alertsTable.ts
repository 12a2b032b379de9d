import type { Alert } from '../../store/ledger';
import { href, html, type Html } from '../../http/html';
import { when } from './layout';

/**
 * The open alerts, newest first, each linking to its job when it is about one. `sites` (several
 * sites: alert key → its site's label) adds the column naming each alert's site.
 */
export function alertsTable(
  alerts: readonly Alert[],
  sites: ReadonlyMap<string, string> | undefined,
): Html {
  if (alerts.length === 0) return html`<p class="muted">None.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th>Since</th>
        ${sites ? html`<th>Site</th>` : ''}
        <th>Alert</th>
      </tr>
    </thead>
    <tbody>
      ${alerts.map(
        (a) =>
          html`<tr>
            <td>${when(a.openedAt)}</td>
            ${sites ? siteCell(sites.get(a.key) ?? '') : ''}
            <td>
              ${a.sessionId ? html`<a href="${href(['jobs', a.sessionId])}">${a.message}</a>` : a.message}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function siteCell(label: string): Html {
  return label === '' ? html`<td class="site muted">—</td>` : html`<td class="site">${label}</td>`;
}
