export const USAGE = `Usage: npm run replay -- <selector> [options]

Selectors (one kind):
  --session cs_…        a Checkout Session (repeatable)
  --event evt_…         an event, as if it had just been delivered (repeatable)
  --since TIME          every paid session from TIME (ISO-8601; without an offset,
  [--until TIME]        OPSCOM_TIMEZONE; or a duration ago, e.g. P2D or PT6H) to
                        --until (default: now)
  --failed              every job the ledger holds as failed or dead

Options:
  --site S              only site S's payments (SITES_FILE): with a connected
                        account, that account's; else the jobs whose site is S
  --account acct_…      only this connected account's payments, read as it
                        (a --since window otherwise lists the platform's and
                        every configured account's)
  --dry-run             say what would happen; change nothing anywhere
                        (with --since: the reconcile report)
  --check-now           with --dry-run: ask OPSCOM's Plate Validation now whether
                        enforcement sees each permit (needs OPSCOM_VERIFY=on)
  --force               re-send a session that already has a permit, as an update
                        of that same permit (never a second one)
  --plate P, --duration D, --zone Z
                        correct a session whose metadata cannot be mapped
                        (with a single --session; its metadata is kept as is)
  --revoke              take a session's permit away: deleted in OPSCOM, or never
                        made (with a single --session)
  --by NAME             who is replaying, for the ledger (default: user@host)
  --json                one JSON object per line instead of the table
  --stripe-rate N       Stripe reads per second at most (default 10; Stripe allows
                        about 25/s in test mode, 100/s live)
  --tries N             rounds per session when OPSCOM or Stripe fails (default 3)

Exit: 0 nothing failed, 1 something failed (or the run stopped), 2 bad arguments.`;
