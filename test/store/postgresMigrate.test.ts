import { Client } from 'pg';
import { loadMigrations } from '../../src/store/migrations';
import { migratePostgres, statementsOf } from '../../src/store/postgres/postgresMigrate';
import { freshDatabase } from '../support/postgres';

// A migration whose first line says `-- migrate: outside a transaction` (CREATE INDEX
// CONCURRENTLY, migrations/postgres/015) runs alone, one statement at a time, and is recorded
// once it succeeded: a run that stopped half-way is run again whole.
const withServer = process.env['TEST_DATABASE_URL'] === undefined ? describe.skip : describe;

test('a migration run outside a transaction is cut into its statements, comments left out', () => {
  const sql = loadMigrations('postgres').find((m) => m.version === 15)?.sql ?? '';
  expect(statementsOf(sql)).toEqual([
    'DROP INDEX CONCURRENTLY IF EXISTS jobs_site_created',
    'CREATE INDEX CONCURRENTLY jobs_site_created ON jobs (site, created_at)',
    'DROP INDEX CONCURRENTLY IF EXISTS jobs_state_site',
    'CREATE INDEX CONCURRENTLY jobs_state_site ON jobs (state, site, next_run_at)',
  ]);
});

withServer('migrating PostgreSQL past an index built concurrently', () => {
  let url: string;
  let client: Client;
  beforeEach(async () => {
    url = await freshDatabase();
    client = new Client({ connectionString: url });
    await client.connect();
  });
  afterEach(() => client.end());
  const store = () => ({ kind: 'postgres' as const, url, ssl: false as const, poolSize: 1 });
  const validIndexes = async () =>
    (
      await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indisvalid AND c.relname IN ('jobs_site_created', 'jobs_state_site') ORDER BY 1`,
      )
    ).rows.map((r) => r.name);

  test('two processes migrating at once (two release phases) both succeed', async () => {
    await migratePostgres(store(), 14);
    // One waits for the other's lock without holding a snapshot the other's concurrent index
    // build would wait for (a blocking pg_advisory_lock made one of them fail: deadlock).
    const results = await Promise.allSettled([migratePostgres(store()), migratePostgres(store())]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await validIndexes()).toEqual(['jobs_site_created', 'jobs_state_site']);
  });

  test('from nothing, in order, every version recorded, the indexes valid', async () => {
    const latest = loadMigrations('postgres').at(-1)?.version ?? 0;
    expect(await migratePostgres(store())).toEqual({ from: 0, to: latest });
    const versions = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(versions.rows.map((r) => r.version)).toEqual(
      Array.from({ length: latest }, (_v, i) => i + 1),
    );
    expect(await validIndexes()).toEqual(['jobs_site_created', 'jobs_state_site']);
  });

  test('a run that stopped after building one index is run again whole', async () => {
    expect(await migratePostgres(store(), 14)).toEqual({ from: 0, to: 14 });
    // As a run cut off after the first index leaves it: built, the version not recorded.
    await client.query('CREATE INDEX jobs_site_created ON jobs (site)');
    const latest = loadMigrations('postgres').at(-1)?.version ?? 0;
    expect(await migratePostgres(store())).toEqual({ from: 14, to: latest });
    expect(await validIndexes()).toEqual(['jobs_site_created', 'jobs_state_site']);
    const columns = await client.query<{ def: string }>(
      "SELECT pg_get_indexdef('jobs_site_created'::regclass) AS def",
    );
    expect(columns.rows[0]?.def).toContain('(site, created_at)');
  });
});
