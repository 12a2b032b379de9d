import { alertOutbox } from './alertOutbox';
import { jobFromRow, type JobRow } from './jobRow';
import type { OperatorLedger } from './ledger';
import type { JobQuery } from './ledgerRecords';
import type { JsonPaths, SqlPort } from './sqlPort';

/** The WHERE clause and its parameters for a console query; every branch uses an index. */
function whereOf(
  query: Omit<JobQuery, 'limit' | 'offset'>,
  paths: JsonPaths,
): { where: string; params: Record<string, unknown> } {
  const terms: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.states && query.states.length > 0) {
    const names = query.states.map((state, i) => {
      params[`state${i}`] = state;
      return `@state${i}`;
    });
    terms.push(`state IN (${names.join(', ')})`);
  }
  if (query.failing) terms.push('last_error IS NOT NULL');
  if (query.unseen) {
    // By the small index of unseen verifications (verifications_unseen), then the job's key.
    terms.push(
      `session_id IN (SELECT session_id FROM verifications WHERE state IN ('not_visible', 'still_visible'))`,
    );
  }
  if (query.sites) terms.push(siteTerm(query.sites, params));
  const search = query.search?.trim();
  if (search) {
    params['search'] = search;
    if (/^cs_\w+$/.test(search)) terms.push('session_id = @search');
    else if (/^pi_\w+$/.test(search)) terms.push(`${paths.paymentIntent} = @search`);
    else {
      // A plate is stored normalised (upper case, no spaces, "-" or "."); as typed, it is not.
      params['plate'] = search.toUpperCase().replace(/[\s.-]/g, '');
      terms.push(
        `(opscom_reference_id = @search OR ${paths.livePlate} = @plate OR (state IN ('failed', 'dead') AND ${paths.metadataPlate} IN (@search, @plate)))`,
      );
    }
  }
  return { where: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', params };
}

/** `site IN (…)`, or `site IS NULL` for null; no site at all matches nothing. */
function siteTerm(sites: readonly (string | null)[], params: Record<string, unknown>): string {
  const ids = sites.filter((site): site is string => site !== null);
  const names = ids.map((id, i) => {
    params[`site${i}`] = id;
    return `@site${i}`;
  });
  const terms = [
    ...(names.length > 0 ? [`site IN (${names.join(', ')})`] : []),
    ...(sites.includes(null) ? ['site IS NULL'] : []),
  ];
  return terms.length > 0 ? `(${terms.join(' OR ')})` : '1 = 0';
}

/** The console's lists and the alerts' outbox, in SQL both databases read the same way. */
export function operatorQueries(db: SqlPort, paths: JsonPaths): OperatorLedger {
  return {
    async findJobs(query) {
      const { where, params } = whereOf(query, paths);
      // Newest first, by an index that ordinary writes leave alone (migrations 005/006).
      const order = query.states?.length ? 'next_run_at DESC' : 'created_at DESC';
      const rows = await db.all<JobRow>(
        `SELECT * FROM jobs ${where} ORDER BY ${order}, session_id LIMIT @limit OFFSET @offset`,
        { ...params, limit: query.limit, offset: query.offset },
      );
      return rows.map(jobFromRow);
    },
    async countJobsMatching(query, max) {
      const { where, params } = whereOf(query, paths);
      const [row] = await db.all<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM jobs ${where} LIMIT @max) AS matching`,
        { ...params, max },
      );
      return Number(row?.n ?? 0);
    },
    ...alertOutbox(db),
  };
}
