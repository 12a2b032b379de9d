import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateSqlite } from '../../src/store/sqlite/sqliteDatabase';
import { openSqliteLedger } from '../../src/store/sqlite/sqliteLedger';

test('the WAL reaches the database file without any commit doing it (worker-thread checkpoints)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-checkpoint-'));
  const path = join(dir, 'ledger.sqlite');
  migrateSqlite(path);
  const before = statSync(path).size;
  const ledger = openSqliteLedger(path);
  await Promise.all(
    Array.from({ length: 2000 }, (_, i) =>
      ledger.recordSessionEvent({
        eventId: `evt_${i}`,
        eventType: 'checkout.session.completed',
        eventCreated: 1,
        action: 'paid',
        session: {
          id: `cs_${i}`,
          livemode: false,
          paymentStatus: 'paid',
          amountTotal: 100,
          currency: 'cad',
          metadata: { plate: 'A1', duration: '60', note: 'x'.repeat(200) },
          customFields: {},
          paymentIntentId: null,
        },
        receivedAt: 1,
      }),
    ),
  );
  // Commits do not checkpoint (wal_autocheckpoint is 0); only the worker thread copies pages.
  const deadline = Date.now() + 5000;
  while (statSync(path).size <= before + 100_000 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  expect(statSync(path).size).toBeGreaterThan(before + 100_000);
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});
