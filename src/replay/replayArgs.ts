import { parseArgs } from 'node:util';
import { DateTime, Duration } from 'luxon';
import { parseCorrection, type CorrectionValues } from '../domain/correction';

export type Selector =
  | { kind: 'sessions'; ids: string[] }
  | { kind: 'events'; ids: string[] }
  | { kind: 'window'; since: string; until: string | undefined }
  | { kind: 'failed' };

export interface ReplayArgs {
  selector: Selector;
  dryRun: boolean;
  force: boolean;
  /** The operator's values for unmappable metadata (single --session only). */
  correction: CorrectionValues | null;
  json: boolean;
  by: string | undefined;
  /** Stripe reads started per second at most. */
  stripeRate: number;
  /** Rounds per session when a step fails for a reason that can pass. */
  tries: number;
  /** With --dry-run: ask OPSCOM's Plate Validation about each permit now, not the last check. */
  checkNow: boolean;
}

export type ParsedArgs =
  { ok: true; args: ReplayArgs } | { ok: true; help: true } | { ok: false; error: string };

export const USAGE = `Usage: npm run replay -- <selector> [options]

Selectors (one kind):
  --session cs_…        a Checkout Session (repeatable)
  --event evt_…         an event, as if it had just been delivered (repeatable)
  --since TIME          every paid session from TIME (ISO-8601; without an offset,
  [--until TIME]        OPSCOM_TIMEZONE; or a duration ago, e.g. P2D or PT6H) to
                        --until (default: now)
  --failed              every job the ledger holds as failed or dead

Options:
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

const DEFAULT_STRIPE_RATE = 10;
const DEFAULT_TRIES = 3;

/** Pure: the command line → what to replay, or the first thing wrong with it. */
export function parseReplayArgs(argv: readonly string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        session: { type: 'string', multiple: true },
        event: { type: 'string', multiple: true },
        since: { type: 'string' },
        until: { type: 'string' },
        failed: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        plate: { type: 'string' },
        duration: { type: 'string' },
        zone: { type: 'string' },
        revoke: { type: 'boolean' },
        json: { type: 'boolean' },
        by: { type: 'string' },
        'stripe-rate': { type: 'string' },
        tries: { type: 'string' },
        'check-now': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (values.help) return { ok: true, help: true };
  if (values['check-now'] && !values['dry-run']) {
    return { ok: false, error: '--check-now goes with --dry-run (the reconcile report)' };
  }

  const sessions = values.session ?? [];
  const events = values.event ?? [];
  if (values.until !== undefined && values.since === undefined) {
    return { ok: false, error: '--until needs --since' };
  }
  const kinds = [
    sessions.length > 0,
    events.length > 0,
    values.since !== undefined,
    values.failed === true,
  ].filter(Boolean).length;
  if (kinds === 0)
    return { ok: false, error: 'choose what to replay: --session, --event, --since or --failed' };
  if (kinds > 1) return { ok: false, error: 'use one kind of selector at a time' };
  const badSession = sessions.find((s) => !/^cs_\w+$/.test(s));
  if (badSession)
    return { ok: false, error: `--session ${badSession}: a Checkout Session id looks like cs_…` };
  const badEvent = events.find((e) => !/^evt_\w+$/.test(e));
  if (badEvent) return { ok: false, error: `--event ${badEvent}: an event id looks like evt_…` };
  for (const [name, text] of [
    ['--since', values.since],
    ['--until', values.until],
  ] as const) {
    if (text !== undefined && !DateTime.fromISO(text).isValid && !Duration.fromISO(text).isValid) {
      return {
        ok: false,
        error: `${name} ${text}: not an ISO-8601 time (e.g. 2026-11-01 or 2026-11-01T08:00-05:00) or duration ago (P2D)`,
      };
    }
  }

  let correction: ReplayArgs['correction'] = null;
  const asked =
    values.plate !== undefined ||
    values.duration !== undefined ||
    values.zone !== undefined ||
    values.revoke === true;
  if (asked) {
    if (sessions.length !== 1) {
      return {
        ok: false,
        error:
          '--plate, --duration, --zone and --revoke act on one session: use them with a single --session',
      };
    }
    for (const [name, text] of [
      ['--plate', values.plate],
      ['--duration', values.duration],
      ['--zone', values.zone],
    ] as const) {
      if (text !== undefined && text.trim() === '') return { ok: false, error: `${name} is empty` };
    }
    const parsed = parseCorrection({
      plate: values.plate,
      duration: values.duration,
      zone: values.zone,
      revoke: values.revoke,
    });
    if (!parsed.ok) return { ok: false, error: `--${parsed.error}` };
    correction = parsed.values;
  }

  const number = (name: string, text: string | undefined, fallback: number, max: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    return Number.isFinite(n) && n > 0 && n <= max
      ? n
      : `${name} must be a number from 1 to ${max}`;
  };
  // Stripe allows about 25 reads per second in test mode; 1000 exists for the simulators.
  const stripeRate = number('--stripe-rate', values['stripe-rate'], DEFAULT_STRIPE_RATE, 1000);
  const tries = number('--tries', values.tries, DEFAULT_TRIES, 20);
  if (typeof stripeRate === 'string') return { ok: false, error: stripeRate };
  if (typeof tries === 'string') return { ok: false, error: tries };

  const selector: Selector =
    sessions.length > 0
      ? { kind: 'sessions', ids: [...new Set(sessions)] }
      : events.length > 0
        ? { kind: 'events', ids: [...new Set(events)] }
        : values.since !== undefined
          ? { kind: 'window', since: values.since, until: values.until }
          : { kind: 'failed' };
  return {
    ok: true,
    args: {
      selector,
      dryRun: values['dry-run'] === true,
      force: values.force === true,
      correction,
      json: values.json === true,
      by: values.by?.trim() || undefined,
      stripeRate,
      tries: Math.floor(tries),
      checkNow: values['check-now'] === true,
    },
  };
}

/**
 * Pure: the arguments that ask for `args` again (parseReplayArgs' inverse), for the "go on from
 * here" line of a run that stopped. Every option is carried: a resumed correction or revocation
 * must not turn into a plain replay. Defaults are left out.
 */
export function replayArgv(args: ReplayArgs): string[] {
  const argv: string[] = [];
  const s = args.selector;
  switch (s.kind) {
    case 'sessions':
      for (const id of s.ids) argv.push('--session', id);
      break;
    case 'events':
      for (const id of s.ids) argv.push('--event', id);
      break;
    case 'window':
      argv.push('--since', s.since);
      if (s.until !== undefined) argv.push('--until', s.until);
      break;
    case 'failed':
      argv.push('--failed');
  }
  const c = args.correction;
  if (c?.plate !== undefined) argv.push('--plate', c.plate);
  if (c?.duration !== undefined) argv.push('--duration', c.duration);
  if (c?.zone !== undefined) argv.push('--zone', c.zone);
  if (c?.revoke) argv.push('--revoke');
  if (args.dryRun) argv.push('--dry-run');
  if (args.checkNow) argv.push('--check-now');
  if (args.force) argv.push('--force');
  if (args.by !== undefined) argv.push('--by', args.by);
  if (args.stripeRate !== DEFAULT_STRIPE_RATE) argv.push('--stripe-rate', String(args.stripeRate));
  if (args.tries !== DEFAULT_TRIES) argv.push('--tries', String(args.tries));
  if (args.json) argv.push('--json');
  return argv;
}

/** `npm run replay -- …` for `argv`, each word quoted for a POSIX shell where it needs it. */
export function replayCommandLine(argv: readonly string[]): string {
  const quote = (word: string) =>
    /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
  return ['npm run replay --', ...argv.map(quote)].join(' ');
}
