-- A job's session snapshot keeps the Connect account it was recorded with (issue 26): the
-- account, like the site (013), is decided once, by the event that creates the job, and every
-- later Stripe call about the session (write-backs, the driver's page, replay) is made as it.
-- An event that advances a job still waiting for its delayed payment replaces the snapshot;
-- until now with its own, so a writer that recorded the session without `stripeAccount`
-- dropped it, and one naming another account switched it. Now the stored `stripeAccount` (or
-- its absence: the platform's session) stays, whatever the newer snapshot says; the rest of
-- the snapshot is the newer one's. A newer snapshot naming another account is not taken and
-- not silent: the event's `detail` says which account was kept and which ignored. The rule is
-- written twice, as the intake rule is: keepStoredAccount in src/store/sessionAccount.ts for
-- SQLite; test/store/sessionAccount.test.ts holds both ledgers to it.

-- The newer snapshot with the stored one's stripeAccount (or none, when the stored has none).
CREATE FUNCTION session_keeping_account(stored text, newer text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN (stored::jsonb -> 'stripeAccount') IS NOT DISTINCT FROM (newer::jsonb -> 'stripeAccount')
      THEN newer
    WHEN stored::jsonb ? 'stripeAccount'
      THEN ((newer::jsonb - 'stripeAccount') || jsonb_build_object('stripeAccount', stored::jsonb -> 'stripeAccount'))::text
    ELSE (newer::jsonb - 'stripeAccount')::text
  END
$$;

-- The event's detail when the newer snapshot names an account other than the stored one; else NULL.
CREATE FUNCTION session_account_note(stored text, newer text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN newer::jsonb ->> 'stripeAccount' IS NOT NULL
         AND (newer::jsonb ->> 'stripeAccount') IS DISTINCT FROM (stored::jsonb ->> 'stripeAccount')
      THEN jsonb_build_object('stripeAccountKept', stored::jsonb ->> 'stripeAccount',
                              'stripeAccountIgnored', newer::jsonb ->> 'stripeAccount')::text
  END
$$;

-- record_session_events (013) again: an advanced job keeps its stored stripeAccount, and the
-- event notes an account it names that was not taken. Otherwise the same.
CREATE OR REPLACE FUNCTION record_session_events(batch jsonb) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  e jsonb;
  inserted text;
  found_state text;
  new_state text;
  notify boolean := false;
  stored_json text;
  note text;
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
      SELECT session_json INTO stored_json FROM jobs
      WHERE session_id = e->>'sessionId' AND state = 'awaiting_payment' FOR UPDATE;
      IF FOUND THEN
        UPDATE jobs SET state = new_state,
          session_json = session_keeping_account(stored_json, e->>'sessionJson'),
          paid_event_id = e->>'paidEventId',
          paid_at = (e->>'paidAt')::bigint, next_run_at = (e->>'now')::bigint, updated_at = (e->>'now')::bigint,
          trace_context = COALESCE(e->>'traceContext', trace_context)
        WHERE session_id = e->>'sessionId'
        RETURNING state INTO found_state;
        note := session_account_note(stored_json, e->>'sessionJson');
        IF note IS NOT NULL THEN
          UPDATE events SET detail = note WHERE event_id = inserted;
        END IF;
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
