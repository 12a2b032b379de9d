import type { Verification } from '../../store/verificationLedger';
import { UNSEEN_STATES } from '../../store/verificationLedger';
import { href, html, type Html } from '../../http/html';
import { actionForm, scrolling, when, type PageContext } from './layout';

const WORDS: Record<Verification['state'], string> = {
  scheduled: 'not checked yet since it was made or changed',
  visible: 'enforcement sees it',
  not_visible: 'enforcement cannot see it (twice in a row): the driver may be ticketed',
  gone: 'deleted or ended, and enforcement no longer shows it',
  still_visible: 'deleted or ended, yet enforcement still shows it',
  accepted: 'not seen by enforcement, accepted by an operator',
  over: 'its time is over: no longer checked',
};

/** The job page's "Seen by enforcement": the last check, what OPSCOM showed, the choices. */
export function seenSection(
  ctx: PageContext,
  sessionId: string,
  v: Verification | undefined,
): Html {
  if (!v) return html``;
  const unseen = UNSEEN_STATES.includes(v.state);
  const url = (name: string) => href(['jobs', sessionId, name]);
  return html`<h2>Seen by enforcement</h2>
    ${scrolling(
      html`<table class="${unseen ? 'unseen' : ''}">
        <tbody>
          <tr>
            <th>Now</th>
            <td class="${unseen ? 'bad' : ''}">${WORDS[v.state]}</td>
          </tr>
          <tr>
            <th>Last check</th>
            <td>
              ${v.lastCheckedAt ? `${when(v.lastCheckedAt)}: ${v.lastResult ?? ''}` : 'none yet'}
              (${v.checks}
              checks)${v.lastError ? html` <span class="bad">${v.lastError}</span>` : ''}
            </td>
          </tr>
          <tr>
            <th>OPSCOM showed</th>
            <td class="mono wrap-any">${v.lastSeen ?? '—'}</td>
          </tr>
          ${
            v.decision
              ? html`<tr>
                  <th>Decided</th>
                  <td>
                    ${v.decision.replace('_', ' ')} by ${v.decidedBy ?? '?'}, ${when(v.decidedAt)}
                  </td>
                </tr>`
              : ''
          }
        </tbody>
      </table>`,
    )}
    ${
      v.state === 'not_visible'
        ? html`<p>
              ${actionForm(ctx, url('push-again'), 'Push it again')}
              ${actionForm(ctx, url('accept-unseen'), 'Accept (staff removed it on purpose)', {}, { danger: true })}
            </p>
            <p class="muted">
              Push again goes through the worker: an update of the same OPSCOM reference if
              enforcement still shows the plate with another end, a new permit if it shows nothing.
              A zone no lot uses stays unseen: correct the zone instead.
            </p>`
        : ''
    }`;
}
