/** What a replay run goes through: its times are Unix seconds (the caller reads the operator's). */
export type Selector =
  | { kind: 'sessions'; ids: string[] }
  | { kind: 'events'; ids: string[] }
  | { kind: 'window'; since: number; until: number }
  | { kind: 'failed' };

/**
 * --site / --account: the payments a run is about; both undefined: every site's and account's.
 * A site with a connected account comes with that account (its objects are read as it).
 */
export interface Scope {
  /** Only this connected account's objects (acct_…), read as that account. */
  account?: string | undefined;
  /** Only the jobs of this site (the ledger's site, else decided as intake decides). */
  site?: string | undefined;
}
