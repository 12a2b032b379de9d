import { parseReplayArgs } from '../../src/admin/replay/args';
import { replayArgv } from '../../src/admin/replay/commandLine';
import { scopeOf } from '../../src/admin/replay/scope';
import { accountsToList } from '../../src/replay/scope';
import { indexSites } from '../../src/sites/site';
import { testSite } from '../support/siteFixtures';

const sites = indexSites(
  [{ ...testSite('north'), stripeAccount: 'acct_1North' }, testSite('east')],
  'east',
);

const parsed = (argv: string[]) => {
  const result = parseReplayArgs(argv);
  if (!result.ok || !('args' in result)) throw new Error(JSON.stringify(result));
  return result.args;
};
const refused = (argv: string[]) => {
  const result = parseReplayArgs(argv);
  return result.ok ? undefined : result.error;
};

describe('replay --site / --account', () => {
  test('are parsed, checked for their shape, and carried to the "go on" line', () => {
    const args = parsed(['--since', 'P2D', '--site', 'north', '--account', 'acct_1North']);
    expect(args).toMatchObject({ site: 'north', account: 'acct_1North' });
    expect(replayArgv(args)).toEqual([
      '--since',
      'P2D',
      '--site',
      'north',
      '--account',
      'acct_1North',
    ]);
    expect(parsed(['--failed'])).not.toHaveProperty('site');
    expect(refused(['--failed', '--site', 'North!'])).toMatch(/--site North!: a site id/);
    expect(refused(['--failed', '--account', 'north'])).toMatch(/looks like acct_/);
  });

  test("are checked against the sites: --site alone is the site's payments on any account", () => {
    expect(scopeOf({}, sites)).toEqual({});
    expect(scopeOf({ site: 'north' }, sites)).toEqual({ site: 'north', account: undefined });
    expect(scopeOf({ site: 'east' }, sites)).toEqual({ site: 'east', account: undefined });
    expect(scopeOf({ account: 'acct_1North' }, sites)).toEqual({
      site: 'north',
      account: 'acct_1North',
    });
    expect(scopeOf({ site: 'south' }, sites)).toBe(
      '--site south: no such site (the sites are: north, east)',
    );
    expect(scopeOf({ account: 'acct_1Other' }, sites)).toMatch(/no site has this connected/);
    expect(scopeOf({ site: 'east', account: 'acct_1North' }, sites)).toMatch(
      /is site north's, not east's/,
    );
  });

  test('a window lists the platform and every account, or the scope only', () => {
    expect(accountsToList({ scope: {}, sites })).toEqual([undefined, 'acct_1North']);
    expect(accountsToList({ scope: {}, sites: undefined })).toEqual([undefined]);
    expect(accountsToList({ scope: { account: 'acct_1North', site: 'north' }, sites })).toEqual([
      'acct_1North',
    ]);
    expect(accountsToList({ scope: { site: 'east' }, sites })).toEqual([undefined]);
    // A Connect site's payments: its account's (direct charges) and the platform's naming it.
    expect(accountsToList({ scope: { site: 'north' }, sites })).toEqual([undefined, 'acct_1North']);
  });
});
