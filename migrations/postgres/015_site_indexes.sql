-- migrate: outside a transaction
-- The jobs of one site, for the console's site filter and for claims that leave paused sites
-- alone (until now both walked an index of every site's jobs, reading each row to learn its
-- site: a rare site's page read the whole table; a claim skipping a paused site read its whole
-- due backlog, every claim).
-- jobs_site_created: the console's list and count of one site's jobs, newest first.
-- jobs_state_site: the jobs of some states and sites, in the order they come due: the
-- console's state and site filters together; for a claim that skips sites and finds no job it
-- may take at the head of the queue, the sites with pending jobs (one probe a site) and the
-- first due job of each it does not skip
-- (claim_next_job, 016).
-- Built CONCURRENTLY: a plain CREATE INDEX holds a SHARE lock on jobs for the whole build,
-- stopping intake, claims and every write of the worker on a large live table (webhooks
-- answered 500 past the pool's 5 s), and the release phase migrates while the previous build
-- still serves. CONCURRENTLY cannot run in a transaction block, so this file is run outside
-- the runner's transaction, one statement at a time, under its session-level lock
-- (src/store/postgres/postgresMigrate.ts; the first line says so). It waits for transactions
-- already open on jobs, and never blocks the writes that come after. A build that fails
-- leaves an INVALID index, and the version is not recorded: the next run drops it and builds
-- again (DROP … IF EXISTS; CREATE … IF NOT EXISTS would keep the invalid one).
DROP INDEX CONCURRENTLY IF EXISTS jobs_site_created;
CREATE INDEX CONCURRENTLY jobs_site_created ON jobs (site, created_at);
DROP INDEX CONCURRENTLY IF EXISTS jobs_state_site;
CREATE INDEX CONCURRENTLY jobs_state_site ON jobs (state, site, next_run_at);
