import type { Correction } from '../domain/correction';
import type { SessionSnapshot } from '../domain/sessionSnapshot';
import { emptyJob } from '../store/jobRow';
import type { Job, JobChange, JobContext } from '../store/ledger';
import type { StripeReference } from '../stripe/sessionPayload';

/** What Stripe says about one session, as replay found it. */
export interface ReplayTarget {
  sessionId: string;
  /** The session as of the paying event (or now, when no event was found): what gets mapped. */
  session: SessionSnapshot;
  /** When it was paid, and how that was found; null while it is not paid. */
  paid: PaidMoment | null;
  /**
   * The OPSCOM reference in the session's Stripe metadata now: null when Stripe has none,
   * undefined when Stripe was not asked (the ledger already had the job done).
   */
  stripeReference: StripeReference | null | undefined;
}

export interface PaidMoment {
  /** Unix seconds: the permit's start. */
  at: number;
  eventId: string | null;
  /** How the moment was found, for the operator: `event evt_…`, `charge ch_…`, `ledger`… */
  source: string;
}

export interface ReplayRequest {
  force: boolean;
  correction: Correction | null;
  owner: string;
  /** Who ran the replay (for the record). */
  by: string;
  now: number;
  leaseMs: number;
}

/** Why replay took a job: what it is about to do with it. */
export type ClaimReason =
  | 'new' // no job in the ledger: the webhook never arrived
  | 'pending' // a job waiting for a retry: run it now
  | 'retry_failed' // failed or dead in the ledger: try again
  | 'corrected' // with the operator's corrections (of a permit to make, or of a live one)
  | 'write_back' // the permit exists; Stripe's metadata lacks it
  | 'force'; // re-send as an update of the same reference

export type ReplayPlan =
  | { kind: 'claimed'; job: Job; reason: ClaimReason }
  | { kind: 'already_done'; referenceId: string; via: 'ledger' | 'stripe'; job: Job | undefined }
  /** `corrected`: the operator's correction was recorded on the job, for its holder to apply. */
  | { kind: 'busy'; job: Job; corrected?: boolean }
  /** `corrected`: the operator's correction was kept, to apply once the payment completes. */
  | { kind: 'unpaid'; state: string; corrected?: boolean };

/**
 * Pure: given the session's job as the ledger has it (read in the same transaction that will
 * write the result) and what Stripe says, decides what replay does. It never makes a second
 * permit: a reference in the ledger or in Stripe's metadata means `already done`, or with
 * --force an update of that same reference. A job leased to another process is left to it.
 */
export function planReplay(
  existing: Job | undefined,
  target: ReplayTarget,
  request: ReplayRequest,
  context: JobContext = { attemptOwnerAlive: false },
): JobChange<ReplayPlan> {
  const { now } = request;
  const heldElsewhere =
    existing !== undefined &&
    existing.state === 'pending' &&
    existing.leaseOwner !== null &&
    existing.leaseOwner !== request.owner &&
    // A lease that has not run out, or an OPSCOM attempt whose owner may still get its answer.
    ((existing.leaseExpiresAt ?? 0) > now || context.attemptOwnerAlive);
  const correction = request.correction;
  // An operator's correction is kept whatever else happens: merged into the ones the job has
  // (a later --duration never drops an earlier --plate), never replacing them.
  const corrections = (job: Job | undefined): Job['corrections'] =>
    correction ? { ...(job?.corrections ?? {}), ...correction } : (job?.corrections ?? null);
  if (heldElsewhere) {
    if (!correction) return { result: { kind: 'busy', job: existing } };
    // Recorded on the job its holder is running: the new revision stops the holder from
    // finishing at the old one, so it takes the job round again with the correction.
    const kept: Job = {
      ...existing,
      corrections: corrections(existing),
      revision: existing.revision + 1,
      updatedAt: now,
    };
    return {
      result: { kind: 'busy', job: kept, corrected: true },
      write: kept,
      note: note(target, request, 'replay.corrected', {
        correction,
        applies: `by ${existing.leaseOwner ?? 'its holder'}, which holds the job`,
      }),
    };
  }

  if (existing?.state === 'cancelled') {
    return { result: { kind: 'unpaid', state: 'cancelled' } };
  }
  const waiting = existing?.state === 'awaiting_payment' || existing?.state === 'payment_failed';
  if (!target.paid && (!existing || waiting)) {
    const state = existing?.state ?? target.session.paymentStatus;
    if (correction && (!existing || existing.state === 'awaiting_payment')) {
      // A correction of a payment not completed yet (a delayed method) is kept on its job, so
      // that the permit made once it is paid carries it.
      const base: Job = existing ?? {
        ...emptyJob(target.sessionId, now),
        state: 'awaiting_payment',
        livemode: target.session.livemode,
        session: target.session,
      };
      const kept: Job = {
        ...base,
        corrections: corrections(base),
        revision: base.revision + 1,
        updatedAt: now,
      };
      return {
        result: { kind: 'unpaid', state, corrected: true },
        write: kept,
        note: note(target, request, 'replay.corrected', {
          correction,
          applies: 'once paid',
        }),
      };
    }
    return { result: { kind: 'unpaid', state } };
  }

  const claim = (job: Job, reason: ClaimReason, detail: Record<string, unknown> = {}) => {
    const claimed: Job = {
      ...job,
      state: 'pending',
      attempts: 0,
      nextRunAt: now,
      leaseOwner: request.owner,
      leaseExpiresAt: now + request.leaseMs,
      updatedAt: now,
    };
    return {
      result: { kind: 'claimed' as const, job: claimed, reason },
      write: claimed,
      note: note(target, request, `replay.${reason}`, detail),
    };
  };

  if (!existing || waiting) {
    const paid = target.paid!;
    const fresh: Job = {
      ...(existing ?? emptyJob(target.sessionId, now)),
      livemode: target.session.livemode,
      session: target.session,
      paidEventId: paid.eventId,
      paidAt: paid.at,
      // A delayed payment's job may carry a correction kept while it waited (see above).
      corrections: corrections(existing),
    };
    const stripeRef = target.stripeReference;
    if (stripeRef && !request.force) {
      // Stripe carries a reference the ledger does not know (a ledger restored from an older
      // backup): record it as done, so that no later delivery makes a second permit.
      const adopted = adopt(fresh, stripeRef, now);
      return {
        result: {
          kind: 'already_done',
          referenceId: stripeRef.referenceId,
          via: 'stripe',
          job: adopted,
        },
        write: adopted,
        note: note(target, request, 'replay.adopt', { referenceId: stripeRef.referenceId }),
      };
    }
    if (stripeRef) {
      return claim({ ...fresh, updateOf: stripeRef.referenceId, writeBackRound: 1 }, 'force', {
        updateOf: stripeRef.referenceId,
        paidVia: paid.source,
      });
    }
    return claim(fresh, correction ? 'corrected' : 'new', {
      paidVia: paid.source,
      ...(correction ? { correction } : {}),
    });
  }

  if (existing.updateOf !== null && !existing.opscom && existing.state === 'pending') {
    // A forced update that has not reached OPSCOM yet (an earlier round failed): go on with it.
    return claim(existing, 'force', { updateOf: existing.updateOf });
  }
  if (!existing.opscom && existing.live?.status === 'replaced' && existing.state === 'pending') {
    // A zone correction between its delete and its create: Stripe's metadata still names the
    // deleted permit, so the job is taken on as it is, never "adopted" from that reference.
    return claim(existing, 'corrected', { replacing: existing.live.referenceId });
  }
  const reference = existing.opscom?.referenceId ?? target.stripeReference?.referenceId;
  if (reference !== undefined) {
    if (request.force) {
      return claim(
        {
          ...existing,
          permit: null,
          opscom: null,
          sessionWrittenAt: null,
          paymentIntentWrittenAt: null,
          lastError: null,
          updateOf: reference,
          corrections: corrections(existing),
          writeBackRound: existing.writeBackRound + 1,
        },
        'force',
        { updateOf: reference, ...(correction ? { correction } : {}) },
      );
    }
    if (correction && existing.opscom) {
      // A correction of a live permit: the worker changes that permit (an update, or for a
      // zone a delete and a create), never adds a second one.
      return claim(
        {
          ...existing,
          corrections: corrections(existing),
          lastError: null,
          revision: existing.revision + 1,
        },
        'corrected',
        { referenceId: reference, correction },
      );
    }
    if (!existing.opscom && target.stripeReference) {
      const adopted = adopt(existing, target.stripeReference, now);
      return {
        result: { kind: 'already_done', referenceId: reference, via: 'stripe', job: adopted },
        write: adopted,
        note: note(target, request, 'replay.adopt', { referenceId: reference }),
      };
    }
    // Stripe was asked and its metadata lacks the reference the ledger has: write it back.
    const stripeLacksIt =
      target.stripeReference !== undefined && target.stripeReference?.referenceId !== reference;
    if (existing.state === 'done' && !stripeLacksIt) {
      return {
        result: { kind: 'already_done', referenceId: reference, via: 'ledger', job: existing },
      };
    }
    return claim(
      {
        ...existing,
        lastError: null,
        // Done, yet Stripe lacks it: the write-back is done again, as a new request.
        ...(existing.state === 'done'
          ? {
              sessionWrittenAt: null,
              paymentIntentWrittenAt: null,
              writeBackRound: existing.writeBackRound + 1,
            }
          : {}),
      },
      'write_back',
      { referenceId: reference },
    );
  }

  // No permit anywhere yet.
  const retrying = existing.state === 'failed' || existing.state === 'dead';
  // A correction changes the mapping, unless an earlier attempt may have made the permit
  // already (its answer lost, its owner killed): then the same request is sent again, so that
  // OPSCOM sees that permit once more rather than a second, different one, and the correction
  // is applied to the permit made (an update; a zone: a delete and a create). A failed job's
  // last attempt was refused by OPSCOM for good, so its request is mapped again.
  const mayExist = existing.opscomAttempts > 0 && existing.state !== 'failed';
  return claim(
    {
      ...existing,
      permit: correction && !mayExist ? null : existing.permit,
      corrections: corrections(existing),
      revision: correction ? existing.revision + 1 : existing.revision,
      // A replayed job's JOB_MAX_AGE_HOURS counts from the replay.
      createdAt: retrying ? now : existing.createdAt,
    },
    correction ? 'corrected' : retrying ? 'retry_failed' : 'pending',
    { previousState: existing.state, ...(correction ? { correction } : {}) },
  );
}

function adopt(job: Job, ref: StripeReference, now: number): Job {
  return {
    ...job,
    state: 'done',
    opscom: {
      referenceId: ref.referenceId,
      internalReferenceId: ref.internalReferenceId,
      endsAt: ref.endsAt ?? '',
      at: now,
    },
    sessionWrittenAt: now,
    paymentIntentWrittenAt: job.session.paymentIntentId === null ? null : now,
    leaseOwner: null,
    leaseExpiresAt: null,
    lastError: null,
    updatedAt: now,
  };
}

/** The events row that records an operator's replay: who, when, what. */
function note(
  target: ReplayTarget,
  request: ReplayRequest,
  type: string,
  detail: Record<string, unknown>,
) {
  return {
    eventId: `replay:${request.owner}:${target.sessionId}:${request.now}`,
    eventType: type,
    sessionId: target.sessionId,
    eventCreated: Math.floor(request.now / 1000),
    livemode: target.session.livemode,
    outcome: type,
    detail: JSON.stringify({ by: request.by, at: new Date(request.now).toISOString(), ...detail }),
    receivedAt: request.now,
  };
}
