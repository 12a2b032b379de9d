import type { SessionOutcome } from '../../replay/outcome';
import { href, html, type Html } from '../../http/html';
import { actionForm, page, scrolling, type PageContext } from './layout';
import { permitInstant } from './times';

/** What an action did, session by session. */
export function resultPage(
  ctx: PageContext,
  title: string,
  outcomes: SessionOutcome[],
  note?: string,
): Html {
  const failed = outcomes.some((o) => o.outcome === 'failed');
  const body = html` ${note ? html`<p class="notice">${note}</p>` : ''}
    ${scrolling(
      html`<table class="wide">
        <thead>
          <tr>
            <th>Session</th>
            <th>Outcome</th>
            <th>Plate</th>
            <th>OPSCOM reference</th>
            <th>Ends</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          ${outcomes.map(
            (o) =>
              html`<tr>
                <td>
                  <a class="mono nowrap" href="${href(['jobs', o.sessionId])}">${o.sessionId}</a>
                </td>
                <td class="${o.outcome === 'failed' ? 'bad' : 'good'}">${o.outcome}</td>
                <td class="mono nowrap">${o.plate ?? ''}</td>
                <td class="mono nowrap">${o.referenceId ?? ''}</td>
                <td>${o.endsAt ? permitInstant(o.endsAt) : ''}</td>
                <td>${o.detail ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>`,
    )}
    ${failed ? html`<p class="bad">Something failed: the reason is in the table; the job page has the whole timeline.</p>` : ''}
    <p><a href="${href([])}">Back to the overview</a></p>`;
  return page(title, ctx, body);
}

/** A question before a destructive or bulk action: the same form again, with `confirm`. */
export function confirmPage(
  ctx: PageContext,
  title: string,
  question: string,
  action: string,
  fields: Record<string, string>,
  cancel: string,
): Html {
  return page(
    title,
    ctx,
    html`<p class="notice bad">${question}</p>
      <p>
        ${actionForm(ctx, action, 'Yes, do it', { ...fields, confirm: 'yes' }, { danger: true })}
        <a href="${cancel}">Cancel</a>
      </p>`,
  );
}

/** A message page (not found, refused input), with a way back. */
export function messagePage(ctx: PageContext, title: string, message: string, back: string): Html {
  return page(
    title,
    ctx,
    html`<p class="notice bad">${message}</p>
      <p><a href="${back}">Back</a></p>`,
  );
}
