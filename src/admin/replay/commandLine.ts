import { DEFAULT_STRIPE_RATE, DEFAULT_TRIES, type ReplayArgs } from './args';

/**
 * Pure: the arguments that ask for `args` again (parseReplayArgs' inverse), for the "go on from
 * here" line of a run that stopped. Every option is carried: a resumed correction or revocation
 * must not turn into a plain replay. Defaults are left out.
 */
export function replayArgv(args: ReplayArgs): string[] {
  const argv = selectorArgv(args.selector);
  const c = args.correction;
  if (c?.plate !== undefined) argv.push('--plate', c.plate);
  if (c?.duration !== undefined) argv.push('--duration', c.duration);
  if (c?.zone !== undefined) argv.push('--zone', c.zone);
  if (c?.revoke) argv.push('--revoke');
  if (args.site !== undefined) argv.push('--site', args.site);
  if (args.account !== undefined) argv.push('--account', args.account);
  if (args.dryRun) argv.push('--dry-run');
  if (args.checkNow) argv.push('--check-now');
  if (args.force) argv.push('--force');
  if (args.by !== undefined) argv.push('--by', args.by);
  if (args.stripeRate !== DEFAULT_STRIPE_RATE) argv.push('--stripe-rate', String(args.stripeRate));
  if (args.tries !== DEFAULT_TRIES) argv.push('--tries', String(args.tries));
  if (args.json) argv.push('--json');
  return argv;
}

function selectorArgv(s: ReplayArgs['selector']): string[] {
  switch (s.kind) {
    case 'sessions':
      return s.ids.flatMap((id) => ['--session', id]);
    case 'events':
      return s.ids.flatMap((id) => ['--event', id]);
    case 'window':
      return ['--since', s.since, ...(s.until !== undefined ? ['--until', s.until] : [])];
    case 'failed':
      return ['--failed'];
  }
}

/** `npm run replay -- …` for `argv`, each word quoted for a POSIX shell where it needs it. */
export function replayCommandLine(argv: readonly string[]): string {
  const quote = (word: string) =>
    /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
  return ['npm run replay --', ...argv.map(quote)].join(' ');
}
