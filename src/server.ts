import { ConfigError, describeError } from './errors';
import { startTracing, type Tracing } from './tracing/startTracing';

/**
 * `npm start` (the Procfile's web and worker processes). Tracing starts first, before anything
 * has loaded http or pg, so that its instrumentations can patch them as they load;
 * the service (runServer.ts) is required after it. Tracing off loads nothing more.
 */
function boot(): void {
  let tracing: Tracing;
  try {
    tracing = startTracing(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
    process.exit(1);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runServer } = require('./runServer') as typeof import('./runServer');
  runServer(tracing).catch((err: unknown) => {
    process.stderr.write(`adapter failed to start: ${describeError(err)}\n`);
    process.exit(1);
  });
}

boot();
