import { z } from 'zod';
import { ConfigError } from '../errors';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** What start-up needs to know; the SDK reads the rest of the OTEL_* variables itself. */
export type TracingConfig =
  { enabled: false } | { enabled: true; protocol: OtlpProtocol; serviceName: string | undefined };

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

const text = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()));
const endpoint = text.pipe(
  z
    .string()
    .refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), 'must be an http(s) URL')
    .optional(),
);
const protocol = text.pipe(
  z
    .enum(['http/protobuf', 'http/json'], {
      error: 'must be http/protobuf or http/json (gRPC is not built in: use a collector)',
    })
    .optional(),
);

// The standard variables (OpenTelemetry's "SDK environment variables"), as far as they decide
// whether and how traces leave the process. Each is documented in .env.example.
const TracingEnv = z.object({
  OTEL_SDK_DISABLED: text.pipe(
    z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  ),
  OTEL_TRACES_EXPORTER: text.pipe(
    z.enum(['otlp', 'none'], { error: 'must be otlp or none' }).optional(),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_HEADERS: text,
  OTEL_SERVICE_NAME: text,
  OTEL_TRACES_SAMPLER: text.pipe(
    z.enum(SAMPLERS, { error: `must be one of ${SAMPLERS.join(', ')}` }).optional(),
  ),
  OTEL_TRACES_SAMPLER_ARG: text.pipe(
    z
      .string()
      .refine((s) => /^(0(\.\d+)?|1(\.0+)?)$/.test(s), 'must be a ratio from 0 to 1')
      .optional(),
  ),
});

/** The OTEL_* variables the adapter reads or documents (CONFIG_VARIABLES includes them). */
export const TRACING_VARIABLES: readonly string[] = Object.keys(TracingEnv.shape);

/**
 * Tracing is on when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT, or the traces'
 * own) and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none turns it off: the
 * SDK's own default (export to localhost:4318 with nothing set) would make it on by default.
 * Throws ConfigError naming every variable that is wrong.
 */
export function readTracingConfig(env: NodeJS.ProcessEnv): TracingConfig {
  const parsed = TracingEnv.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  }
  const e = parsed.data;
  const endpointSet =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined ||
    e.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;
  if (!endpointSet || e.OTEL_SDK_DISABLED === 'true' || e.OTEL_TRACES_EXPORTER === 'none') {
    return { enabled: false };
  }
  return {
    enabled: true,
    protocol:
      e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: e.OTEL_SERVICE_NAME,
  };
}
