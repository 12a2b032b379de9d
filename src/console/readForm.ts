import type { RequestHandler } from 'express';
import { RequestRefusedError } from '../errors';
import type { BodyBudget } from '../http/bodyBudget';
import { readBody } from '../http/readBody';
import { answerRefusal } from '../http/refusalResponse';
import type { Refusals } from '../http/refusals';

/** The console's forms are a few fields: a correction, a search, a confirmation. */
export const FORM_LIMIT = 16 * 1024;
export const MAX_FIELDS = 20;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a console form (for the POSTs, after the login) into `req.body`: its fields, the first
 * value of each, in an object with no prototype. What is not a UTF-8 urlencoded form of at most
 * FORM_LIMIT bytes and MAX_FIELDS fields is refused with a 4xx and its reason, counted and
 * logged (bounded); the body shares the process's body budget (http/bodyBudget.ts).
 */
export function readForm(budget: BodyBudget, refusals: Refusals): RequestHandler {
  return async (req, res, next) => {
    try {
      const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/x-www-form-urlencoded') {
        throw new RequestRefusedError(415, 'bad_form', 'the console takes its own forms only');
      }
      const raw = await readBody(req, { limit: FORM_LIMIT, budget });
      let text: string;
      try {
        text = UTF8.decode(raw);
      } catch {
        throw new RequestRefusedError(400, 'bad_charset', 'the form is not UTF-8');
      }
      const fields = Object.create(null) as Record<string, string>;
      let count = 0;
      for (const [name, value] of new URLSearchParams(text)) {
        if (++count > MAX_FIELDS) {
          throw new RequestRefusedError(400, 'bad_form', `a form has at most ${MAX_FIELDS} fields`);
        }
        fields[name] ??= value;
      }
      req.body = fields;
      next();
    } catch (err) {
      if (!(err instanceof RequestRefusedError)) {
        next(err);
        return;
      }
      refusals.refused('other', err.reason, { error: err.message, ip: req.ip });
      answerRefusal(req, res, err, 'text');
    }
  };
}
