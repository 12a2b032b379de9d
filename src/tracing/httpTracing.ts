import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, createContextKey, type Span } from '@opentelemetry/api';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';

// Probes and scrapes: a span each would be most of the traces and say nothing.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// The peer a client span talks to, set by the span around the call (tracedClients.ts).
export const PEER_SERVICE = createContextKey('stripe-opscom-adapter peer service');

/** `?a=1&b=2` → `a=[redacted]&b=[redacted]`: which parameters, never their values. */
export function queryKeysOnly(search: string): string {
  const params = new URLSearchParams(search.replace(/^\?/, ''));
  return [...new Set(params.keys())].map((k) => `${encodeURIComponent(k)}=[redacted]`).join('&');
}

function isIncoming(request: ClientRequest | IncomingMessage): request is IncomingMessage {
  return 'socket' in request && !('getHeader' in request);
}

/**
 * What the http instrumentation records, and what it may not. By default it records the
 * method, URL path and query, status, peer and server addresses and the user agent; no header
 * (no `headersToSpanAttributes`: never Stripe-Signature, Authorization or a cookie) and no
 * body, ever. Query values are replaced here (nothing secret travels in a query today, and a
 * caller's mistake must not put one in a span); the URL's user and password are redacted by
 * the instrumentation itself.
 */
export function httpInstrumentationConfig(): HttpInstrumentationConfig {
  return {
    ignoreIncomingRequestHook: (request) =>
      UNTRACED_PATHS.has((request.url ?? '').split('?', 1)[0] ?? ''),
    // A client call outside any of the adapter's spans (a probe, a timer) is not a trace.
    requireParentforOutgoingSpans: true,
    requestHook: (span: Span, request) => {
      if (isIncoming(request)) {
        const query = (request.url ?? '').split('?')[1];
        if (query) span.setAttribute('url.query', queryKeysOnly(query));
        return;
      }
      const peer = context.active().getValue(PEER_SERVICE);
      if (typeof peer === 'string') {
        span.setAttribute('peer.service', peer);
        span.updateName(`${request.method} ${peer}`);
      }
      const path = request.path;
      const q = path.indexOf('?');
      if (q >= 0) {
        span.setAttribute('url.full', `${request.protocol}//${request.host}${path.slice(0, q)}`);
        span.setAttribute('url.query', queryKeysOnly(path.slice(q + 1)));
      }
    },
  };
}
