/** A span's identity as the W3C Trace Context `traceparent` header writes it. */
export interface TraceContextIds {
  traceId: string;
  spanId: string;
  /** Bit 0: the trace was sampled. */
  traceFlags: number;
}

// version 00: 2 hex version, 32 hex trace id, 16 hex span id, 2 hex flags (all lower case).
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = /^0+$/;

/** `00-<trace id>-<span id>-<flags>`, as stored with a job. */
export function formatTraceparent(ids: TraceContextIds): string {
  return `00-${ids.traceId}-${ids.spanId}-${(ids.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * A stored traceparent read back; undefined for anything else (a row written before tracing,
 * or by hand): a bad value loses a link, never a job.
 */
export function parseTraceparent(value: string | null | undefined): TraceContextIds | undefined {
  const m = TRACEPARENT.exec(value ?? '');
  if (!m || INVALID_TRACE.test(m[1]!) || INVALID_TRACE.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16) };
}
