import { Router, type Request, type Response } from 'express';
import { alertText } from '../../domain/alertText';
import { href } from '../../http/html';
import { planPushAgain } from '../../verify/pushAgain';
import { unseenAlertKey } from '../../verify/unseenAlert';
import { messagePage, resultPage } from '../views/messages';
import type { ConsoleKit } from './kit';

/**
 * The operator's two choices for a permit enforcement cannot see, each recorded with their
 * name: push it again (a change of the job, carried out by the worker), or accept it (staff
 * removed it on purpose: its checks stop and its alert clears).
 */
export function verifyRoutes(kit: ConsoleKit): Router {
  const router = Router();
  router.post('/jobs/:id/push-again', (req, res) => pushAgain(kit, req, res));
  router.post('/jobs/:id/accept-unseen', (req, res) => acceptUnseen(kit, req, res));
  return router;
}

function done(kit: ConsoleKit, res: Response, title: string, message: string): void {
  kit.send(res, resultPage(kit.ctxOf(res), title, [], message));
}

function refused(kit: ConsoleKit, res: Response, title: string, why: string, id: string): void {
  const page = messagePage(kit.ctxOf(res), title, `Refused: ${why}.`, href(['jobs', id]));
  kit.send(res, page, 409);
}

async function pushAgain(kit: ConsoleKit, req: Request, res: Response): Promise<void> {
  const id = kit.sessionParam(req, res);
  if (!id) return;
  const { ledger, logger } = kit.deps;
  const by = kit.by(res);
  const verification = await ledger.getVerification(id);
  const now = kit.deps.now();
  const outcome = await ledger.changeJob(id, (job) => planPushAgain(job, verification, by, now));
  if (outcome.kind === 'refused') return refused(kit, res, 'Push again', outcome.why, id);
  await ledger.decideVerification(id, 'push_again', by, now);
  logger.info('console action', { by, action: 'push again', sessionId: id, how: outcome.how });
  done(
    kit,
    res,
    'Push again',
    outcome.how === 'update'
      ? `Queued: the worker sends ${outcome.referenceId} to OPSCOM again as an update, then checks that enforcement sees it. The job page shows how it goes.`
      : `Queued: the worker makes a new permit in place of ${outcome.referenceId} and writes it back to Stripe, then checks that enforcement sees it. The job page shows how it goes.`,
  );
}

async function acceptUnseen(kit: ConsoleKit, req: Request, res: Response): Promise<void> {
  const id = kit.sessionParam(req, res);
  if (!id) return;
  const { ledger, logger } = kit.deps;
  const by = kit.by(res);
  const now = kit.deps.now();
  if (!(await ledger.decideVerification(id, 'accepted', by, now))) {
    return refused(kit, res, 'Accept', 'enforcement is not known to miss this permit', id);
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
  logger.info('console action', { by, action: 'accept unseen', sessionId: id });
  const message = `Recorded: ${by} accepts that enforcement does not see this permit. Its checks stop until it changes.`;
  done(kit, res, 'Accept', message);
}
