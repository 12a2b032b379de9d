import { href, html, type Html } from '../../http/html';

/** The console's stylesheet, served at /console/style.css (the CSP allows no inline style). */
export const STYLESHEET = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2329;background:#f6f7f9}
header{background:#1d2329;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header strong{margin-right:1rem}
header form{margin-left:auto}header .muted{color:#b9c1c9}main{padding:1rem 1.2rem;max-width:72rem}
h1{font-size:1.3rem;margin:.2rem 0 1rem;overflow-wrap:anywhere}h2{font-size:1.05rem;margin:1.4rem 0 .5rem}
table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:.6rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{background:#eef0f3;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,Menlo,monospace;font-size:12.5px;overflow-wrap:break-word}
.nowrap{white-space:nowrap}.wrap-any{overflow-wrap:anywhere}
.scroll{overflow-x:auto;position:relative;margin-bottom:.6rem}.scroll>table{margin-bottom:0}
.scroll>table.wide{min-width:48rem}td.site{min-width:9rem}td.text{min-width:12rem}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
a.target{display:inline-block;box-sizing:border-box;min-width:24px;min-height:24px;padding:.15rem .45rem}
@media (max-width:48rem){main>table{display:block;overflow-x:auto}}
.cards{display:flex;gap:.8rem;flex-wrap:wrap}.card{background:#fff;border:1px solid #e3e6ea;padding:.7rem 1rem;min-width:10rem}
.card b{display:block;font-size:1.4rem}.state{padding:.05rem .45rem;border-radius:.6rem;font-size:12px;background:#e3e6ea}
.state-done{background:#d6f0dc}.state-failed,.state-dead{background:#f8d3d0}.state-pending{background:#fcefc7}
.bad{color:#a4161a}.good{color:#1b6e35}.muted{color:#5c6670}
.notice{background:#fff;border-left:4px solid #2864c7;padding:.6rem 1rem;margin:0 0 1rem}
.notice.bad{border-color:#a4161a}form.inline{display:inline}
input[type=text],input[type=search],select{padding:.3rem .4rem;border:1px solid #c4c9cf;font:inherit;max-width:100%}
select{max-width:min(100%,28rem)}
button{padding:.3rem .8rem;font:inherit;cursor:pointer;border:1px solid #8a949e;background:#fff}
button.danger{border-color:#a4161a;color:#a4161a}fieldset{border:1px solid #e3e6ea;background:#fff;margin:0 0 1rem}
ol.timeline{list-style:none;padding:0}ol.timeline li{background:#fff;border-left:4px solid #c4c9cf;padding:.4rem .8rem;margin-bottom:.3rem}
ol.timeline li.bad{border-color:#a4161a;color:inherit}ol.timeline li.good{border-color:#1b6e35;color:inherit}
tr.unseen td,table.unseen td,tr.paused td,tr.paused th{background:#fdecea}
`;

export interface PageContext {
  user: string;
  csrf: string;
}

/** A whole console page: header with the sections and the search, then `body`. */
export function page(title: string, ctx: PageContext, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · OPSCOM adapter</title>
        <link rel="stylesheet" href="/console/style.css" />
      </head>
      <body>
        <header>
          <strong>OPSCOM adapter</strong>
          <a href="${href([])}">Overview</a>
          <a href="${href(['jobs'])}">Jobs</a>
          <a href="${href(['jobs'], { state: 'failed,dead' })}">Failed</a>
          <a href="${href(['jobs'], { state: 'pending' })}">Pending</a>
          <form method="get" action="${href(['jobs'])}" role="search">
            <input
              type="search"
              name="q"
              placeholder="plate, cs_…, pi_…, OPSCOM reference"
              aria-label="Search jobs"
              size="34"
            />
            <button type="submit">Search</button>
          </form>
          <span class="muted">signed in as ${ctx.user}</span>
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html> `;
}

/** A POST form to a console action, with the CSRF token; `fields` are hidden inputs. */
export function actionForm(
  ctx: PageContext,
  action: string,
  label: string,
  fields: Record<string, string> = {},
  options: { danger?: boolean; inline?: boolean } = {},
): Html {
  return html`<form
    method="post"
    action="${action}"
    ${options.inline === false ? '' : html` class="inline"`}
  >
    <input type="hidden" name="_csrf" value="${ctx.csrf}" />
    ${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
    <button type="submit" ${options.danger ? html` class="danger"` : ''}>${label}</button>
  </form>`;
}

/**
 * A table that scrolls sideways inside its own box when it is wider than the page (a phone):
 * the page itself, and its header, keep the screen's width.
 */
export function scrolling(table: Html): Html {
  // Positioned: what it holds that is positioned (a visually hidden name) scrolls with it.
  return html`<div class="scroll">${table}</div>`;
}

export function stateBadge(state: string): Html {
  return html`<span class="state state-${state}">${state}</span>`;
}

/** Unix ms → `2026-11-29 10:42:07 UTC`, or a dash. */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** A duration in words: 42 s, 7 min, 3 h 5 min. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
