-- jobs_reference holds only jobs that have an OPSCOM reference. Holding every job still
-- waiting for one (NULL) let the planner serve the attempt start's and the answer's
-- `opscom_reference_id IS NULL` from it, with statistics taken while few jobs were waiting,
-- and read every waiting job (1.1 ms and ~350 buffers a statement with a million done jobs
-- and ~2,000 queued, pg_stat_statements over `npm run bench:burst -- --store postgres
-- --done-jobs 1000000`) instead of taking the one row by its primary key. Lookups by
-- reference (`opscom_reference_id = …`) imply NOT NULL and still use it.
DROP INDEX jobs_reference;
CREATE INDEX jobs_reference ON jobs (opscom_reference_id) WHERE opscom_reference_id IS NOT NULL;
