import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Ledger } from '../../src/store/ledger';
import { loadMigrations } from '../../src/store/migrations';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { createPool } from '../../src/store/postgres/postgresDatabase';
import { openSqliteDatabase } from '../../src/store/sqlite/sqliteDatabase';
import { snapshot, sessionEvent } from '../support/ledgerInputs';
import { ledgerStores } from '../support/ledgerStores';

// A job's site (issue 26) is decided once at intake and stored with the job; the contract holds
// on both ledgers, for new jobs and for jobs recorded before the column existed.
const logger = createLogger({ level: 'error', pretty: false, silent: true });
const backends = ledgerStores('ledger-sites-', 4);

const session = snapshot;
const event = sessionEvent;

describe.each(backends)('sites on the %s ledger', (_name, makeStore) => {
  let ledger: Ledger;
  beforeAll(async () => {
    const store = await makeStore();
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
  });
  afterAll(() => ledger.close());

  test('the site is stored when the job is created', async () => {
    await ledger.recordSessionEvent(event('cs_north', 'paid', { site: 'north' }));
    expect((await ledger.getJob('cs_north'))?.site).toBe('north');
  });

  test('a later event of the session never changes its site', async () => {
    await ledger.recordSessionEvent(event('cs_wait', 'awaiting_payment', { site: 'north' }));
    // The delayed payment succeeds (the job advances), then a duplicate-looking completion.
    const paid = await ledger.recordSessionEvent(event('cs_wait', 'paid', { site: 'east' }));
    expect(paid).toEqual({ event: 'recorded', job: 'updated', state: 'pending' });
    await ledger.recordSessionEvent(event('cs_wait', 'paid', { site: null }));
    expect((await ledger.getJob('cs_wait'))?.site).toBe('north');
  });

  test("no site given is the default site's", async () => {
    await ledger.recordSessionEvent(event('cs_plain', 'paid'));
    expect((await ledger.getJob('cs_plain'))?.site).toBe('default');
  });

  test('null (no configured site matched) is kept as null', async () => {
    await ledger.recordSessionEvent(event('cs_nowhere', 'paid', { site: null }));
    expect((await ledger.getJob('cs_nowhere'))?.site).toBeNull();
    // A later event naming a site does not adopt it: the job fails with siteOf's reason.
    await ledger.recordSessionEvent(event('cs_nowhere', 'paid', { site: 'north' }));
    expect((await ledger.getJob('cs_nowhere'))?.site).toBeNull();
  });

  test('a whole-job write keeps the site it read', async () => {
    await ledger.recordSessionEvent(event('cs_kept', 'paid', { site: 'east' }));
    await ledger.changeJob('cs_kept', (job) => ({
      result: undefined,
      write: { ...job!, lastError: 'x', revision: job!.revision + 1 },
    }));
    expect(await ledger.getJob('cs_kept')).toMatchObject({ site: 'east', lastError: 'x' });
  });
});

/** The site migration's version on each ledger (sqlite 010, postgres 013). */
const siteMigration = (dialect: 'sqlite' | 'postgres'): number => {
  const found = loadMigrations(dialect).find((m) => m.name.endsWith('_site'));
  if (!found) throw new Error(`no ${dialect} site migration`);
  return found.version;
};

/** Runs `sql` on the store outside the ledger (the schema may be older than this build's). */
async function onDatabase(store: StoreConfig, statements: readonly string[]): Promise<void> {
  if (store.kind === 'sqlite') {
    const db = openSqliteDatabase(store.sqlitePath);
    try {
      for (const sql of statements) db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const pool = createPool({ ...store, poolSize: 1 });
  try {
    for (const sql of statements) await pool.query(sql);
  } finally {
    await pool.end();
  }
}

/** The schema as it stood just before the site column: every earlier migration, recorded. */
function migrationsBeforeSites(store: StoreConfig): string[] {
  const dialect = store.kind === 'sqlite' ? 'sqlite' : 'postgres';
  const before = loadMigrations(dialect).filter((m) => m.version < siteMigration(dialect));
  const appliedAt = dialect === 'sqlite' ? ', applied_at' : '';
  const appliedValue = dialect === 'sqlite' ? ', 0' : '';
  return [
    `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${
      dialect === 'sqlite' ? 'INTEGER NOT NULL' : 'timestamptz NOT NULL DEFAULT now()'
    })`,
    ...before.flatMap((m) => [
      m.sql,
      `INSERT INTO schema_migrations (version, name${appliedAt}) VALUES (${m.version}, '${m.name}'${appliedValue})`,
    ]),
  ];
}

describe.each(backends)('the site migration on the %s ledger', (_name, makeStore) => {
  test("jobs recorded before the column existed are the default site's", async () => {
    const store = await makeStore();
    const livemode = store.kind === 'sqlite' ? '0' : 'false';
    const json = JSON.stringify(session('cs_old')).replace(/'/g, "''");
    await onDatabase(store, [
      ...migrationsBeforeSites(store),
      `INSERT INTO jobs (session_id, state, livemode, session_json, next_run_at, created_at, updated_at)
       VALUES ('cs_old', 'awaiting_payment', ${livemode}, '${json}', 1000, 1000, 1000)`,
    ]);

    const { from, to } = await migrateLedger(store);
    const dialect = store.kind === 'sqlite' ? 'sqlite' : 'postgres';
    expect(from).toBe(siteMigration(dialect) - 1);
    expect(to).toBeGreaterThanOrEqual(siteMigration(dialect));
    const ledger = await openLedger(store, logger);
    try {
      expect((await ledger.getJob('cs_old'))?.site).toBe('default');
      // Its delayed payment arriving now, naming another site, leaves it the default site's.
      await ledger.recordSessionEvent(event('cs_old', 'paid', { site: 'north' }));
      expect(await ledger.getJob('cs_old')).toMatchObject({ state: 'pending', site: 'default' });
    } finally {
      await ledger.close();
    }
  });

  test("a job written without naming its site (an older adapter, mid-deploy) is the default site's", async () => {
    const store = await makeStore();
    await migrateLedger(store);
    const json = JSON.stringify(session('cs_mid')).replace(/'/g, "''");
    // What the previous build sends: SQLite's insert without the column, PostgreSQL's batch
    // item without the key (record_session_events is redefined under it by the migration).
    const statement =
      store.kind === 'sqlite'
        ? `INSERT INTO jobs (session_id, state, livemode, session_json, next_run_at, created_at, updated_at)
           VALUES ('cs_mid', 'pending', 0, '${json}', 1000, 1000, 1000)`
        : `SELECT record_session_events('${JSON.stringify([
            {
              eventId: 'evt_mid',
              eventType: 'checkout.session.completed',
              sessionId: 'cs_mid',
              eventCreated: 1_780_000_000,
              livemode: false,
              outcome: 'paid',
              state: 'pending',
              sessionJson: JSON.stringify(session('cs_mid')),
              paidEventId: 'evt_mid',
              paidAt: 1_780_000_000,
              now: 1000,
              traceContext: null,
            },
          ]).replace(/'/g, "''")}'::jsonb)`;
    await onDatabase(store, [statement]);
    const ledger = await openLedger(store, logger);
    try {
      expect(await ledger.getJob('cs_mid')).toMatchObject({ state: 'pending', site: 'default' });
    } finally {
      await ledger.close();
    }
  });
});
