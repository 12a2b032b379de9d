import type { SqlPort } from './sqlPort';
import type {
  VerificationClaim,
  VerificationLedger,
  VerificationWrite,
} from './verificationLedger';
import {
  UNSEEN,
  verificationFromRow,
  verificationReads,
  type VerificationRow,
} from './verificationReads';

// CAST: PostgreSQL cannot type a bare parameter in arithmetic; SQLite reads it the same.
const at = (name: string) => `CAST(@${name} AS BIGINT)`;
const FREE = `(lease_expires_at IS NULL OR lease_expires_at <= ${at('now')})`;

/**
 * Leases up to `limit` due permits' plates (oldest due first; with `firstOnly`, among
 * permits not checked since they were made or changed) and those plates' other permits due
 * within the round. `skipLocked`: see verificationQueries.
 */
const claimDue = (
  db: SqlPort,
  skipLocked: string,
  c: VerificationClaim,
  limit: number,
  firstOnly: boolean,
) =>
  db.all<VerificationRow>(
    `UPDATE verifications SET lease_owner = @owner, lease_expires_at = ${at('until')}
     WHERE session_id IN (
       SELECT v.session_id FROM verifications v
       WHERE v.plate IN (
           SELECT d.plate FROM verifications d
           WHERE d.count_from <= ${at('dueBy')}${firstOnly ? ` AND d.state = 'scheduled'` : ''}
             AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= ${at('now')})
           ORDER BY d.count_from LIMIT @limit)
         AND v.count_from <= ${at('soonBy')} AND v.changed_at <= ${at('dueBy')}
         AND (v.lease_expires_at IS NULL OR v.lease_expires_at <= ${at('now')})
       ${skipLocked})
       AND ${FREE}
     RETURNING *`,
    {
      owner: c.owner,
      now: c.now,
      until: c.now + c.leaseMs,
      dueBy: c.now - c.delayMs,
      soonBy: c.now + c.everyMs - c.delayMs,
      limit,
    },
  );

/**
 * The verification ledger in SQL both databases read the same way. `skipLocked` is
 * PostgreSQL's `FOR UPDATE SKIP LOCKED` (two claimers never wait on each other's rows); SQLite
 * has one writer at a time and needs none.
 */
export function verificationQueries(db: SqlPort, skipLocked: string): VerificationLedger {
  return {
    async claimVerifications(c) {
      // First checks (made or changed, not yet seen) first, then the rounds' re-checks.
      const first = await claimDue(db, skipLocked, c, c.limit, true);
      const more =
        first.length < c.limit
          ? await claimDue(db, skipLocked, c, c.limit - first.length, false)
          : [];
      return [...first, ...more].map(verificationFromRow);
    },
    finishVerification: (w) => finishVerification(db, w),
    async decideVerification(sessionId, decision, by, now) {
      const accepted = decision === 'accepted';
      const changed = await db.run(
        `UPDATE verifications SET decision = @decision, decided_by = @by, decided_at = ${at('now')},
           generation = generation + 1,
           state = CASE WHEN @accepted = 1 THEN 'accepted' ELSE state END,
           count_from = CASE WHEN @accepted = 1 THEN NULL ELSE count_from END
         WHERE session_id = @sessionId AND state IN ${UNSEEN}`,
        { sessionId, decision, by, now, accepted: accepted ? 1 : 0 },
      );
      return changed > 0;
    },
    async claimVerificationsOf(sessionIds, owner, now, leaseMs) {
      if (sessionIds.length === 0) return [];
      const params: Record<string, unknown> = { owner, now, until: now + leaseMs };
      const names = sessionIds.map((id, i) => {
        params[`s${i}`] = id;
        return `@s${i}`;
      });
      const rows = await db.all<VerificationRow>(
        `UPDATE verifications SET lease_owner = @owner, lease_expires_at = ${at('until')}
         WHERE session_id IN (${names.join(', ')}) AND ${FREE} RETURNING *`,
        params,
      );
      return rows.map(verificationFromRow);
    },
    ...verificationReads(db),
  };
}

/** Records a check and releases the lease (only the lease, when the claim no longer holds). */
async function finishVerification(db: SqlPort, w: VerificationWrite): Promise<boolean> {
  const written = await db.run(
    `UPDATE verifications SET state = @state, misses = CAST(@misses AS INTEGER),
       checks = checks + CAST(@checked AS INTEGER),
       last_checked_at = COALESCE(${at('checkedAt')}, last_checked_at),
       last_result = COALESCE(CAST(@result AS TEXT), last_result),
       last_seen_json = COALESCE(CAST(@seen AS TEXT), last_seen_json),
       last_error = CAST(@error AS TEXT), count_from = ${at('countFrom')},
       lease_owner = NULL, lease_expires_at = NULL
     WHERE session_id = @sessionId AND lease_owner = @owner
       AND generation = CAST(@generation AS INTEGER)`,
    {
      sessionId: w.sessionId,
      owner: w.owner,
      generation: w.generation,
      state: w.state,
      misses: w.misses,
      checked: w.checked ? 1 : 0,
      checkedAt: w.checked?.at ?? null,
      result: w.checked?.result ?? null,
      seen: w.checked?.seen ?? null,
      error: w.error,
      countFrom: w.countFrom,
    },
  );
  if (written > 0) return true;
  await db.run(
    `UPDATE verifications SET lease_owner = NULL, lease_expires_at = NULL
     WHERE session_id = @sessionId AND lease_owner = @owner`,
    { sessionId: w.sessionId, owner: w.owner },
  );
  return false;
}
