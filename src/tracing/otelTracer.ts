import {
  context,
  createContextKey,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { describeError } from '../errors';
import { PEER_SERVICE } from './httpTracing';
import { formatTraceparent, parseTraceparent } from './traceparent';
import type { ActiveSpan, SpanAttributes, SpanKindName, SpanOptions, Tracer } from './tracer';

const KINDS: Record<SpanKindName, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

// Marks a context whose span takes jobs run inside it as children (replay's).
const ADOPTS = createContextKey('stripe-opscom-adapter adopts jobs');

/** A status message stays short: it is a pointer to the log line, not the log line. */
const MAX_STATUS = 300;

/**
 * The attributes without their undefined values. Most have none, and are passed on as they
 * are: the SDK copies what it is given (sanitizeAttributes), so the caller's object is never
 * kept or changed.
 */
function clean(attributes: SpanAttributes | undefined): Attributes {
  if (attributes === undefined) return {};
  for (const key in attributes) {
    if (attributes[key] === undefined) return withoutUndefined(attributes);
  }
  return attributes;
}

function withoutUndefined(attributes: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function linkTo(traceparent: string | null | undefined): Link | undefined {
  const ids = parseTraceparent(traceparent);
  return ids && { context: { ...ids, isRemote: true } };
}

function parentOf(options: SpanOptions): Context {
  const active = context.active();
  if (options.parent === 'none') return ROOT_CONTEXT;
  if (options.parent === 'adopter' && active.getValue(ADOPTS) !== true) return ROOT_CONTEXT;
  return active;
}

/** The ActiveSpan over a span: one small object a span (its methods shared). */
class SpanHandle implements ActiveSpan {
  constructor(private readonly span: Span) {}

  get traceparent(): string {
    return formatTraceparent(this.span.spanContext());
  }
  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(clean(attributes));
  }
  addEvent(name: string, attributes?: SpanAttributes): void {
    this.span.addEvent(name, clean(attributes));
  }
  link(traceparent: string | null | undefined): void {
    const link = linkTo(traceparent);
    if (link) this.span.addLink(link);
  }
  fail(err: unknown): void {
    this.span.setAttribute('error.type', err instanceof Error ? err.name : typeof err);
    this.span.setStatus({
      code: SpanStatusCode.ERROR,
      message: describeError(err).slice(0, MAX_STATUS),
    });
  }
}

/**
 * `POST /webhooks/stripe` rather than `POST`, from the span's start: the express
 * instrumentation names every route's server span too, but only when the response ends.
 */
function nameServerSpan(span: Span | undefined, route: { method: string; path: string }): void {
  if (!span) return;
  span.updateName(`${route.method} ${route.path}`);
  span.setAttribute('http.route', route.path);
}

/** The adapter's Tracer over OpenTelemetry's API (the SDK registered behind it). */
export function createOtelTracer(name: string): Tracer {
  const tracer = trace.getTracer(name);
  return {
    enabled: true,
    inSpan(name, options, fn) {
      const links: Link[] = [];
      for (const traceparent of options.links ?? []) {
        const link = linkTo(traceparent);
        if (link) links.push(link);
      }
      const parent = parentOf(options);
      if (options.route) nameServerSpan(trace.getSpan(parent), options.route);
      const span = tracer.startSpan(
        name,
        { kind: KINDS[options.kind ?? 'internal'], attributes: clean(options.attributes), links },
        parent,
      );
      let active = trace.setSpan(parent, span);
      if (options.adopts) active = active.setValue(ADOPTS, true);
      if (options.peer) active = active.setValue(PEER_SERVICE, options.peer);
      const handle = new SpanHandle(span);
      return context.with(active, async () => {
        try {
          return await fn(handle);
        } catch (err) {
          handle.fail(err);
          throw err;
        } finally {
          span.end();
        }
      });
    },
    detached: (fn) => context.with(ROOT_CONTEXT, fn),
  };
}

/** `{ trace_id, span_id }` of the active span, for every log line written inside it. */
export function activeLogFields(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
