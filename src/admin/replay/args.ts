import { parseArgs } from 'node:util';
import { DateTime, Duration } from 'luxon';
import { parseCorrection, type CorrectionValues } from '../../domain/correction';

/** What the operator named: a window's times as typed (read in OPSCOM_TIMEZONE later). */
export type AskedSelector =
  | { kind: 'sessions'; ids: string[] }
  | { kind: 'events'; ids: string[] }
  | { kind: 'window'; since: string; until: string | undefined }
  | { kind: 'failed' };

export interface ReplayArgs {
  selector: AskedSelector;
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
  /** --site: only this site's payments (checked against the sites later). */
  site?: string | undefined;
  /** --account: only this connected account's (acct_…), read as it. */
  account?: string | undefined;
}

export type ParsedArgs =
  { ok: true; args: ReplayArgs } | { ok: true; help: true } | { ok: false; error: string };

export const DEFAULT_STRIPE_RATE = 10;
export const DEFAULT_TRIES = 3;

const OPTIONS = {
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
  site: { type: 'string' },
  account: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const readOptions = (argv: readonly string[]) =>
  parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: OPTIONS }).values;
type Values = ReturnType<typeof readOptions>;

/** Pure: the command line → what to replay, or the first thing wrong with it. */
export function parseReplayArgs(argv: readonly string[]): ParsedArgs {
  let values: Values;
  try {
    values = readOptions(argv);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (values.help) return { ok: true, help: true };
  if (values['check-now'] && !values['dry-run']) {
    return { ok: false, error: '--check-now goes with --dry-run (the reconcile report)' };
  }
  const selector = selectorOf(values);
  if (typeof selector === 'string') return { ok: false, error: selector };
  const correction = correctionOf(values);
  if (typeof correction === 'string') return { ok: false, error: correction };
  const numbers = numbersOf(values);
  if (typeof numbers === 'string') return { ok: false, error: numbers };
  const scope = scopeOf(values);
  if (typeof scope === 'string') return { ok: false, error: scope };
  return {
    ok: true,
    args: {
      selector,
      dryRun: values['dry-run'] === true,
      force: values.force === true,
      correction,
      json: values.json === true,
      by: values.by?.trim() || undefined,
      stripeRate: numbers.stripeRate,
      tries: Math.floor(numbers.tries),
      checkNow: values['check-now'] === true,
      ...scope,
    },
  };
}

/** --site and --account, well formed (whether a site has them is checked with the sites). */
function scopeOf(values: Values): Pick<ReplayArgs, 'site' | 'account'> | string {
  const { site, account } = values;
  if (site !== undefined && !/^[a-z0-9_-]+$/.test(site)) {
    return `--site ${site}: a site id is lower-case letters, digits, - and _ (SITES_FILE)`;
  }
  if (account !== undefined && !/^acct_\w+$/.test(account)) {
    return `--account ${account}: a connected account id looks like acct_…`;
  }
  return {
    ...(site !== undefined ? { site } : {}),
    ...(account !== undefined ? { account } : {}),
  };
}

/** One kind of selector, well formed; or what is wrong with it. */
function selectorOf(values: Values): AskedSelector | string {
  const sessions = values.session ?? [];
  const events = values.event ?? [];
  if (values.until !== undefined && values.since === undefined) return '--until needs --since';
  const kinds = [
    sessions.length > 0,
    events.length > 0,
    values.since !== undefined,
    values.failed === true,
  ].filter(Boolean).length;
  if (kinds === 0) return 'choose what to replay: --session, --event, --since or --failed';
  if (kinds > 1) return 'use one kind of selector at a time';
  const badSession = sessions.find((s) => !/^cs_\w+$/.test(s));
  if (badSession) return `--session ${badSession}: a Checkout Session id looks like cs_…`;
  const badEvent = events.find((e) => !/^evt_\w+$/.test(e));
  if (badEvent) return `--event ${badEvent}: an event id looks like evt_…`;
  for (const [name, text] of [
    ['--since', values.since],
    ['--until', values.until],
  ] as const) {
    if (text !== undefined && !DateTime.fromISO(text).isValid && !Duration.fromISO(text).isValid) {
      return `${name} ${text}: not an ISO-8601 time (e.g. 2026-11-01 or 2026-11-01T08:00-05:00) or duration ago (P2D)`;
    }
  }
  if (sessions.length > 0) return { kind: 'sessions', ids: [...new Set(sessions)] };
  if (events.length > 0) return { kind: 'events', ids: [...new Set(events)] };
  if (values.since !== undefined)
    return { kind: 'window', since: values.since, until: values.until };
  return { kind: 'failed' };
}

/** --plate, --duration, --zone, --revoke: checked like metadata, for one session only. */
function correctionOf(values: Values): CorrectionValues | null | string {
  const asked =
    values.plate !== undefined ||
    values.duration !== undefined ||
    values.zone !== undefined ||
    values.revoke === true;
  if (!asked) return null;
  if ((values.session ?? []).length !== 1) {
    return '--plate, --duration, --zone and --revoke act on one session: use them with a single --session';
  }
  for (const [name, text] of [
    ['--plate', values.plate],
    ['--duration', values.duration],
    ['--zone', values.zone],
  ] as const) {
    if (text !== undefined && text.trim() === '') return `${name} is empty`;
  }
  const parsed = parseCorrection({
    plate: values.plate,
    duration: values.duration,
    zone: values.zone,
    revoke: values.revoke,
  });
  return parsed.ok ? parsed.values : `--${parsed.error}`;
}

/** --stripe-rate and --tries, within their bounds. */
function numbersOf(values: Values): { stripeRate: number; tries: number } | string {
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
  if (typeof stripeRate === 'string') return stripeRate;
  if (typeof tries === 'string') return tries;
  return { stripeRate, tries };
}
