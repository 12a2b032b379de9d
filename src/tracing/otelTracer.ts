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

function clean(attributes: SpanAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) {
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

function handle(span: Span): ActiveSpan {
  return {
    get traceparent() {
      return formatTraceparent(span.spanContext());
    },
    setAttributes: (attributes) => span.setAttributes(clean(attributes)),
    addEvent: (name, attributes) => span.addEvent(name, clean(attributes)),
    link: (traceparent) => {
      const link = linkTo(traceparent);
      if (link) span.addLink(link);
    },
    fail: (err) => {
      span.setAttribute('error.type', err instanceof Error ? err.name : typeof err);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: describeError(err).slice(0, MAX_STATUS),
      });
    },
  };
}

/**
 * `POST /webhooks/stripe` rather than `POST`: what the express instrumentation would do, for
 * the two routes that matter, without its span per router layer (docs/performance.md).
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
      const links = (options.links ?? []).map(linkTo).filter((l): l is Link => l !== undefined);
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
      return context.with(active, async () => {
        try {
          return await fn(handle(span));
        } catch (err) {
          handle(span).fail(err);
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
