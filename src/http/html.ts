/**
 * The console's template engine: a tagged template that escapes every value put into it,
 * unless the value is itself markup made by `html` (or a list of such). So a plate a driver
 * typed, an error OPSCOM sent back, or any other text renders as text, never as markup: to
 * output markup, a view must build it with `html`, where only the literal parts are markup.
 * Values are escaped for element content and for quoted attribute values (views always quote
 * attributes); URLs are built by `href` from path segments and query values, each encoded.
 */
export class Html {
  private constructor(readonly markup: string) {}

  /** Markup known to be safe: made by `html` from escaped parts. Not for outside text. */
  static trusted(markup: string): Html {
    return new Html(markup);
  }

  toString(): string {
    return this.markup;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.markup;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return Html.trusted(out);
}

/**
 * A console URL: path segments and query values percent-encoded (a session id or a search
 * cannot break out of its place), empty query values left out.
 */
export function href(
  segments: readonly string[],
  query: Record<string, string | number | undefined> = {},
): string {
  const path = `/console${segments.map((s) => `/${encodeURIComponent(s)}`).join('')}`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== '') params.set(k, String(v));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}
