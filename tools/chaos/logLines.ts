import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { LogLine } from './timelineGather';

/** Past this many lines for one session the rest is left in the files (a timeline stays readable). */
const MAX_LINES_PER_SESSION = 500;

/**
 * The log lines that name any of `sessionIds`, per session, from each file (the adapters' logs,
 * replay's stderr), read a line at a time: a full-size run's logs are tens of megabytes.
 * `label` is how the timeline names the file (its path in the kept folder).
 */
export async function logLinesFor(
  sessionIds: ReadonlySet<string>,
  files: ReadonlyArray<{ path: string; label: string }>,
): Promise<Map<string, LogLine[]>> {
  const out = new Map<string, LogLine[]>();
  if (sessionIds.size === 0) return out;
  for (const { path, label } of files) {
    if (!existsSync(path)) continue;
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.includes('cs_')) continue;
      for (const id of new Set(line.match(/\bcs_\w+/g) ?? [])) {
        if (!sessionIds.has(id)) continue;
        const kept = out.get(id) ?? [];
        if (kept.length < MAX_LINES_PER_SESSION)
          kept.push({ at: timestampOf(line), file: label, line });
        out.set(id, kept);
      }
    }
  }
  return out;
}

function timestampOf(line: string): number | undefined {
  const at = /"timestamp":"([^"]+)"/.exec(line)?.[1];
  const ms = at === undefined ? NaN : Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}
