import { loadConfig } from './config';
import { startAdapter } from './adapter';
import { ConfigError, describeError } from './errors';
import { createLogger } from './logger';
import { describeStore } from './store/openLedger';

/** Composition root: `npm start` (the Procfile's web process). */
async function main(): Promise<void> {
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
  });

  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal, inFlight: adapter.worker?.inFlight ?? 0 });
    // Exit only once the last line is written.
    const exitAfterLog = (code: number) => {
      void logger.flush().then(() => process.exit(code));
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

main().catch((err: unknown) => {
  process.stderr.write(`adapter failed to start: ${describeError(err)}\n`);
  process.exit(1);
});
