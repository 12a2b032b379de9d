-- Many sites (issue 26, src/sites): the site a job's payment belongs to, decided once at intake
-- (src/domain/siteOf.ts) and never changed by later events. NULL: no configured site matched
-- (the worker fails the job with the reason). Older rows, and a row written without naming its
-- site, belong to the default site; a constant default adds the column without rewriting the
-- table.
ALTER TABLE jobs ADD COLUMN site text DEFAULT 'default';

-- record_session_events (011) again, storing each batch item's `site` with the job it creates
-- (never with a job it only advances). An item without the key (an adapter not yet upgraded,
-- mid-deploy) is the default site's; `"site": null` stores NULL. Otherwise the same.
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
    INSERT INTO jobs (session_id, state, livemode, session_json, paid_event_id, paid_at, next_run_at, created_at, updated_at, trace_context, site)
    VALUES (e->>'sessionId', new_state, (e->>'livemode')::boolean, e->>'sessionJson', e->>'paidEventId',
            (e->>'paidAt')::bigint, (e->>'now')::bigint, (e->>'now')::bigint, (e->>'now')::bigint, e->>'traceContext',
            CASE WHEN e ? 'site' THEN e->>'site' ELSE 'default' END)
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
