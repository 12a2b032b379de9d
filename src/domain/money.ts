export type AmountResult =
  | { ok: true; amount: string | undefined; currency: OpscomCurrency }
  | { ok: false; reason: string };

export type OpscomCurrency = 'CAD' | 'USD';

/** OPSCOM accepts CAD and USD only; both have two minor digits (cents). */
const OPSCOM_CURRENCIES: ReadonlySet<string> = new Set(['CAD', 'USD']);
const MAX_MINOR = 99_999_999; // 999999.99, OPSCOM's upper bound for Amount

/**
 * Turns Stripe's `amount_total` (integer minor units) into OPSCOM's `Amount`, a decimal string
 * with two decimals. A free session (total 0) has no Amount: OPSCOM's minimum is 0.01.
 * Integer arithmetic only, so 1450 is always "14.50", never 14.499999.
 */
export function toOpscomAmount(
  amountTotal: number | null | undefined,
  currency: string | null | undefined,
): AmountResult {
  const code = (currency ?? '').toUpperCase();
  if (!OPSCOM_CURRENCIES.has(code)) {
    return {
      ok: false,
      reason: `currency "${currency ?? 'none'}" is not accepted by OPSCOM (CAD or USD only)`,
    };
  }
  const opscomCurrency = code as OpscomCurrency;
  if (amountTotal === null || amountTotal === undefined || !Number.isInteger(amountTotal)) {
    return { ok: false, reason: 'amount_total is missing on the session' };
  }
  if (amountTotal < 0 || amountTotal > MAX_MINOR) {
    return {
      ok: false,
      reason: `amount ${amountTotal} (minor units) is outside OPSCOM's range 0.01–999999.99`,
    };
  }
  if (amountTotal === 0) return { ok: true, amount: undefined, currency: opscomCurrency };
  const major = Math.floor(amountTotal / 100);
  const minor = String(amountTotal % 100).padStart(2, '0');
  return { ok: true, amount: `${major}.${minor}`, currency: opscomCurrency };
}
