/**
 * The adapter's view of tracing, with no OpenTelemetry type in it: the code that makes spans
 * (the webhook route, the worker, replay, the driver's page) imports this module only, so
 * with tracing off no OpenTelemetry module is ever loaded (src/tracing/startTracing.ts).
 */

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanOptions {
  kind?: SpanKindName;
  attributes?: SpanAttributes;
  /** Stored trace contexts (W3C traceparent) the span links to; empty ones are skipped. */
  links?: ReadonlyArray<string | null | undefined>;
  /**
   * The span's parent: the active span (default); none (a trace of its own); or `adopter`:
   * the active span only if one that `adopts` is active (replay), else none (a job attempt
   * run by the worker starts its own trace, whatever woke the worker).
   */
  parent?: 'active' | 'none' | 'adopter';
  /** Spans started inside this one with `parent: 'adopter'` become its children. */
  adopts?: boolean;
  /** The peer (opscom, stripe) that HTTP calls made inside talk to: named on their spans. */
  peer?: string;
  /** The route of the HTTP request this runs for: its server span is named after it. */
  route?: { method: string; path: string };
}

export interface ActiveSpan {
  /** This span's W3C traceparent (stored with a job); undefined with tracing off. */
  readonly traceparent: string | undefined;
  setAttributes(attributes: SpanAttributes): void;
  addEvent(name: string, attributes?: SpanAttributes): void;
  /** Links this span to a stored trace context (learned after the span started). */
  link(traceparent: string | null | undefined): void;
  /** Marks the span failed, with the error's class and the adapter's description of it. */
  fail(err: unknown): void;
}

export interface Tracer {
  readonly enabled: boolean;
  /** Runs `fn` in a new span, active for its duration; ends it when `fn` settles. */
  inSpan<T>(name: string, options: SpanOptions, fn: (span: ActiveSpan) => Promise<T>): Promise<T>;
  /** Runs `fn` outside any span: what it starts is not part of the caller's trace. */
  detached<T>(fn: () => T): T;
}

const noopSpan: ActiveSpan = {
  traceparent: undefined,
  setAttributes: () => undefined,
  addEvent: () => undefined,
  link: () => undefined,
  fail: () => undefined,
};

/** Tracing off: every call runs its function and records nothing. */
export const noopTracer: Tracer = {
  enabled: false,
  inSpan: (_name, _options, fn) => fn(noopSpan),
  detached: (fn) => fn(),
};

let current: Tracer = noopTracer;

/** The process's tracer: the no-op one unless tracing was started (startTracing.ts). */
export function getTracer(): Tracer {
  return current;
}

/** Installed once, by startTracing, before the service's modules are loaded. */
export function setTracer(tracer: Tracer): void {
  current = tracer;
}
