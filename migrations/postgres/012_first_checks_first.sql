-- Seen by enforcement: a permit's first check after it is made or changed (state 'scheduled')
-- is claimed before the periodic re-checks of older permits, so a backlog of re-checks (more
-- standing permits than OPSCOM_VERIFY_PER_SECOND covers in a round) never delays it.
CREATE INDEX verifications_first ON verifications (count_from)
  WHERE state = 'scheduled' AND count_from IS NOT NULL;
