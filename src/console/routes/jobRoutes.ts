import { Router, type Request, type Response } from 'express';
import { parseCorrection } from '../../domain/correction';
import { href } from '../../http/html';
import { isSessionId, readConfirmed, readCorrectionForm } from '../forms';
import { buildTimeline } from '../timeline';
import { jobPage } from '../views/job';
import { confirmPage, messagePage } from '../views/messages';
import type { ConsoleKit } from './kit';

/** One job: its page, and the operator's actions on it (retry, correct, revoke). */
export function jobRoutes(kit: ConsoleKit): Router {
  const router = Router();
  router.get('/jobs/:id', (req, res) => showJob(kit, req, res));
  router.post('/jobs/:id/retry', async (req, res) => {
    const id = kit.sessionParam(req, res);
    if (id) await kit.replayOne(res, 'Retry', id, null);
  });
  router.post('/jobs/:id/correct', (req, res) => correct(kit, req, res));
  router.post('/jobs/:id/revoke', (req, res) => revoke(kit, req, res));
  return router;
}

async function showJob(kit: ConsoleKit, req: Request, res: Response): Promise<void> {
  const { ledger } = kit.deps;
  const id = String(req.params['id'] ?? '');
  const job = isSessionId(id) ? await ledger.getJob(id) : undefined;
  if (!job) {
    const why = `The ledger has no job for ${id}. If it was paid, look it up in Stripe from the jobs page.`;
    kit.send(res, messagePage(kit.ctxOf(res), 'No such job', why, href(['jobs'])), 404);
    return;
  }
  const pi = job.session.paymentIntentId;
  const [events, facts, verification] = await Promise.all([
    ledger.listEvents(id),
    pi === null ? Promise.resolve(undefined) : ledger.getPaymentFacts(pi),
    ledger.getVerification(id),
  ]);
  const timeline = buildTimeline(job, events);
  const sites = kit.deps.sites;
  kit.send(res, jobPage(kit.ctxOf(res), { job, timeline, facts, verification, sites }));
}

async function correct(kit: ConsoleKit, req: Request, res: Response): Promise<void> {
  const id = kit.sessionParam(req, res);
  if (!id) return;
  const parsed = parseCorrection(readCorrectionForm(req.body));
  if (!parsed.ok || parsed.values === null) {
    const why = parsed.ok
      ? 'Give a plate, a duration or a zone to correct.'
      : `Refused: ${parsed.error}. Nothing was changed.`;
    const back = href(['jobs', id]);
    kit.send(res, messagePage(kit.ctxOf(res), 'Correction refused', why, back), 400);
    return;
  }
  await kit.replayOne(res, 'Correction', id, parsed.values);
}

async function revoke(kit: ConsoleKit, req: Request, res: Response): Promise<void> {
  const id = kit.sessionParam(req, res);
  if (!id) return;
  if (!readConfirmed(req.body)) {
    const path = href(['jobs', id, 'revoke']);
    const question = `Revoke the permit of ${id}? It is deleted in OPSCOM (a job with no permit yet is cancelled), and Stripe's metadata says so. This cannot be undone from here.`;
    const page = confirmPage(
      kit.ctxOf(res),
      'Revoke permit',
      question,
      path,
      {},
      href(['jobs', id]),
    );
    kit.send(res, page);
    return;
  }
  await kit.replayOne(res, 'Revoke', id, { revoke: true });
}
