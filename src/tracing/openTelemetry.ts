import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { setLogContext } from '../logger';
import { httpInstrumentationConfig } from './httpTracing';
import { activeLogFields, createOtelTracer } from './otelTracer';
import type { Tracer } from './tracer';
import type { TracingConfig } from './tracingConfig';

const EXPRESS_LAYERS_UNTRACED = [
  ExpressLayerType.ROUTER,
  ExpressLayerType.MIDDLEWARE,
  ExpressLayerType.REQUEST_HANDLER,
];

/** The service's name in traces when OTEL_SERVICE_NAME is not set. */
export const DEFAULT_SERVICE_NAME = 'stripe-opscom-adapter';

export interface StartedTelemetry {
  tracer: Tracer;
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Loaded (by startTracing) only when tracing is on, before the service's modules: the http,
 * express and pg instrumentations patch those modules as they are first required. Traces
 * only: metrics stay on GET /metrics and logs on stdout, so the SDK's OTLP metrics and logs
 * exporters (its defaults) are turned off. The exporter reads the rest of the standard
 * variables itself (endpoint, headers, timeout, compression), the batch processor its
 * OTEL_BSP_*, the sampler OTEL_TRACES_SAMPLER(_ARG), the resource OTEL_RESOURCE_ATTRIBUTES.
 */
export function startOpenTelemetry(
  config: Extract<TracingConfig, { enabled: true }>,
): StartedTelemetry {
  const sdk = new NodeSDK({
    ...(config.serviceName === undefined ? { serviceName: DEFAULT_SERVICE_NAME } : {}),
    traceExporter: config.protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation(httpInstrumentationConfig()),
      // The route of every request on its server span (`http.route`, the span named after it),
      // without a span per router layer, middleware or handler: those cost CPU on every
      // request and say little (docs/performance.md, "Tracing off and on").
      new ExpressInstrumentation({ ignoreLayersType: EXPRESS_LAYERS_UNTRACED }),
      // Statements inside the adapter's spans only (not the worker's polls); never values.
      new PgInstrumentation({
        requireParentSpan: true,
        ignoreConnectSpans: true,
        enhancedDatabaseReporting: false,
      }),
    ],
  });
  sdk.start();
  setLogContext(activeLogFields);
  return {
    tracer: createOtelTracer(DEFAULT_SERVICE_NAME),
    shutdown: async () => {
      setLogContext(undefined);
      await sdk.shutdown();
    },
  };
}
