import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from './config';
import { startAdapter } from './adapter';
import { ConfigError, describeError } from './errors';
import { createLogger } from './logger';
import { describeStore } from './store/openLedger';
import type { Tracing } from './tracing/startTracing';

/** Spans still buffered at shutdown get this long to reach the collector. */
const TRACE_FLUSH_MS = 5000;

/**
 * Composition root of `npm start` (the Procfile's web process), loaded by src/server.ts once
 * tracing has started.
 */
export async function runServer(tracing: Tracing): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
  const adapter = await startAdapter(config, logger);
  logger.info(adapter.port === undefined ? 'adapter worker started' : 'adapter listening', {
    port: adapter.port,
    processType: config.processType,
    ledger: describeStore(config.store),
    mode: config.stripe.livemode ? 'live' : 'test',
    worker: adapter.worker?.owner,
    tracing: tracing.enabled ? 'on' : 'off',
  });

  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal, inFlight: adapter.worker?.inFlight ?? 0 });
    // Exit only once the last line is written and the last spans are sent (or given up on).
    const exitAfterLog = (code: number) => {
      void logger
        .flush()
        .then(() =>
          Promise.race([tracing.shutdown().catch(() => undefined), sleep(TRACE_FLUSH_MS)]),
        )
        .then(() => process.exit(code));
    };
    adapter.stop().then(
      () => {
        logger.info('stopped');
        exitAfterLog(0);
      },
      (err: unknown) => {
        logger.error('shutdown failed', { error: describeError(err) });
        exitAfterLog(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
