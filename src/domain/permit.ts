import type { OpscomCurrency } from './money';

/** What the adapter asks OPSCOM for: a new permit, or a new end time for an existing one. */
export type PermitRequest = CreatePermitRequest | UpdatePermitRequest;

interface PermitCommon {
  plate: string;
  /** Local wall time in OPSCOM_TIMEZONE, `YYYY-MM-DDTHH:mm:ss`. */
  endTime: string;
  /** The same end as ISO-8601 with offset: what the ledger and Stripe metadata keep. */
  endsAt: string;
  /** Two decimals; absent for a free session. */
  amount: string | undefined;
  currency: OpscomCurrency;
}

export interface CreatePermitRequest extends PermitCommon {
  action: 'create';
  zone: string;
  startTime: string;
}

export interface UpdatePermitRequest extends PermitCommon {
  action: 'update';
  referenceId: string;
}

/** OPSCOM's answer to a successful call. */
export interface PermitResult {
  referenceId: string;
  internalReferenceId: string | undefined;
}

/**
 * The same permit (plate, end, amount) sent as an update of an existing OPSCOM reference:
 * what `replay --force` sends for a session that already has a permit, never a second create.
 */
export function asUpdateOf(permit: PermitRequest, referenceId: string): UpdatePermitRequest {
  const { plate, endTime, endsAt, amount, currency } = permit;
  return { action: 'update', referenceId, plate, endTime, endsAt, amount, currency };
}
