/** A claim's parameters; `skip`: a JSON array of the sites to leave alone ('[]': none). */
export interface ClaimParams {
  owner: string;
  now: number;
  until: number;
  skip: string;
}

/** Free to claim: due, its lease run out, and no attempt in flight whose owner still lives. */
const FREE = `next_run_at <= @now
        AND (lease_expires_at IS NULL OR lease_expires_at <= @now)
        AND (opscom_started_at IS NULL OR NOT owner_alive(lease_owner, session_id))`;

const NOT_SKIPPED = `(site IS NULL OR site NOT IN (SELECT value FROM json_each(@skip)))`;

/** The job due first, walking jobs_due (state, next_run_at) past the skipped sites' jobs. */
export const CLAIM_SQL = `
    UPDATE jobs SET lease_owner = @owner, lease_expires_at = @until, updated_at = @now
    WHERE session_id = (
      SELECT session_id FROM jobs
      WHERE state = 'pending' AND ${FREE} AND ${NOT_SKIPPED}
      ORDER BY next_run_at LIMIT 1)
    RETURNING *`;

/** How far a claim that skips sites walks the queue before it looks site by site. */
export const HEAD = 200;

/**
 * A claim that skips sites, first: the job CLAIM_SQL would take when it is among the HEAD jobs
 * due first (most claims: the skipped sites have no backlog at the head of the queue).
 */
export const HEAD_CANDIDATE_SQL = `
    SELECT session_id FROM (
      SELECT * FROM jobs INDEXED BY jobs_due
      WHERE state = 'pending' AND next_run_at <= @now ORDER BY next_run_at LIMIT ${HEAD})
    WHERE ${FREE} AND ${NOT_SKIPPED}
    ORDER BY next_run_at LIMIT 1`;

/**
 * Then, past a head of skipped sites' jobs (a paused site's backlog, which the walk would read
 * whole at every claim): the sites with pending jobs, one probe each of jobs_state_site
 * (migration 011); the first free job of each site not skipped, and of no site, one probe
 * each; of those, the one due first. It costs a probe a site instead of a read a skipped job.
 * The indexes are named: SQLite plans without statistics (the service never runs ANALYZE).
 */
export const SITE_CANDIDATE_SQL = `
    WITH RECURSIVE sites(site) AS (
      SELECT (SELECT site FROM jobs INDEXED BY jobs_state_site
              WHERE state = 'pending' AND site IS NOT NULL ORDER BY site LIMIT 1)
      UNION ALL
      SELECT (SELECT j.site FROM jobs j INDEXED BY jobs_state_site
              WHERE j.state = 'pending' AND j.site > sites.site ORDER BY j.site LIMIT 1)
      FROM sites WHERE sites.site IS NOT NULL
    ), firsts(session_id) AS (
      SELECT (SELECT session_id FROM jobs INDEXED BY jobs_state_site
              WHERE state = 'pending' AND site = sites.site AND ${FREE}
              ORDER BY next_run_at LIMIT 1)
      FROM sites
      WHERE sites.site IS NOT NULL AND sites.site NOT IN (SELECT value FROM json_each(@skip))
      UNION ALL
      SELECT (SELECT session_id FROM jobs INDEXED BY jobs_state_site
              WHERE state = 'pending' AND site IS NULL AND ${FREE}
              ORDER BY next_run_at LIMIT 1)
    )
    SELECT k.session_id FROM firsts JOIN jobs k ON k.session_id = firsts.session_id
    ORDER BY k.next_run_at LIMIT 1`;

/** The candidate taken (SQLite has one writer: nothing took it meanwhile). */
export const TAKE_SQL = `
    UPDATE jobs SET lease_owner = @owner, lease_expires_at = @until, updated_at = @now
    WHERE session_id = @sessionId
    RETURNING *`;
