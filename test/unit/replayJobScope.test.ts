import type { SessionSnapshot } from '../../src/domain/sessionSnapshot';
import { jobInScope, sessionInScope, siteIdOfJob } from '../../src/replay/scope';
import { indexSites } from '../../src/sites/site';
import { testSite } from '../support/siteFixtures';

// Which jobs a `replay --site` / `--account` is about: the site the worker routes a job to
// (src/sites: a job stored as 'default' before the sites file is the default site's).
const sites = indexSites(
  [{ ...testSite('north'), stripeAccount: 'acct_1North' }, testSite('east')],
  'east',
);
const job = (site: string | null, metadata: Record<string, string> = {}, account?: string) => ({
  site,
  session: { metadata, ...(account ? { stripeAccount: account } : {}) },
});
const east = { scope: { site: 'east' }, sites };
const north = { scope: { site: 'north', account: 'acct_1North' }, sites };

describe('replay scope of a job', () => {
  test("a job stored as 'default' before the sites file is the default site's", () => {
    expect(siteIdOfJob(job('default'), east)).toBe('east');
    expect(jobInScope(job('default'), east)).toBe(true);
    expect(jobInScope(job('default'), { scope: { site: 'north' }, sites })).toBe(false);
  });

  test("'default' is a site's own id when a site has it", () => {
    const withDefault = indexSites([testSite('default'), testSite('east')], 'east');
    expect(jobInScope(job('default'), { scope: { site: 'east' }, sites: withDefault })).toBe(false);
    expect(jobInScope(job('default'), { scope: { site: 'default' }, sites: withDefault })).toBe(
      true,
    );
  });

  test('a job stored with no site is placed again, as the worker places it', () => {
    expect(jobInScope(job(null, { site: 'north' }), { scope: { site: 'north' }, sites })).toBe(
      true,
    );
    expect(jobInScope(job(null, {}), east)).toBe(true);
    expect(jobInScope(job(null, { site: 'south' }), east)).toBe(false);
  });

  test('an account scope wants the job of that account', () => {
    expect(jobInScope(job('north', {}, 'acct_1North'), north)).toBe(true);
    expect(jobInScope(job('north'), north)).toBe(false);
  });

  test('a session the ledger does not know is placed as intake would place it', () => {
    const session = (metadata: Record<string, string>): SessionSnapshot => ({
      id: 'cs_1',
      livemode: false,
      paymentStatus: 'paid',
      amountTotal: 1450,
      currency: 'cad',
      metadata,
      customFields: {},
      paymentIntentId: 'pi_1',
    });
    expect(sessionInScope(session({}), undefined, east)).toBe(true);
    expect(sessionInScope(session({ site: 'north' }), undefined, east)).toBe(false);
    // A job the ledger has wins over the session's clues.
    expect(sessionInScope(session({ site: 'north' }), job('east'), east)).toBe(true);
  });
});
