export type PlateResult = { ok: true; plate: string } | { ok: false; reason: string };

const VALID_PLATE = /^[A-Z0-9]{1,10}$/;

/**
 * Normalises a licence plate as the metadata contract says (README): trim, upper-case, drop whitespace, `-` and `.`;
 * the result must be 1–10 characters of A-Z and 0-9 (what enforcement officers type in OPSCOM).
 */
export function normalisePlate(raw: string): PlateResult {
  const plate = raw
    .trim()
    .toUpperCase()
    .replace(/[\s.-]/g, '');
  if (plate === '') return { ok: false, reason: 'plate is empty' };
  if (!VALID_PLATE.test(plate)) {
    return {
      ok: false,
      reason: `plate "${raw}" must be 1–10 letters or digits after removing spaces, "-" and "." (got "${plate}")`,
    };
  }
  return { ok: true, plate };
}
