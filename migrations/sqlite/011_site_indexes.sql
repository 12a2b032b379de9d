-- The jobs of one site, for the console's site filter and for claims that leave paused sites
-- alone (until now both walked an index of every site's jobs, reading each row to learn its
-- site: a rare site's page read the whole table; a claim skipping a paused site read its whole
-- due backlog, every claim).
-- jobs_site_created: the console's list and count of one site's jobs, newest first.
-- jobs_state_site: the jobs of some states and sites, in the order they come due: the
-- console's state and site filters together; for a claim that skips sites and finds no job it
-- may take at the head of the queue, the sites with pending jobs (one probe a site) and the
-- first due job of each it does not skip
-- (src/store/sqlite/claimSql.ts).
-- Built in the migration's transaction: SQLite has one writer at a time whatever the
-- statement (no concurrent build to choose), and writers wait for it (busy_timeout, 5 s):
-- about 0.5 s for both indexes on 200,000 jobs (npm run bench:site-index).
CREATE INDEX jobs_site_created ON jobs (site, created_at);
CREATE INDEX jobs_state_site ON jobs (state, site, next_run_at);
