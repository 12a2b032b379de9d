import { DateTime } from 'luxon';
import { createLogger } from '../../src/logger';
import { createPlateValidationClient } from '../../src/opscom/plateValidation';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { createPace } from '../../src/verify/pace';
import { verifyPermits } from '../../src/verify/verifyRound';
import { fillDoneJobs } from '../../tools/bench/fillLedger';
import { standingPermits } from '../../tools/bench/verifyRun';
import { startOpscomSimulator } from '../../tools/simulators/opscomSimulator';
import { ledgerStores } from '../support/ledgerStores';

// The verification bench's premise (npm run bench:verify): a ledger filled in bulk with
// standing permits has each one due a check, and the simulator holding them in bulk shows
// each to Plate Validation, so the bench measures checks that come out visible.
describe.each(ledgerStores('verify-fill-', 4))('on the %s ledger', (_name, storeOf) => {
  test('every filled standing permit is due, and the simulator shows each as visible', async () => {
    const store = await storeOf();
    await migrateLedger(store);
    const end = DateTime.now().setZone('America/Toronto').plus({ days: 1 }).startOf('minute');
    const count = 120;
    await fillDoneJobs(store, count, { pending: 0, failed: 0 }, end);
    const opscom = await startOpscomSimulator({ apiToken: 'fill-token' });
    opscom.enforcement.hold(standingPermits(count, end));
    const logger = createLogger({ level: 'error', pretty: false, silent: true });
    const ledger = await openLedger(store, logger);
    try {
      const now = Date.now();
      const timing = { delayMs: 1000, everyMs: 3_600_000 };
      const claimed = await ledger.claimVerifications({
        owner: 'bench-test',
        now,
        leaseMs: 60_000,
        ...timing,
        limit: 1000,
      });
      expect(claimed.map((v) => v.plate).sort()).toEqual(
        Array.from({ length: count }, (_, i) => `B${i}`).sort(),
      );
      const summary = await verifyPermits(claimed, {
        ledger,
        validation: createPlateValidationClient({
          url: new URL(`${opscom.url}/api/v1/validate/plate`),
          apiToken: 'fill-token',
          client: 'OC-TOMA',
          timeoutMs: 5000,
        }),
        pace: createPace(1000),
        timezone: 'America/Toronto',
        ...timing,
        owner: 'bench-test',
        now: Date.now,
        logger,
        concurrency: 4,
      });
      expect(summary).toMatchObject({ checked: count, calls: count, stopped: undefined });
      const results = await Promise.all(
        claimed.map(async (v) => (await ledger.getVerification(v.sessionId))?.lastResult),
      );
      expect(new Set(results)).toEqual(new Set(['visible']));
    } finally {
      await ledger.close();
      await opscom.close();
    }
  });
});
