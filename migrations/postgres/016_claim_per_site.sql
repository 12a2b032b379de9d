-- claim_next_job (014) again. A claim that leaves sites alone (the worker's site gate: a site
-- at its share of the slots, or paused) walked jobs_due, reading every due job of the skipped
-- sites before the first it could take: a site paused with 18,000 jobs queued cost each claim
-- of the other sites 18,000 row reads (~8 ms; npm run bench:site-index). Such a claim now
-- looks at the 200 jobs due first (most claims: nothing skipped at the head of the queue, the
-- same job as before); finding none it may take there, it finds the sites with pending jobs
-- by skipping through jobs_state_site (015, one probe a site), takes the first free due job of
-- each site it does not skip, and of no site, and claims the one due first: the job the walk
-- would have found, at a cost that grows with the number of sites, not with the skipped
-- sites' backlog. The candidate is read without a lock, then locked (SKIP LOCKED) and checked
-- again; taken meanwhile by another claim, the claim looks again, and after three such losses
-- walks jobs_due as before. A claim that skips nothing walks jobs_due as before. Planner
-- settings as in 008.
CREATE OR REPLACE FUNCTION claim_next_job(p_owner text, p_now bigint, p_lease_ms bigint, p_lock_seed bigint,
                                          p_skip_sites text[] DEFAULT '{}')
RETURNS SETOF jobs
LANGUAGE plpgsql
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $$
DECLARE
  picked text;
BEGIN
  IF COALESCE(cardinality(p_skip_sites), 0) > 0 THEN
    FOR attempt IN 1..3 LOOP
      SELECT h.session_id INTO picked FROM (
        SELECT j.session_id, j.site, j.next_run_at, j.lease_expires_at, j.opscom_started_at FROM jobs j
        WHERE j.state = 'pending' AND j.next_run_at <= p_now ORDER BY j.next_run_at LIMIT 200) h
      WHERE (h.site IS NULL OR h.site <> ALL (p_skip_sites))
        AND (h.lease_expires_at IS NULL OR h.lease_expires_at <= p_now)
        AND (h.opscom_started_at IS NULL
             OR pg_try_advisory_xact_lock(hashtextextended(h.session_id, p_lock_seed)))
      ORDER BY h.next_run_at LIMIT 1;
      IF picked IS NULL THEN
        WITH RECURSIVE sites(site) AS (
          (SELECT j.site FROM jobs j WHERE j.state = 'pending' AND j.site IS NOT NULL ORDER BY j.site LIMIT 1)
          UNION ALL
          SELECT (SELECT j.site FROM jobs j WHERE j.state = 'pending' AND j.site > s.site ORDER BY j.site LIMIT 1)
          FROM sites s WHERE s.site IS NOT NULL
        ), firsts AS (
          SELECT f.session_id, f.next_run_at FROM sites s CROSS JOIN LATERAL (
            SELECT j.session_id, j.next_run_at FROM jobs j
            WHERE j.state = 'pending' AND j.site = s.site AND j.next_run_at <= p_now
              AND (j.lease_expires_at IS NULL OR j.lease_expires_at <= p_now)
              AND (j.opscom_started_at IS NULL
                   OR pg_try_advisory_xact_lock(hashtextextended(j.session_id, p_lock_seed)))
            ORDER BY j.next_run_at LIMIT 1) f
          WHERE s.site IS NOT NULL AND s.site <> ALL (p_skip_sites)
          UNION ALL
          (SELECT j.session_id, j.next_run_at FROM jobs j
           WHERE j.state = 'pending' AND j.site IS NULL AND j.next_run_at <= p_now
             AND (j.lease_expires_at IS NULL OR j.lease_expires_at <= p_now)
             AND (j.opscom_started_at IS NULL
                  OR pg_try_advisory_xact_lock(hashtextextended(j.session_id, p_lock_seed)))
           ORDER BY j.next_run_at LIMIT 1)
        )
        SELECT firsts.session_id INTO picked FROM firsts ORDER BY firsts.next_run_at LIMIT 1;
      END IF;
      IF picked IS NULL THEN
        RETURN;
      END IF;
      RETURN QUERY
      UPDATE jobs SET lease_owner = p_owner, lease_expires_at = p_now + p_lease_ms, updated_at = p_now
      WHERE session_id = (
        SELECT j.session_id FROM jobs j
        WHERE j.session_id = picked AND j.state || '' = 'pending'
          AND (j.lease_expires_at IS NULL OR j.lease_expires_at <= p_now)
        FOR UPDATE SKIP LOCKED)
      RETURNING *;
      IF FOUND THEN
        RETURN;
      END IF;
    END LOOP;
  END IF;
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
