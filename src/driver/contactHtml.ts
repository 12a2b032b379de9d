import { html, type Html, type HtmlValue } from '../http/html';

// A phone number as people write it (+1 555-0100, (613) 555.0100) or an e-mail address.
const CONTACT = /(\+?\(?\d[\d ().-]{5,}\d)|([\w.%+-]+@[A-Za-z\d.-]+\.[A-Za-z]{2,})/g;

/**
 * SUPPORT_CONTACT (or a site's `support`) as markup: each phone number in it a `tel:` link
 * that never wraps (not at a hyphen, not at a space), each e-mail a `mailto:` link, the rest
 * as text. Links only: the page has no script.
 */
export function contactHtml(contact: string): Html {
  // Text is escaped as it is put in: only the links are markup.
  const parts: HtmlValue[] = [];
  let last = 0;
  for (const match of contact.matchAll(CONTACT)) {
    const [found, phone, email] = match;
    const link =
      phone !== undefined ? phoneLink(phone) : email !== undefined ? mailLink(email) : null;
    if (link === null) continue;
    parts.push(contact.slice(last, match.index), link);
    last = match.index + found.length;
  }
  parts.push(contact.slice(last));
  return html`${parts}`;
}

/** A number of 7 to 15 digits (E.164's longest) as a link; anything else stays text. */
function phoneLink(written: string): Html | null {
  const digits = written.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return null;
  const tel = `${written.startsWith('+') ? '+' : ''}${digits}`;
  return html`<a class="phone" href="tel:${tel}">${written}</a>`;
}

function mailLink(address: string): Html {
  return html`<a class="email" href="mailto:${address}">${address}</a>`;
}
