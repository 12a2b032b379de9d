import { hostname, userInfo } from 'node:os';
import { DateTime, Duration } from 'luxon';
import { loadConfig, type Config } from '../config';
import { describeError } from '../errors';
import { createLogger } from '../logger';
import { pacedReader } from '../replay/pacedReader';
import {
  parseReplayArgs,
  replayArgv,
  replayCommandLine,
  USAGE,
  type ReplayArgs,
  type Selector,
} from '../replay/replayArgs';
import { checkNowWith } from '../replay/checkNow';
import { createReporter, exitCodeFor } from '../replay/report';
import { runReplay, type RunSelector } from '../replay/runReplay';
import { openLedger } from '../store/openLedger';
import { newOwnerId } from '../store/owner';
import { createStripeClient } from '../stripe/stripeClient';
import { createStripeReader } from '../stripe/stripeReader';
import { jobServices } from '../worker/jobServices';

export interface ReplayIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** stderr is a terminal: draw a progress bar. */
  isTTY: boolean;
  /** For tests: the first wait after a failed Stripe read (default 1 s). */
  readBackoffMs?: number;
}

/**
 * `npm run replay -- …`: recovers paid sessions the webhook path missed or failed, through the
 * worker's own code (mapping, OPSCOM, write-back) and the same ledger, so it is safe beside a
 * running server. Returns the exit status: 0 all well, 1 something failed, 2 bad arguments.
 */
export async function replayCommand(argv: readonly string[], io: ReplayIo): Promise<number> {
  const parsed = parseReplayArgs(argv);
  if (!parsed.ok) {
    io.stderr.write(`replay: ${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  if ('help' in parsed) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parsed.args;
  const config = loadConfig(io.env);
  const selector = toRunSelector(args, config);
  if (typeof selector === 'string') {
    io.stderr.write(`replay: ${selector}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.checkNow && !config.verify) {
    io.stderr.write(
      "replay: --check-now asks OPSCOM's Plate Validation, which this adapter uses only with OPSCOM_VERIFY=on (and OPSCOM_VALIDATE_URL, OPSCOM_CLIENT): set them, or leave --check-now out to read the last checks\n",
    );
    return 2;
  }

  // Operator lines go to stdout; log lines to stderr: replay's own from warnings up, the
  // worker code's errors only (its warnings repeat what the session's line says).
  const pretty = io.isTTY && !args.json;
  const logger = createLogger({ level: 'warn', pretty, stream: io.stderr });
  const jobLogger = createLogger({ level: 'error', pretty, stream: io.stderr });
  const ledger = await openLedger(config.store, logger);
  try {
    const stripe = createStripeClient({
      secretKey: config.stripe.secretKey,
      apiUrl: config.stripe.apiUrl,
      timeoutMs: config.stripe.timeoutMs,
    });
    const reporter = createReporter({
      json: args.json,
      out: io.stdout,
      err: io.stderr,
      progress: pretty,
    });
    const reader = pacedReader(createStripeReader(stripe), {
      perSecond: args.stripeRate,
      tries: 5,
      backoffMs: io.readBackoffMs ?? 1000,
      onRetry: (_what, error, waitMs) =>
        reporter.note(`${error.message}; trying again in ${waitMs} ms`),
    });
    const owner = newOwnerId('replay');
    const by = args.by ?? `${userInfo().username}@${hostname()}`;
    const services = jobServices(config);
    const correction = args.correction
      ? { ...args.correction, by, at: new Date().toISOString() }
      : null;
    if (correction && !args.dryRun) {
      logger.warn('operator correction for a session', { ...correction, selector: args.selector });
    }
    const summary = await runReplay(selector, {
      resolve: {
        reader,
        ledger,
        livemode: config.stripe.livemode,
        nowSeconds: () => Math.floor(Date.now() / 1000),
      },
      session: {
        job: { ...services, ledger, owner, now: Date.now, logger: jobLogger },
        ask: { force: args.force, correction, by },
        dryRun: args.dryRun,
        tries: args.tries,
      },
      concurrency: config.worker.concurrency,
      reporter,
      command: (s) => commandFor(s, args),
      enforcement: ledger,
      checkNow:
        args.checkNow && config.verify
          ? checkNowWith(config, config.verify, ledger, jobLogger)
          : undefined,
    });
    reporter.finish(summary);
    return exitCodeFor(summary);
  } catch (err) {
    io.stderr.write(`replay: ${describeError(err)}\n`);
    return 1;
  } finally {
    await ledger.close();
  }
}

/**
 * --since/--until → Unix seconds: a time without an offset is in OPSCOM_TIMEZONE; a duration
 * (P2D, PT6H) is that long before now, for a scheduled run (`--since P2D` every night).
 */
function toRunSelector(args: ReplayArgs, config: Config): RunSelector | string {
  const s = args.selector;
  if (s.kind !== 'window') return s;
  const at = (text: string) => {
    const ago = Duration.fromISO(text);
    return ago.isValid
      ? DateTime.now().minus(ago)
      : DateTime.fromISO(text, { zone: config.opscom.timezone });
  };
  const since = Math.floor(at(s.since).toSeconds());
  const until =
    s.until === undefined ? Math.floor(Date.now() / 1000) : Math.floor(at(s.until).toSeconds());
  if (until < since) return `--until (${s.until ?? 'now'}) is before --since (${s.since})`;
  return { kind: 'window', since, until };
}

/** The command line that runs `selector` with the same options (for "go on from here"). */
function commandFor(selector: RunSelector, args: ReplayArgs): string {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const asked: Selector =
    selector.kind === 'window'
      ? { kind: 'window', since: iso(selector.since), until: iso(selector.until) }
      : selector;
  return replayCommandLine(replayArgv({ ...args, selector: asked }));
}
