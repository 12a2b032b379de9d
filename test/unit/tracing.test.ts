import { ConfigError } from '../../src/errors';
import { queryKeysOnly } from '../../src/tracing/httpTracing';
import { formatTraceparent, parseTraceparent } from '../../src/tracing/traceparent';
import { noopTracer } from '../../src/tracing/tracer';
import { readTracingConfig } from '../../src/tracing/tracingConfig';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

describe('when tracing is on', () => {
  test.each<[string, NodeJS.ProcessEnv, boolean]>([
    ['nothing set (the SDK alone would export to localhost)', {}, false],
    ['an endpoint', ENDPOINT, true],
    [
      'the traces’ own endpoint',
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://x/v1/traces' },
      true,
    ],
    ['an empty endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }, false],
    ['an endpoint, OTEL_SDK_DISABLED=true', { ...ENDPOINT, OTEL_SDK_DISABLED: 'true' }, false],
    ['an endpoint, OTEL_SDK_DISABLED=false', { ...ENDPOINT, OTEL_SDK_DISABLED: 'false' }, true],
    [
      'an endpoint, OTEL_TRACES_EXPORTER=none',
      { ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' },
      false,
    ],
  ])('%s', (_what, env, on) => {
    expect(readTracingConfig(env).enabled).toBe(on);
  });

  test('the protocol: http/protobuf by default, the traces’ own before the general one', () => {
    expect(readTracingConfig(ENDPOINT)).toEqual({
      enabled: true,
      protocol: 'http/protobuf',
      serviceName: undefined,
    });
    expect(
      readTracingConfig({
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'permits-east',
      }),
    ).toEqual({ enabled: true, protocol: 'http/json', serviceName: 'permits-east' });
  });

  test('every wrong variable is named at once, even with tracing off', () => {
    let error: unknown;
    try {
      readTracingConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_SDK_DISABLED: 'yes',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL',
      'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json',
      'OTEL_TRACES_SAMPLER must be one of',
      'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1',
      'OTEL_SDK_DISABLED must be true or false',
    ]) {
      expect(problems).toContain(name);
    }
  });
});

test('a traceparent is written and read back; anything else reads as none', () => {
  const ids = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
  };
  const text = formatTraceparent(ids);
  expect(text).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  expect(parseTraceparent(text)).toEqual(ids);
  for (const bad of [
    null,
    undefined,
    '',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    'not a traceparent',
  ]) {
    expect(parseTraceparent(bad)).toBeUndefined();
  }
});

test("a URL's query keeps its parameters' names, never their values", () => {
  expect(queryKeysOnly('lang=fr&token=s3cret&lang=en')).toBe('lang=[redacted]&token=[redacted]');
  expect(queryKeysOnly('?expand[]=payment_intent')).toBe(
    `${encodeURIComponent('expand[]')}=[redacted]`,
  );
  expect(queryKeysOnly('')).toBe('');
});

test('with tracing off, a span is the function it wraps and nothing more', async () => {
  let seen: unknown;
  const result = await noopTracer.inSpan('x', { links: ['junk'] }, (span) => {
    seen = span.traceparent;
    span.setAttributes({ a: 1 });
    span.link('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    span.fail(new Error('no'));
    return Promise.resolve(42);
  });
  expect(result).toBe(42);
  expect(seen).toBeUndefined();
  await expect(noopTracer.inSpan('x', {}, () => Promise.reject(new Error('kept')))).rejects.toThrow(
    'kept',
  );
  expect(noopTracer.detached(() => 'ran')).toBe('ran');
});
