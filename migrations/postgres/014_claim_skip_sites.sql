-- claim_next_job (008) again, leaving alone the jobs of the sites in p_skip_sites: the worker's
-- site gate (src/worker/siteGate.ts) names the sites at their share of its slots, or paused
-- because their OPSCOM fails every call, so one site's trouble does not hold up the others.
-- A job of no site (NULL) is never skipped: it fails as unmappable without calling OPSCOM.
-- Dropped and created again (an argument is added); p_skip_sites defaults to none, so a
-- process of the previous build, still calling it with four arguments mid-deploy, claims as
-- before. Otherwise the same, planner settings included (see 008).
DROP FUNCTION claim_next_job(text, bigint, bigint, bigint);

CREATE FUNCTION claim_next_job(p_owner text, p_now bigint, p_lease_ms bigint, p_lock_seed bigint,
                               p_skip_sites text[] DEFAULT '{}')
RETURNS SETOF jobs
LANGUAGE plpgsql
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $$
BEGIN
  RETURN QUERY
  UPDATE jobs SET lease_owner = p_owner, lease_expires_at = p_now + p_lease_ms, updated_at = p_now
  WHERE session_id = (
    SELECT j.session_id FROM jobs j
    WHERE j.state = 'pending' AND j.next_run_at <= p_now
      AND (j.lease_expires_at IS NULL OR j.lease_expires_at <= p_now)
      AND (j.site IS NULL OR j.site <> ALL (COALESCE(p_skip_sites, '{}')))
      AND (j.opscom_started_at IS NULL
           OR pg_try_advisory_xact_lock(hashtextextended(j.session_id, p_lock_seed)))
    ORDER BY j.next_run_at LIMIT 1
    FOR UPDATE SKIP LOCKED)
  RETURNING *;
END $$;
