import type { MaintenanceLedger } from './ledger';
import type { SqlPort } from './sqlPort';

/**
 * RETENTION_DAYS' deletes (store/ledger.ts, pruneBefore) and the legacy site's adoption, in SQL
 * both databases read alike.
 */
export function retentionQueries(
  db: SqlPort,
): Pick<MaintenanceLedger, 'pruneBefore' | 'adoptLegacySite'> {
  return {
    adoptLegacySite: (siteId, limit) =>
      db.run(
        `UPDATE jobs SET site = @siteId WHERE session_id IN (
           SELECT session_id FROM jobs WHERE site = 'default' LIMIT @limit)`,
        { siteId, limit },
      ),
    async pruneBefore(cutoff, limit) {
      const events = await db.run(
        `DELETE FROM events WHERE event_id IN (
           SELECT events.event_id FROM events LEFT JOIN jobs ON jobs.session_id = events.session_id
           WHERE events.received_at < @cutoff
             AND (jobs.session_id IS NULL OR jobs.state IN ('done', 'cancelled', 'payment_failed'))
           ORDER BY events.received_at LIMIT @limit)`,
        { cutoff, limit },
      );
      const alerts = await db.run(
        `DELETE FROM alerts WHERE cleared_at < @cutoff AND clear_sent_at IS NOT NULL`,
        { cutoff },
      );
      return events + alerts;
    },
  };
}
