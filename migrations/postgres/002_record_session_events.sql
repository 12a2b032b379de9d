-- Intake in one round trip: records a batch of events (a JSON array, in arrival order),
-- returning one outcome per event: 'duplicate', or '<created|updated|unchanged>:<job state>'.
-- The rule is src/domain/intakeRule.ts (intakeTransition), written here in plpgsql so that a
-- batch costs one call; test/store/intakeRule.test.ts holds the two to the same table. Each
-- statement takes a fresh snapshot (READ COMMITTED), so concurrent batches on one session
-- behave as separate transactions would. Announces due jobs with NOTIFY on 'adapter_jobs'
-- (JOBS_CHANNEL in src/store/postgresLedger.ts), delivered at commit.
CREATE FUNCTION record_session_events(batch jsonb) RETURNS SETOF text
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
    INSERT INTO jobs (session_id, state, livemode, session_json, paid_event_id, paid_at, next_run_at, created_at, updated_at)
    VALUES (e->>'sessionId', new_state, (e->>'livemode')::boolean, e->>'sessionJson', e->>'paidEventId',
            (e->>'paidAt')::bigint, (e->>'now')::bigint, (e->>'now')::bigint, (e->>'now')::bigint)
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
        paid_at = (e->>'paidAt')::bigint, next_run_at = (e->>'now')::bigint, updated_at = (e->>'now')::bigint
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
