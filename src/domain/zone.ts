export type ZoneResult = { ok: true; zone: string } | { ok: false; reason: string };

/** OPSCOM's limit for its text fields (its API pages; 9030–9033 when a field is too long). */
export const ZONE_MAX_LENGTH = 50;

/** What real lot names use besides letters (any script, with accents) and digits. */
const PUNCTUATION = ` -_.,'/#()+:`;
const ALLOWED_CHAR = /[\p{L}\p{M}\p{N} \-_.,'/#()+:]/u;
const ALL_ALLOWED = /^[\p{L}\p{M}\p{N} \-_.,'/#()+:]+$/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * Pure: a zone as OPSCOM should get it, or why not. Trimmed and in Unicode's composed form
 * (NFC, so "é" typed two ways is one zone); 1–50 characters of letters, digits, spaces and the
 * punctuation lot names use. Markup (`<`, `>`, `&`, quotes), control and invisible characters
 * (bidirectional overrides) are refused: a zone is shown on handhelds and in OPSCOM's pages as
 * it is sent. With `allowed` (OPSCOM_ZONES), the zone must also be one of those, exactly: a
 * permit in a zone no lot uses shows in the pay-station data but on no handheld.
 */
export function checkZone(raw: string, allowed?: readonly string[]): ZoneResult {
  const zone = raw.trim().normalize('NFC');
  if (zone === '') return { ok: false, reason: 'zone is empty' };
  if ([...zone].length > ZONE_MAX_LENGTH) {
    return { ok: false, reason: `zone is longer than ${ZONE_MAX_LENGTH} characters` };
  }
  if (!ALL_ALLOWED.test(zone)) {
    // The offending characters by code point, never as they are: they may be invisible or
    // reorder the text around them wherever the reason is shown.
    const bad = [...new Set([...zone].filter((c) => !ALLOWED_CHAR.test(c)))]
      .slice(0, 3)
      .map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
    return {
      ok: false,
      reason: `zone has characters lot names do not use (${bad.join(', ')}): letters, digits, spaces and ${PUNCTUATION.trim().split('').join(' ')} only`,
    };
  }
  if (!LETTER_OR_DIGIT.test(zone)) {
    return { ok: false, reason: 'zone has no letter or digit' };
  }
  if (allowed !== undefined && !allowed.includes(zone)) {
    const near = allowed.find((z) => z.toLowerCase() === zone.toLowerCase());
    const hint = near !== undefined ? `; did you mean "${near}"?` : '';
    return {
      ok: false,
      reason: `zone "${zone}" is not one of OPSCOM_ZONES (the zones the operator's lots use)${hint}`,
    };
  }
  return { ok: true, zone };
}

/** OPSCOM_ZONES as configured: comma-separated zones, each checked as a payment's would be. */
export function parseZoneList(
  text: string,
): { ok: true; zones: string[] } | { ok: false; reason: string } {
  const zones: string[] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const checked = checkZone(part);
    if (!checked.ok) return { ok: false, reason: checked.reason };
    if (!zones.includes(checked.zone)) zones.push(checked.zone);
  }
  if (zones.length === 0) return { ok: false, reason: 'lists no zone' };
  return { ok: true, zones };
}
