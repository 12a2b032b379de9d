/**
 * The advisory-lock key of a job's OPSCOM attempt, as SQL over a session id expression. A
 * 64-bit hash: a collision only makes one of two jobs wait, never runs one twice.
 */
export const ATTEMPT_LOCK_SEED = 7311;
export const attemptLockKey = (sessionIdSql: string) =>
  `hashtextextended(${sessionIdSql}, ${ATTEMPT_LOCK_SEED})`;
