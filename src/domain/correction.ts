import type { SessionSnapshot } from './sessionSnapshot';

/**
 * Values an operator gave (npm run replay --plate/--duration/--zone) for a session whose own
 * metadata cannot be mapped. The session's metadata is kept as Stripe sent it; the correction
 * is kept beside it, with who gave it and when, and wins wherever it says something.
 */
export interface Correction {
  plate?: string;
  duration?: string;
  zone?: string;
  by: string;
  /** ISO-8601 time the operator gave it. */
  at: string;
}

/** The session as the mapping should read it: its metadata overlaid with the correction. */
export function applyCorrection(
  session: SessionSnapshot,
  correction: Correction | null,
): SessionSnapshot {
  if (!correction) return session;
  const metadata = { ...session.metadata };
  if (correction.plate !== undefined) metadata['plate'] = correction.plate;
  if (correction.duration !== undefined) metadata['duration'] = correction.duration;
  if (correction.zone !== undefined) metadata['zone'] = correction.zone;
  return { ...session, metadata };
}
