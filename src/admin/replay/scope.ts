import type { Scope } from '../../replay/selector';
import type { Sites } from '../../sites/site';
import type { ReplayArgs } from './args';

/**
 * --site / --account checked against the configured sites: the scope the engine runs with,
 * or what is wrong, for the operator.
 */
export function scopeOf(args: Pick<ReplayArgs, 'site' | 'account'>, sites: Sites): Scope | string {
  const { site, account } = args;
  if (site === undefined && account === undefined) return {};
  const known = [...sites.byId.keys()].join(', ');
  const named = site === undefined ? undefined : sites.byId.get(site);
  if (site !== undefined && named === undefined) {
    return `--site ${site}: no such site (the sites are: ${known})`;
  }
  const accountSite = account === undefined ? undefined : sites.byAccount.get(account);
  if (account !== undefined && accountSite === undefined) {
    return `--account ${account}: no site has this connected account as its stripeAccount (SITES_FILE)`;
  }
  if (site !== undefined && accountSite !== undefined && accountSite !== site) {
    return `--account ${account ?? ''} is site ${accountSite}'s, not ${site}'s: give one of them`;
  }
  // --site alone is the site's payments wherever they were made: its connected account's
  // (direct charges) and the platform's naming it (metadata.site, destination charges).
  return { site: site ?? accountSite, account };
}
