import { PassThrough } from 'node:stream';
import { replayCommand } from '../../src/admin/replay/command';
import type { SessionOutcome } from '../../src/replay/outcome';
import type { RunSummary } from '../../src/admin/replay/summary';
import type { Harness } from './harness';
import { makeEvent, makeSession, type SessionOverrides } from './stripeFixtures';

export interface ReplayRun {
  code: number;
  stdout: string;
  stderr: string;
  /** With --json: one outcome per session, keyed by session id. */
  outcomes: Map<string, SessionOutcome>;
  summary: RunSummary | undefined;
}

export interface ReplayRunOptions {
  env?: Record<string, string>;
  isTTY?: boolean;
  /** Called with each line written to stdout, as it is written. */
  onLine?: (line: string) => void;
}

/** Runs `npm run replay -- …` in this process, beside the harness's adapter, on its ledger. */
export async function runReplayCli(
  h: Harness,
  argv: string[],
  options: ReplayRunOptions = {},
): Promise<ReplayRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    const text = c.toString('utf8');
    out += text;
    for (const line of text.split('\n')) if (line) options.onLine?.(line);
  });
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const code = await replayCommand(['--stripe-rate', '1000', ...argv], {
    env: { ...h.env, ...options.env },
    stdout,
    stderr,
    isTTY: options.isTTY ?? false,
    readBackoffMs: 5,
  });
  const outcomes = new Map<string, SessionOutcome>();
  let summary: RunSummary | undefined;
  if (argv.includes('--json')) {
    for (const line of out.split('\n').filter(Boolean)) {
      const parsed = JSON.parse(line) as SessionOutcome | { summary: RunSummary };
      if ('summary' in parsed) summary = parsed.summary;
      else outcomes.set(parsed.sessionId, parsed);
    }
  }
  return { code, stdout: out, stderr: err, outcomes, summary };
}

/**
 * A session Stripe has, with the event that completed it at `created` (Unix seconds): what
 * the webhook would have delivered. Returns the session and that event.
 */
export function seedPaidSession(
  h: Harness,
  overrides: SessionOverrides = {},
  created = Math.floor(Date.now() / 1000) - 600,
): {
  session: Record<string, unknown> & { id: string };
  event: Record<string, unknown> & { id: string; created: number };
} {
  const session = { ...makeSession(overrides), created };
  h.stripe.addSession(session);
  const event = makeEvent('checkout.session.completed', session, { created }) as Record<
    string,
    unknown
  > & {
    id: string;
    created: number;
  };
  h.stripe.addEvent(event);
  return { session, event };
}

export const opscomCreates = (h: Harness) =>
  h.opscom.received.filter((r) => r.path.endsWith('/push') && r.answered === 'success');
export const opscomUpdates = (h: Harness) =>
  h.opscom.received.filter((r) => r.path.endsWith('/update') && r.answered === 'success');
