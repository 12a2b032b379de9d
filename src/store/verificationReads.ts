import type { SqlPort } from './sqlPort';
import type {
  CheckResult,
  Verification,
  VerificationLedger,
  VerificationState,
} from './verificationLedger';

export interface VerificationRow {
  session_id: string;
  plate: string;
  state: string;
  generation: number;
  changed_at: number | string;
  count_from: number | string | null;
  misses: number;
  checks: number;
  last_checked_at: number | string | null;
  last_result: string | null;
  last_seen_json: string | null;
  last_error: string | null;
  decision: string | null;
  decided_by: string | null;
  decided_at: number | string | null;
  lease_owner: string | null;
  lease_expires_at: number | string | null;
}

const orNull = (v: number | string | null) => (v === null ? null : Number(v));

export function verificationFromRow(row: VerificationRow): Verification {
  return {
    sessionId: row.session_id,
    plate: row.plate,
    state: row.state as VerificationState,
    generation: Number(row.generation),
    changedAt: Number(row.changed_at),
    countFrom: orNull(row.count_from),
    misses: Number(row.misses),
    checks: Number(row.checks),
    lastCheckedAt: orNull(row.last_checked_at),
    lastResult: row.last_result as CheckResult | null,
    lastSeen: row.last_seen_json,
    lastError: row.last_error,
    decision: row.decision as Verification['decision'],
    decidedBy: row.decided_by,
    decidedAt: orNull(row.decided_at),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: orNull(row.lease_expires_at),
  };
}

/** The unseen states, as SQL (verifications_unseen indexes them). */
export const UNSEEN = `('not_visible', 'still_visible')`;

/** The verification ledger's reads: one permit, several, by state, the unseen and their alerts. */
export function verificationReads(
  db: SqlPort,
): Pick<
  VerificationLedger,
  | 'getVerification'
  | 'verificationsOf'
  | 'listVerifications'
  | 'unseenNeedingAlert'
  | 'resolvedUnseenAlerts'
  | 'countUnseen'
> {
  return {
    async getVerification(sessionId) {
      const [row] = await db.all<VerificationRow>(
        'SELECT * FROM verifications WHERE session_id = @sessionId',
        { sessionId },
      );
      return row ? verificationFromRow(row) : undefined;
    },
    async verificationsOf(sessionIds) {
      if (sessionIds.length === 0) return [];
      const params = Object.fromEntries(sessionIds.map((id, i) => [`s${i}`, id]));
      const rows = await db.all<VerificationRow>(
        `SELECT * FROM verifications WHERE session_id IN (${Object.keys(params)
          .map((k) => `@${k}`)
          .join(', ')})`,
        params,
      );
      return rows.map(verificationFromRow);
    },
    async listVerifications(query) {
      const params: Record<string, unknown> = { limit: query.limit, offset: query.offset };
      const states = (query.states ?? []).map((state, i) => {
        params[`state${i}`] = state;
        return `@state${i}`;
      });
      const where = states.length > 0 ? `WHERE state IN (${states.join(', ')})` : '';
      const rows = await db.all<VerificationRow>(
        `SELECT * FROM verifications ${where}
         ORDER BY last_checked_at DESC, session_id LIMIT @limit OFFSET @offset`,
        params,
      );
      return rows.map(verificationFromRow);
    },
    async unseenNeedingAlert(limit) {
      const rows = await db.all<VerificationRow>(
        `SELECT * FROM verifications v WHERE v.state IN ${UNSEEN} AND NOT EXISTS (
           SELECT 1 FROM alerts a WHERE a.key = 'seen:' || v.session_id AND a.cleared_at IS NULL)
         ORDER BY v.last_checked_at LIMIT @limit`,
        { limit },
      );
      return rows.map(verificationFromRow);
    },
    async resolvedUnseenAlerts() {
      const rows = await db.all<VerificationRow & { alert_key: string }>(
        `SELECT v.*, a.key AS alert_key FROM alerts a JOIN verifications v ON v.session_id = a.session_id
         WHERE a.kind = 'not_visible' AND a.cleared_at IS NULL AND v.state NOT IN ${UNSEEN}`,
      );
      return rows.map((r) => ({ key: r.alert_key, verification: verificationFromRow(r) }));
    },
    async countUnseen() {
      const rows = await db.all<{ state: string; n: number | string }>(
        `SELECT state, COUNT(*) AS n FROM verifications WHERE state IN ${UNSEEN} GROUP BY state`,
      );
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },
  };
}
