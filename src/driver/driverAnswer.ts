import type { Request, Response } from 'express';
import type { MappingOptions } from '../domain/mapSession';
import type { DriverView } from './driverView';
import { messagePage, permitPage, type Operator } from './pageHtml';
import { chooseLanguage, type Language } from './pageText';

export interface AnswerDeps {
  operator: Operator;
  mapping: MappingOptions;
  now: () => number;
}

/** How the driver asked: in which language, and for HTML or (Accept: application/json) JSON. */
export interface Asked {
  lang: Language;
  json: boolean;
}

export type MessageKind = 'notFound' | 'tooMany' | 'unavailable';

export function askedOf(req: Request): Asked {
  return {
    lang: chooseLanguage(req.get('accept-language'), req.query['lang']),
    json: req.accepts(['html', 'json']) === 'json',
  };
}

/** The page's headers: no script, no framing, no referrer, not indexed, never cached. */
export function setDriverHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy':
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex, nofollow',
    'Cache-Control': 'no-store',
    Vary: 'Accept, Accept-Language',
  });
}

/** An answer with no permit in it (not found, wait, Stripe unreachable). */
export function sendMessage(
  deps: AnswerDeps,
  res: Response,
  status: number,
  which: MessageKind,
  asked: Asked,
  refreshSeconds?: number,
): void {
  if (asked.json) {
    res.status(status).json({ error: which === 'notFound' ? 'not found' : which });
    return;
  }
  const page = messagePage(which, { ...pageOptions(deps, asked.lang), refreshSeconds });
  res.status(status).type('html').send(page.markup);
}

export function sendView(deps: AnswerDeps, res: Response, view: DriverView, asked: Asked): void {
  if (asked.json) {
    res.status(200).json(view);
    return;
  }
  const options = { ...pageOptions(deps, asked.lang), refreshSeconds: refreshOf(view) };
  res.status(200).type('html').send(permitPage(view, options).markup);
}

function pageOptions(deps: AnswerDeps, lang: Language) {
  return { lang, operator: deps.operator, timezone: deps.mapping.timezone, nowMs: deps.now() };
}

/** Seconds before the page reloads itself: soon while on its way, none once final. */
function refreshOf(view: DriverView): number | undefined {
  if (view.final) return undefined;
  if (view.state === 'waiting_bank') return 60;
  return view.state === 'on_its_way' ? 3 : 5;
}
