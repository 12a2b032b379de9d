import { hostname, userInfo } from 'node:os';
import { loadConfig, type Config } from '../../config';
import { describeError } from '../../errors';
import { createLogger, type Logger } from '../../logger';
import { checkNowWith } from '../../replay/checkNow';
import { pacer } from '../../replay/pacedReader';
import { runReplay } from '../../replay/runReplay';
import type { RunDeps, RunRequest } from '../../replay/runRequest';
import type { Scope, Selector } from '../../replay/selector';
import type { ReplayLedger, VerifierLedger } from '../../store/callerLedgers';
import { openLedger } from '../../store/openLedger';
import { newOwnerId } from '../../store/owner';
import { createStripeClient } from '../../stripe/stripeClient';
import { stripeReaders } from '../../stripe/stripeReader';
import { jobServices } from '../../worker/jobServices';
import { parseReplayArgs, type ReplayArgs } from './args';
import { createReporter, type Reporter } from './report';
import { exitCodeFor, summaryOf } from './summary';
import { USAGE } from './usage';
import { scopeOf } from './scope';
import { toSelector } from './window';

export interface ReplayIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** stderr is a terminal: draw a progress bar. */
  isTTY: boolean;
  /** For tests: the first wait after a failed Stripe read (default 1 s). */
  readBackoffMs?: number;
}

/** A command line that parsed, with the configuration it runs under. */
interface Asked {
  args: ReplayArgs;
  config: Config;
  selector: Selector;
  scope: Scope;
}

/**
 * `npm run replay -- …`: recovers paid sessions the webhook path missed or failed, through the
 * worker's own code (mapping, OPSCOM, write-back) and the same ledger, so it is safe beside a
 * running server. Returns the exit status: 0 all well, 1 something failed, 2 bad arguments.
 */
export async function replayCommand(argv: readonly string[], io: ReplayIo): Promise<number> {
  const asked = readCommandLine(argv, io);
  return typeof asked === 'number' ? asked : runCommand(asked, io);
}

/** The arguments and configuration, or the exit status when there is nothing to run. */
function readCommandLine(argv: readonly string[], io: ReplayIo): Asked | number {
  const parsed = parseReplayArgs(argv);
  if (!parsed.ok) return refuse(io, parsed.error);
  if ('help' in parsed) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parsed.args;
  const config = loadConfig(io.env);
  const scope = scopeOf(args, config.sites);
  // A --site's times without an offset are that site's; otherwise OPSCOM_TIMEZONE's.
  const site = typeof scope === 'string' ? undefined : config.sites.byId.get(scope.site ?? '');
  const selector = toSelector(args.selector, site?.opscom.timezone ?? config.opscom.timezone);
  if (typeof scope === 'string') return refuse(io, scope);
  if (typeof selector === 'string') return refuse(io, selector);
  if (args.checkNow && !config.verify) {
    io.stderr.write(
      "replay: --check-now asks OPSCOM's Plate Validation, which this adapter uses only with OPSCOM_VERIFY=on (and OPSCOM_VALIDATE_URL, OPSCOM_CLIENT): set them, or leave --check-now out to read the last checks\n",
    );
    return 2;
  }
  return { args, config, selector, scope };
}

/** Bad arguments: what is wrong, the usage, and exit status 2. */
function refuse(io: ReplayIo, problem: string): number {
  io.stderr.write(`replay: ${problem}\n\n${USAGE}\n`);
  return 2;
}

/** Opens the ledger, runs the engine, prints its summary; the exit status. */
async function runCommand(asked: Asked, io: ReplayIo): Promise<number> {
  const { args, config, selector } = asked;
  // Operator lines go to stdout; log lines to stderr: replay's own from warnings up, the
  // worker code's errors only (its warnings repeat what the session's line says).
  const pretty = io.isTTY && !args.json;
  const logger = createLogger({ level: 'warn', pretty, stream: io.stderr });
  const jobLogger = createLogger({ level: 'error', pretty, stream: io.stderr });
  const ledger = await openLedger(config.store, logger);
  try {
    const reporter = createReporter({
      json: args.json,
      out: io.stdout,
      err: io.stderr,
      progress: pretty,
    });
    const deps = runDeps({ args, config, ledger, jobLogger, reporter, io });
    const request = { ...runRequest(args, selector, config), scope: asked.scope };
    if (request.correction && !args.dryRun) {
      logger.warn('operator correction for a session', {
        ...request.correction,
        selector: args.selector,
      });
    }
    const summary = summaryOf(await runReplay(request, deps), args);
    reporter.finish(summary);
    return exitCodeFor(summary);
  } catch (err) {
    io.stderr.write(`replay: ${describeError(err)}\n`);
    return 1;
  } finally {
    await ledger.close();
  }
}

/** The engine's request: who replays (default user@host), the correction stamped with it. */
function runRequest(args: ReplayArgs, selector: Selector, config: Config): RunRequest {
  const by = args.by ?? `${userInfo().username}@${hostname()}`;
  return {
    selector,
    dryRun: args.dryRun,
    force: args.force,
    correction: args.correction ? { ...args.correction, by, at: new Date().toISOString() } : null,
    by,
    tries: args.tries,
    concurrency: config.worker.concurrency,
    checkNow: args.checkNow,
  };
}

/** Stripe (paced, its retries told as notes), the worker's job runner and the checker. */
function runDeps(parts: {
  args: ReplayArgs;
  config: Config;
  ledger: ReplayLedger & VerifierLedger;
  jobLogger: Logger;
  reporter: Reporter;
  io: ReplayIo;
}): RunDeps {
  const { args, config, ledger, jobLogger, reporter } = parts;
  const stripe = createStripeClient({
    secretKey: config.stripe.secretKey,
    apiUrl: config.stripe.apiUrl,
    timeoutMs: config.stripe.timeoutMs,
  });
  // One pace for the run, whichever accounts it reads.
  const paced = pacer({
    perSecond: args.stripeRate,
    tries: 5,
    backoffMs: parts.io.readBackoffMs ?? 1000,
    onRetry: (_what, error, waitMs) =>
      reporter.note(`${error.message}; trying again in ${waitMs} ms`),
  });
  const job = {
    ...jobServices(config),
    ledger,
    owner: newOwnerId('replay'),
    now: Date.now,
    logger: jobLogger,
  };
  return {
    readers: stripeReaders(stripe, paced),
    sites: config.sites,
    livemode: config.stripe.livemode,
    job,
    checkNow:
      args.checkNow && config.verify
        ? checkNowWith(config, config.verify, ledger, jobLogger)
        : undefined,
    progress: reporter,
  };
}
