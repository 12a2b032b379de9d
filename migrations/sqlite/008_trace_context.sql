-- Tracing (src/tracing, docs/operations.md "Tracing"): the W3C traceparent of the span that
-- recorded the job or last sent it back to the worker (a webhook, the driver's page, a refund),
-- so that each attempt's span links to it. NULL with tracing off, and for older rows.
ALTER TABLE jobs ADD COLUMN trace_context TEXT;
