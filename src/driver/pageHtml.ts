import { html, type Html } from '../http/html';
import { contactHtml } from './contactHtml';
import type { DriverView } from './driverView';
import { TEXT, whenText, type Language, type PageText } from './pageText';

/**
 * Who the driver can ask (OPERATOR_NAME, SUPPORT_CONTACT; a site's own `name` and `support`),
 * shown on every page.
 */
export interface Operator {
  name: string;
  support: string | undefined;
}

export interface PageOptions {
  lang: Language;
  operator: Operator;
  timezone: string;
  nowMs: number;
  /** Seconds before the page reloads itself (a `refresh` meta: no script); none when final. */
  refreshSeconds: number | undefined;
}

/** The page for a person on a phone: one state, the permit's facts, large type, no script. */
export function permitPage(view: DriverView, options: PageOptions): Html {
  const text = TEXT[options.lang];
  const state = text.states[view.state];
  const until = view.endsAt
    ? whenText(view.endsAt, options.nowMs, options.timezone, options.lang)
    : '';
  const body = state.body.replace('{until}', until);
  const row = (label: string, value: string | null) =>
    value
      ? html`<div class="row">
          <dt>${label}</dt>
          <dd>${value}</dd>
        </div>`
      : html``;
  const when = (iso: string | null) =>
    iso ? whenText(iso, options.nowMs, options.timezone, options.lang) : null;
  const facts = html`<dl>
    ${row(text.labels.plate, view.plate)} ${row(text.labels.zone, view.zone)}
    ${row(text.labels.starts, when(view.startsAt))}
    ${
      view.state === 'active' || view.state === 'on_its_way' || view.state === 'waiting_bank'
        ? row(text.labels.ends, when(view.endsAt))
        : html``
    }
    ${row(text.labels.reference, view.referenceId)}
    ${row(text.labels.amount, view.amount && view.currency ? money(view.amount, view.currency, options.lang) : null)}
  </dl>`;
  return layout(
    text,
    options,
    html`<main class="state-${view.state}">
      <p class="badge">${options.operator.name}</p>
      <h1>${state.heading}</h1>
      <p class="lead">${body}</p>
      ${facts}
      ${options.refreshSeconds !== undefined ? html`<p class="note">${text.refreshing}</p>` : html``}
    </main>`,
  );
}

/** `14.50 CAD` in English, `14,50 CAD` in French (a decimal comma, as Quebec writes it). */
function money(amount: string, currency: string, lang: PageOptions['lang']): string {
  return `${lang === 'fr' ? amount.replace('.', ',') : amount} ${currency}`;
}

/** A page with no permit on it: not found, too many requests, Stripe unreachable. */
export function messagePage(
  which: 'notFound' | 'tooMany' | 'unavailable',
  options: PageOptions,
): Html {
  const text = TEXT[options.lang];
  const message = text[which];
  return layout(
    text,
    options,
    html`<main class="state-message">
      <p class="badge">${options.operator.name}</p>
      <h1>${message.heading}</h1>
      <p class="lead">${message.body}</p>
    </main>`,
  );
}

function layout(text: PageText, options: PageOptions, main: Html): Html {
  const { operator, refreshSeconds } = options;
  return html`<!doctype html>
    <html lang="${options.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        ${refreshSeconds !== undefined ? html`<meta http-equiv="refresh" content="${refreshSeconds}" />` : html``}
        <title>${text.title} · ${operator.name}</title>
        <link rel="stylesheet" href="/permit/style.css" />
      </head>
      <body>
        ${main}
        <footer>
          ${operator.support ? html`${text.support} ${contactHtml(operator.support)}` : html``}
        </footer>
      </body>
    </html>`;
}

/** Large type, high contrast (a phone in the sun), one column. */
export const DRIVER_STYLESHEET = `
*{box-sizing:border-box}
html{font-size:20px}
body{margin:0;font:1rem/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff}
main{max-width:34rem;margin:0 auto;padding:1.25rem}
.badge{margin:0 0 .5rem;font-size:.9rem;letter-spacing:.04em;text-transform:uppercase;color:#444}
h1{margin:.25rem 0 .5rem;font-size:1.9rem;line-height:1.15}
.lead{margin:0 0 1.25rem;font-size:1.2rem}
dl{margin:0;border-top:2px solid #111}
.row{display:flex;justify-content:space-between;gap:1rem;padding:.6rem 0;border-bottom:1px solid #bbb}
dt{color:#444}
dd{margin:0;font-weight:700;text-align:right;overflow-wrap:anywhere}
.state-active h1{color:#0a5d1e}
.state-on_its_way h1,.state-waiting_bank h1{color:#0b3d91}
.state-not_made h1,.state-payment_failed h1,.state-removed h1{color:#9b1c1c}
.state-ended h1{color:#444}
.note{font-size:1rem;color:#444}
footer{max-width:34rem;margin:0 auto;padding:0 1.25rem 1.5rem;font-size:1rem;color:#444}
footer a{color:#0b3d91;font-weight:700}
.phone{white-space:nowrap}
.email{overflow-wrap:anywhere}
`;
