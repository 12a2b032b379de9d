import { z } from 'zod';
import {
  OpscomAuthError,
  OpscomRejectedError,
  OpscomUnavailableError,
  type AdapterError,
} from '../errors';

/** One permit as an officer's handheld shows it for a plate (OPSCOM's Plate Validation). */
export interface SeenPermit {
  /** `standard` or `temp`, as OPSCOM says; undefined when it says nothing. */
  type: string | undefined;
  /** The lot's short name (not the zone the permit was pushed to). */
  lot: string | undefined;
  /** Site-local wall time, no offset, as OPSCOM wrote it (`2026-07-02 11:30:00`). */
  expires: string;
  /** OPSCOM's `active`; undefined when absent (then judged by `expires`). */
  active: boolean | undefined;
}

/** What enforcement sees for one plate: its permits (none: the plate has nothing). */
export interface PlateSeen {
  plate: string;
  permits: SeenPermit[];
}

export type ValidationAnswer = { ok: true; seen: PlateSeen } | { ok: false; error: AdapterError };

const text = z.union([z.string(), z.number()]).transform(String);
// OPSCOM writes flags as "1"/"0"; numbers and booleans are read the same way.
const flag = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => v === true || v === 1 || v === '1' || String(v).toLowerCase() === 'true');

const Entry = z.object({
  type: text.nullish(),
  shortName: text.nullish(),
  expires: z.string().min(1),
  active: flag.nullish(),
});

const Envelope = z.object({
  error: z.coerce.number().int(),
  message: z.string().nullish(),
  data: z
    .object({
      plate: text.nullish(),
      // `{}` (or PHP's `[]`) when the plate has nothing; otherwise a permits list, or one
      // permit's fields directly (both forms are in OPSCOM's own pages).
      responseJSON: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish(),
    })
    .nullish(),
});

/** At most this many permits are kept from one answer (a plate rarely has more than a few). */
export const MAX_SEEN_PERMITS = 20;

/**
 * Decides what a Plate Validation answer means. `error` other than 0 is a failure:
 * 9000 (no client code) and 9001/9002 (the token) need an operator; 9003–9033 refuse this
 * request; 5xx, an unreadable body or any other code is an outage that passes by itself.
 */
export function classifyValidationAnswer(
  httpStatus: number,
  bodyText: string,
  plate: string,
): ValidationAnswer {
  const unavailable = (why: string): ValidationAnswer => ({
    ok: false,
    error: new OpscomUnavailableError(`OPSCOM Plate Validation ${why}`),
  });
  if (httpStatus >= 500) return unavailable(`answered HTTP ${httpStatus}`);
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return unavailable(`answered HTTP ${httpStatus} with a body that is not JSON`);
  }
  const envelope = Envelope.safeParse(body);
  if (!envelope.success) return unavailable(`answered HTTP ${httpStatus} without an error field`);
  const { error: code, message, data } = envelope.data;
  if (code !== 0) return { ok: false, error: failure(code, message ?? 'no message', httpStatus) };
  const permits = permitsOf(data?.responseJSON);
  if (permits === undefined) return unavailable('answered permits this adapter cannot read');
  return { ok: true, seen: { plate: data?.plate ?? plate, permits } };
}

function failure(code: number, message: string, httpStatus: number): AdapterError {
  const said = `OPSCOM Plate Validation error ${code}: ${message} (HTTP ${httpStatus})`;
  if (code === 9001 || code === 9002) {
    return new OpscomAuthError(
      code,
      `${said}. OPSCOM refuses the API token for Plate Validation (a feature OPSCOM grants separately): check OPSCOM_API_TOKEN with OPSCOM`,
    );
  }
  if (code === 9000) {
    return new OpscomAuthError(code, `${said}. OPSCOM needs the client code: set OPSCOM_CLIENT`);
  }
  if (code >= 9003 && code <= 9033) return new OpscomRejectedError(code, said);
  return new OpscomUnavailableError(`${said}: unknown code, trying again later`);
}

function permitsOf(json: Record<string, unknown> | unknown[] | null | undefined) {
  if (json === null || json === undefined || Array.isArray(json)) return [];
  const raw: unknown[] = Array.isArray(json['permits'])
    ? json['permits']
    : 'expires' in json
      ? [json]
      : [];
  const permits: SeenPermit[] = [];
  for (const item of raw.slice(0, MAX_SEEN_PERMITS)) {
    const entry = Entry.safeParse(item);
    if (!entry.success) return undefined;
    permits.push({
      type: entry.data.type?.slice(0, 40) ?? undefined,
      lot: entry.data.shortName?.slice(0, 80) ?? undefined,
      expires: entry.data.expires.slice(0, 40),
      active: entry.data.active ?? undefined,
    });
  }
  return permits;
}
