-- Many sites (issue 26, src/sites): the site a job's payment belongs to, decided once at intake
-- (src/domain/siteOf.ts) and never changed by later events. NULL: no configured site matched
-- (the worker fails the job with the reason). Older rows, and a row written without naming its
-- site (an adapter not yet upgraded, mid-deploy), belong to the default site; a constant
-- default adds the column without rewriting the table.
ALTER TABLE jobs ADD COLUMN site TEXT DEFAULT 'default';
