-- Claims (claimNextJob in src/store/postgresLedger.ts) run in this function for the planner
-- setting it carries. The jobs table's statistics lag a burst (analyzed when it held few
-- pending jobs, or none); the planner then read every pending job and sorted them (a bitmap
-- heap scan and a sort: 2.5 ms a claim with ~2,000 queued in `npm run bench:burst -- --store
-- postgres`, and growing with the backlog) instead of walking jobs_due in order to the first
-- free job (0.13 ms). With bitmap scans off it walks the index, whatever the statistics say.
-- Sequential scans are off too: with the statistics of an empty table, the planner took the
-- claimed row by reading the whole table (3.9 ms and ~760 buffers a claim over a burst of
-- 4,000 on a new ledger) rather than by its primary key.
-- p_lock_seed: the seed of the attempt locks' key (attemptLockKey in postgresOwnerSession.ts).
CREATE FUNCTION claim_next_job(p_owner text, p_now bigint, p_lease_ms bigint, p_lock_seed bigint)
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
      AND (j.opscom_started_at IS NULL
           OR pg_try_advisory_xact_lock(hashtextextended(j.session_id, p_lock_seed)))
    ORDER BY j.next_run_at LIMIT 1
    FOR UPDATE SKIP LOCKED)
  RETURNING *;
END $$;
