import { DateTime, type Duration } from 'luxon';
import { parseDuration } from './duration';
import { operatorZone, toIsoWithOffset, toOpscomTime } from './localTime';
import { toOpscomAmount } from './money';
import type { PermitRequest } from './permit';
import { normalisePlate } from './plate';
import type { SessionSnapshot } from './sessionSnapshot';
import { checkZone } from './zone';

export interface MappingOptions {
  /** IANA zone OPSCOM works in (OPSCOM_TIMEZONE). */
  timezone: string;
  /** OPSCOM_ZONE: zone for a new permit when metadata has none. */
  defaultZone: string | undefined;
  /** MAX_PERMIT_DURATION. */
  maxDuration: Duration;
  /** OPSCOM_ZONES: when set, a new permit's zone must be one of these. */
  zones?: readonly string[] | undefined;
}

export interface MappingInput {
  session: SessionSnapshot;
  /** Unix seconds: `created` of the event that made the session paid. */
  paidAt: number;
  /** For an update: the end the ledger already knows for that reference, if any (ISO). */
  knownEndsAt?: string | undefined;
  /**
   * The zone of the permit OPSCOM already has for this session: taken as it is, so that a
   * permit made before OPSCOM_ZONES (or before zones were checked) can still be refunded,
   * shortened or corrected in its other fields.
   */
  liveZone?: string | undefined;
}

export type MappingResult =
  { kind: 'permit'; permit: PermitRequest } | { kind: 'invalid'; reasons: string[] };

// OPSCOM API pages: referenceID up to 50 letters, digits or dashes.
const REFERENCE_ID = /^[A-Za-z0-9-]{1,50}$/;

/**
 * Pure: a paid session and the moment it was paid → the OPSCOM request, or every reason it
 * cannot be one. The same input always gives the same permit, however late it is replayed.
 */
export function mapSession(input: MappingInput, options: MappingOptions): MappingResult {
  const { session } = input;
  const reasons: string[] = [];

  const rawPlate = session.metadata['plate'] ?? session.customFields['plate'];
  const plate = rawPlate === undefined ? undefined : normalisePlate(rawPlate);
  if (rawPlate === undefined)
    reasons.push('metadata "plate" is missing (no plate custom field either)');
  else if (plate && !plate.ok) reasons.push(plate.reason);

  const rawDuration = session.metadata['duration'];
  const duration = rawDuration === undefined ? undefined : parseDuration(rawDuration);
  if (rawDuration === undefined) reasons.push('metadata "duration" is missing');
  else if (duration && !duration.ok) reasons.push(duration.reason);

  const money = toOpscomAmount(session.amountTotal, session.currency);
  if (!money.ok) reasons.push(money.reason);

  const referenceId = session.metadata['reference_id']?.trim() || undefined;
  if (referenceId !== undefined && !REFERENCE_ID.test(referenceId)) {
    reasons.push(`metadata "reference_id" must be 1–50 letters, digits or dashes`);
  }
  const rawZone = session.metadata['zone']?.trim() || options.defaultZone;
  let zone: string | undefined;
  if (referenceId === undefined && rawZone === undefined) {
    reasons.push('metadata "zone" is missing and OPSCOM_ZONE is not set');
  } else if (rawZone !== undefined && rawZone === input.liveZone) {
    zone = rawZone;
  } else if (rawZone !== undefined) {
    // An update sends no zone, but a zone OPSCOM could not take is still wrong metadata.
    const checked = checkZone(rawZone, referenceId === undefined ? options.zones : undefined);
    if (checked.ok) zone = checked.zone;
    else reasons.push(checked.reason);
  }

  const start = DateTime.fromSeconds(input.paidAt, { zone: operatorZone(options.timezone) });
  let end: DateTime | undefined;
  if (duration?.ok) {
    // An update extends from the later of the end we know and the payment (README, "What the payment must carry").
    const known = input.knownEndsAt ? DateTime.fromISO(input.knownEndsAt) : undefined;
    const base =
      referenceId !== undefined && known?.isValid && known > start
        ? known.setZone(operatorZone(options.timezone))
        : start;
    end = base.plus(duration.duration);
    if (end > base.plus(options.maxDuration)) {
      reasons.push(
        `duration "${rawDuration}" is longer than MAX_PERMIT_DURATION (${options.maxDuration.toISO()})`,
      );
    }
  }

  if (reasons.length > 0 || !plate?.ok || !money.ok || end === undefined) {
    return { kind: 'invalid', reasons };
  }
  const common = {
    plate: plate.plate,
    endTime: toOpscomTime(end, options.timezone),
    endsAt: toIsoWithOffset(end, options.timezone),
    amount: money.amount,
    currency: money.currency,
  };
  if (referenceId !== undefined) {
    return { kind: 'permit', permit: { action: 'update', referenceId, ...common } };
  }
  return {
    kind: 'permit',
    permit: {
      action: 'create',
      zone: zone!,
      startTime: toOpscomTime(start, options.timezone),
      ...common,
    },
  };
}
