import type { Request, Response } from 'express';
import { href, type Html } from '../../http/html';
import type { ReplayAsk } from '../../replay/replayService';
import type { ConsoleDeps } from '../consoleDeps';
import { csrfToken } from '../csrf';
import { isSessionId } from '../forms';
import type { PageContext } from '../views/layout';
import { messagePage, resultPage } from '../views/messages';

/** What every route group shares: the console's deps, and how a route answers and records. */
export interface ConsoleKit {
  deps: ConsoleDeps;
  /** The signed-in user and their CSRF token, for the page's header and forms. */
  ctxOf: (res: Response) => PageContext;
  send: (res: Response, page: Html, status?: number) => void;
  /** `console:<user>`, as the ledger records who did what. */
  by: (res: Response) => string;
  logAction: (res: Response, action: string, fields: Record<string, unknown>) => void;
  /** The session id of a request (answers 400 and gives undefined when it is not one). */
  sessionParam: (req: Request, res: Response) => string | undefined;
  /** Replays one session with what the operator asked, and shows what happened. */
  replayOne: (
    res: Response,
    title: string,
    id: string,
    correction: ReplayAsk['correction'],
  ) => Promise<void>;
}

export function consoleKit(deps: ConsoleDeps): ConsoleKit {
  // basicAuth put the signed-in user there; nothing past it runs without one.
  const userOf = (res: Response) => String(res.locals['consoleUser']);
  const ctxOf = (res: Response): PageContext => {
    const user = userOf(res);
    return { user, csrf: csrfToken(deps.credentials.password, user) };
  };
  const send = (res: Response, page: Html, status = 200) => {
    res.status(status).type('html').send(page.markup);
  };
  const by = (res: Response) => `console:${userOf(res)}`;
  const logAction = (res: Response, action: string, fields: Record<string, unknown>) =>
    deps.logger.info('console action', { user: userOf(res), action, ...fields });
  return {
    deps,
    ctxOf,
    send,
    by,
    logAction,
    sessionParam(req, res) {
      const id = String(req.params['id'] ?? '');
      if (isSessionId(id)) return id;
      const why = `${id} is not a Checkout Session id (cs_…).`;
      send(res, messagePage(ctxOf(res), 'Not a session', why, href(['jobs'])), 400);
      return undefined;
    },
    async replayOne(res, title, id, correction) {
      logAction(res, title, { sessionId: id, correction });
      const outcomes = await deps.replay.sessions([id], { correction, by: by(res) });
      send(res, resultPage(ctxOf(res), title, outcomes));
    },
  };
}
