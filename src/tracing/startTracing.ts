import { setTracer } from './tracer';
import { readTracingConfig } from './tracingConfig';

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered (before the process exits); nothing to do when off. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: () => Promise.resolve() };

/**
 * Starts OpenTelemetry when the environment asks for it (tracingConfig.ts), and must run
 * before anything requires http or pg: the entry points (src/server.ts,
 * scripts/replay.js) call it first. With tracing off it loads no OpenTelemetry module at all
 * and the service runs with the no-op tracer. Throws ConfigError for a wrong OTEL_* variable.
 */
export function startTracing(env: NodeJS.ProcessEnv): Tracing {
  const config = readTracingConfig(env);
  if (!config.enabled) return OFF;
  // Required only now, so that tracing off costs nothing (not even loading the SDK).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startOpenTelemetry } = require('./openTelemetry') as typeof import('./openTelemetry');
  const started = startOpenTelemetry(config);
  setTracer(started.tracer);
  return { enabled: true, shutdown: () => started.shutdown() };
}
