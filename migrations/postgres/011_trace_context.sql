-- Tracing (src/tracing, docs/operations.md "Tracing"): the W3C traceparent of the span that
-- recorded the job or last sent it back to the worker (a webhook, the driver's page, a refund),
-- so that each attempt's span links to it. NULL with tracing off, and for older rows.
ALTER TABLE jobs ADD COLUMN trace_context text;

-- record_session_events (002) again, storing each batch item's `traceContext` with the job it
-- creates or makes due; otherwise the same.
CREATE OR REPLACE FUNCTION record_session_events(batch jsonb) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  e jsonb;
  inserted text;
  found_state text;
  new_state text;
  notify boolean := false;
BEGIN
  FOR e IN SELECT value FROM jsonb_array_elements(batch) LOOP
    INSERT INTO events (event_id, event_type, session_id, event_created, livemode, outcome, detail, received_at)
    VALUES (e->>'eventId', e->>'eventType', e->>'sessionId', (e->>'eventCreated')::bigint,
            (e->>'livemode')::boolean, e->>'outcome', NULL, (e->>'now')::bigint)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id INTO inserted;
    IF inserted IS NULL THEN
      RETURN NEXT 'duplicate';
      CONTINUE;
    END IF;

    new_state := e->>'state';
    found_state := NULL;
    INSERT INTO jobs (session_id, state, livemode, session_json, paid_event_id, paid_at, next_run_at, created_at, updated_at, trace_context)
    VALUES (e->>'sessionId', new_state, (e->>'livemode')::boolean, e->>'sessionJson', e->>'paidEventId',
            (e->>'paidAt')::bigint, (e->>'now')::bigint, (e->>'now')::bigint, (e->>'now')::bigint, e->>'traceContext')
    ON CONFLICT (session_id) DO NOTHING
    RETURNING state INTO found_state;
    IF found_state IS NOT NULL THEN
      notify := notify OR new_state = 'pending';
      RETURN NEXT 'created:' || new_state;
      CONTINUE;
    END IF;

    -- Only a session still waiting for its delayed payment moves on.
    IF new_state <> 'awaiting_payment' THEN
      UPDATE jobs SET state = new_state, session_json = e->>'sessionJson', paid_event_id = e->>'paidEventId',
        paid_at = (e->>'paidAt')::bigint, next_run_at = (e->>'now')::bigint, updated_at = (e->>'now')::bigint,
        trace_context = COALESCE(e->>'traceContext', trace_context)
      WHERE session_id = e->>'sessionId' AND state = 'awaiting_payment'
      RETURNING state INTO found_state;
      IF found_state IS NOT NULL THEN
        notify := notify OR new_state = 'pending';
        RETURN NEXT 'updated:' || new_state;
        CONTINUE;
      END IF;
    END IF;

    SELECT state INTO found_state FROM jobs WHERE session_id = e->>'sessionId';
    RETURN NEXT 'unchanged:' || found_state;
  END LOOP;
  IF notify THEN
    PERFORM pg_notify('adapter_jobs', '');
  END IF;
END;
$$;
