import { DateTime, Duration } from 'luxon';
import type { Selector } from '../../replay/selector';
import type { AskedSelector, ReplayArgs } from './args';
import { replayArgv, replayCommandLine } from './commandLine';

/**
 * --since/--until → Unix seconds: a time without an offset is in OPSCOM_TIMEZONE; a duration
 * (P2D, PT6H) is that long before now, for a scheduled run (`--since P2D` every night).
 */
export function toSelector(asked: AskedSelector, timezone: string): Selector | string {
  if (asked.kind !== 'window') return asked;
  const at = (text: string) => {
    const ago = Duration.fromISO(text);
    return ago.isValid ? DateTime.now().minus(ago) : DateTime.fromISO(text, { zone: timezone });
  };
  const since = Math.floor(at(asked.since).toSeconds());
  const until =
    asked.until === undefined
      ? Math.floor(Date.now() / 1000)
      : Math.floor(at(asked.until).toSeconds());
  if (until < since) return `--until (${asked.until ?? 'now'}) is before --since (${asked.since})`;
  return { kind: 'window', since, until };
}

/** The command line that runs `selector` with the same options (for "go on from here"). */
export function commandFor(selector: Selector, args: ReplayArgs): string {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const asked: AskedSelector =
    selector.kind === 'window'
      ? { kind: 'window', since: iso(selector.since), until: iso(selector.until) }
      : selector;
  return replayCommandLine(replayArgv({ ...args, selector: asked }));
}
