import type { Request, Response, Router } from 'express';
import { alertText } from '../domain/alertText';
import type { Logger } from '../logger';
import type { Ledger } from '../store/ledger';
import { planPushAgain } from '../verify/pushAgain';
import { unseenAlertKey } from '../verify/unseenAlert';
import { href, type Html } from '../http/html';
import { messagePage, resultPage } from './views/job';
import type { PageContext } from './views/layout';

export interface VerifyRouteDeps {
  ledger: Ledger;
  now: () => number;
  logger: Logger;
  /** The session id of a request (answers 400 and gives undefined when it is not one). */
  sessionParam: (req: Request, res: Response) => string | undefined;
  ctxOf: (res: Response) => PageContext;
  send: (res: Response, page: Html, status?: number) => void;
  /** `console:<user>`, as the ledger records who did what. */
  by: (res: Response) => string;
}

/**
 * The operator's two choices for a permit enforcement cannot see, each recorded with their
 * name: push it again (a change of the job, carried out by the worker), or accept it (staff
 * removed it on purpose: its checks stop and its alert clears).
 */
export function addVerifyRoutes(router: Router, deps: VerifyRouteDeps): void {
  const { ledger } = deps;
  const done = (res: Response, title: string, message: string) =>
    deps.send(res, resultPage(deps.ctxOf(res), title, [], message));
  const refused = (res: Response, title: string, why: string, id: string) =>
    deps.send(
      res,
      messagePage(deps.ctxOf(res), title, `Refused: ${why}.`, href(['jobs', id])),
      409,
    );

  router.post('/jobs/:id/push-again', async (req, res) => {
    const id = deps.sessionParam(req, res);
    if (!id) return;
    const by = deps.by(res);
    const verification = await ledger.getVerification(id);
    const now = deps.now();
    const outcome = await ledger.changeJob(id, (job) => planPushAgain(job, verification, by, now));
    if (outcome.kind === 'refused') return refused(res, 'Push again', outcome.why, id);
    await ledger.decideVerification(id, 'push_again', by, now);
    deps.logger.info('console action', {
      by,
      action: 'push again',
      sessionId: id,
      how: outcome.how,
    });
    done(
      res,
      'Push again',
      outcome.how === 'update'
        ? `Queued: the worker sends ${outcome.referenceId} to OPSCOM again as an update, then checks that enforcement sees it. The job page shows how it goes.`
        : `Queued: the worker makes a new permit in place of ${outcome.referenceId} and writes it back to Stripe, then checks that enforcement sees it. The job page shows how it goes.`,
    );
  });

  router.post('/jobs/:id/accept-unseen', async (req, res) => {
    const id = deps.sessionParam(req, res);
    if (!id) return;
    const by = deps.by(res);
    const now = deps.now();
    if (!(await ledger.decideVerification(id, 'accepted', by, now))) {
      return refused(res, 'Accept', 'enforcement is not known to miss this permit', id);
    }
    const job = await ledger.getJob(id);
    await ledger.recordNote({
      eventId: `verify:${id}:accepted:${now}`,
      eventType: 'verify.accepted',
      sessionId: id,
      eventCreated: Math.floor(now / 1000),
      livemode: job?.livemode ?? false,
      outcome: 'verify.accepted',
      detail: JSON.stringify({ by, at: new Date(now).toISOString() }),
      receivedAt: now,
    });
    await ledger.clearAlert(
      unseenAlertKey(id),
      alertText.notVisibleCleared(id, job?.live?.plate ?? '', `accepted by ${by}`),
      now,
    );
    deps.logger.info('console action', { by, action: 'accept unseen', sessionId: id });
    done(
      res,
      'Accept',
      `Recorded: ${by} accepts that enforcement does not see this permit. Its checks stop until it changes.`,
    );
  });
}
