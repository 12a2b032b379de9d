/** What a payment carries that names its site. */
export interface SiteClues {
  /** The event's `account`: set when a connected account's event reached a Connect endpoint. */
  account: string | undefined;
  /** The session's `metadata.site`. */
  metadataSite: string | undefined;
}

/** The configured sites as far as recognising a payment needs them. */
export interface SiteDirectory {
  readonly byId: ReadonlyMap<string, unknown>;
  readonly byAccount: ReadonlyMap<string, string>;
  readonly defaultId: string | undefined;
  /** Without SITES_FILE: every payment is the default site's, whatever it names. */
  readonly takesEveryPayment?: boolean;
}

export type SiteOf = { ok: true; siteId: string } | { ok: false; reason: string };

/**
 * A payment's site, decided once at intake: a Connect event's account, else `metadata.site`,
 * else the default site. The account wins over the metadata: a connected account's event
 * cannot claim another operator's site.
 */
export function siteOf(clues: SiteClues, sites: SiteDirectory): SiteOf {
  if (sites.takesEveryPayment && sites.defaultId !== undefined) {
    return { ok: true, siteId: sites.defaultId };
  }
  if (clues.account !== undefined) {
    const siteId = sites.byAccount.get(clues.account);
    if (siteId !== undefined) return { ok: true, siteId };
    return {
      ok: false,
      reason: `the event comes from connected account ${clues.account}, which no site has as its stripeAccount (SITES_FILE)`,
    };
  }
  const named = clues.metadataSite?.trim();
  if (named) {
    if (sites.byId.has(named)) return { ok: true, siteId: named };
    // Quoted as JSON and cut short: it is the payer's metadata, shown to operators as is.
    const shown = JSON.stringify(named.slice(0, 64));
    return { ok: false, reason: `metadata.site ${shown} is not a configured site` };
  }
  if (sites.defaultId !== undefined) return { ok: true, siteId: sites.defaultId };
  return {
    ok: false,
    reason:
      'the payment names no site (no connected account, no metadata.site) and no DEFAULT_SITE is set',
  };
}
