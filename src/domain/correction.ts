import { parseDuration } from './duration';
import { normalisePlate } from './plate';
import type { SessionSnapshot } from './sessionSnapshot';
import { checkZone } from './zone';

/**
 * What an operator asked for a session (npm run replay --plate/--duration/--zone/--revoke, or
 * the console): values that replace unmappable or wrong metadata, or the permit taken away.
 * The session's metadata is kept as Stripe sent it; the correction is kept beside it, with who
 * gave it and when, and wins wherever it says something.
 */
export interface Correction {
  plate?: string;
  duration?: string;
  zone?: string;
  /** The operator revoked the permit: it is deleted in OPSCOM (or never made). */
  revoke?: true;
  by: string;
  /** ISO-8601 time the operator gave it. */
  at: string;
}

/** The values of a correction, before who and when are added. */
export type CorrectionValues = Omit<Correction, 'by' | 'at'>;

export interface CorrectionInput {
  plate?: string | undefined;
  duration?: string | undefined;
  zone?: string | undefined;
  revoke?: boolean | undefined;
}

/**
 * Pure: the operator's values, checked as the mapping would check metadata (plate normalised,
 * duration parsed, zone as domain/zone.ts says), or what is wrong with the first bad one. Empty
 * fields are left out; nothing given at all is `null`.
 */
export function parseCorrection(
  input: CorrectionInput,
): { ok: true; values: CorrectionValues | null } | { ok: false; error: string } {
  const values: CorrectionValues = {};
  const given = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : s);
  const plateText = given(input.plate);
  if (plateText !== undefined) {
    const plate = normalisePlate(plateText);
    if (!plate.ok) return { ok: false, error: `plate ${plateText}: ${plate.reason}` };
    values.plate = plate.plate;
  }
  const durationText = given(input.duration);
  if (durationText !== undefined) {
    const duration = parseDuration(durationText);
    if (!duration.ok) return { ok: false, error: `duration ${durationText}: ${duration.reason}` };
    values.duration = durationText.trim();
  }
  const zoneText = given(input.zone);
  if (zoneText !== undefined) {
    // Its form only: whether it is one of OPSCOM_ZONES is the mapping's to say, with a reason.
    const zone = checkZone(zoneText);
    if (!zone.ok) return { ok: false, error: zone.reason };
    values.zone = zone.zone;
  }
  if (input.revoke === true) {
    if (Object.keys(values).length > 0) {
      return {
        ok: false,
        error: 'revoke takes the permit away: give no plate, duration or zone with it',
      };
    }
    values.revoke = true;
  }
  return { ok: true, values: Object.keys(values).length > 0 ? values : null };
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
