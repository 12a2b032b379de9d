import { createLogger } from '../../src/logger';
import { indexSites } from '../../src/sites/site';
import type { Ledger } from '../../src/store/ledger';
import { migrateLedger, openLedger } from '../../src/store/openLedger';
import { validationAccess } from '../../src/verify/validationAlert';
import type { RoundSummary } from '../../src/verify/verifyRound';
import { ledgerStores } from '../support/ledgerStores';
import { testSite } from '../support/siteFixtures';

// Plate Validation's alerts per site (issue 26): an answer clears that site's alert even in a
// round another site's outage stopped (else a fixed token's alert stayed open for as long as
// another site's endpoint was down); with one site, only a round with no failure clears it.
const logger = createLogger({ level: 'error', pretty: false, silent: true });
const round = (over: Partial<RoundSummary>): RoundSummary => ({
  checked: 0,
  calls: 1,
  stopped: { kind: 'transient', error: 'OPSCOM Plate Validation answered HTTP 500' },
  refused: [],
  answered: [],
  ...over,
});
const openKeys = async (ledger: Ledger) => (await ledger.openAlerts()).map((a) => a.key).sort();

describe.each(ledgerStores('validation-alerts-', 2))('on the %s ledger', (_name, makeStore) => {
  let ledger: Ledger;
  beforeEach(async () => {
    const store = await makeStore();
    await migrateLedger(store);
    ledger = await openLedger(store, logger);
  });
  afterEach(() => ledger.close());
  const raise = (key: string) =>
    ledger.raiseAlert({ key, kind: 'opscom_validation', sessionId: null, message: 'x', now: 1 });

  test("several sites: north's answer clears north's alert in a round east's outage stopped", async () => {
    const access = validationAccess(indexSites([testSite('north'), testSite('east')], 'north'));
    await raise('opscom_validation:north');
    await raise('opscom_validation:east');
    await access.record(ledger, round({ answered: ['north'] }), 2);
    expect(await openKeys(ledger)).toEqual(['opscom_validation:east']);
  });

  test('one site: a round stopped by an outage clears nothing, one without a failure does', async () => {
    const access = validationAccess(indexSites([testSite('default')], 'default'));
    await raise('opscom_validation');
    await access.record(ledger, round({ answered: ['default'] }), 2);
    expect(await openKeys(ledger)).toEqual(['opscom_validation']);
    await access.record(ledger, round({ answered: ['default'], stopped: undefined }), 3);
    expect(await openKeys(ledger)).toEqual([]);
  });
});
