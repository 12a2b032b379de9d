import type { ServerResponse } from 'node:http';
import { DateTime } from 'luxon';
import type { SimPermit } from './opscomSimulator';
import { sendJson } from './simHttp';

export interface ValidationAnswer {
  error: number;
  data: { plate: string; response: string; responseJSON: Record<string, unknown> } | null;
  message: string;
}

/**
 * What OPSCOM's enforcement side shows, beside the Push API the simulator keeps: Plate
 * Validation answered from the permits held, except those in a zone no lot uses (they show in
 * pay-station data, never on the handheld) and those staff removed.
 */
export interface Enforcement {
  /** Zones no lot uses. */
  readonly unusedZones: Set<string>;
  /** References staff removed inside OPSCOM (the permit is deleted, as OPSCOM's own delete). */
  readonly removedByStaff: Set<string>;
  /** Answer a permit's fields directly inside responseJSON when a plate has exactly one. */
  flatAnswers: boolean;
  /** The next `count` validations answer `error` (9002: the token; 9000: the client code). */
  failNext(error: number, count: number): void;
  removeByStaff(referenceId: string): boolean;
  /** Enforcement also shows these (a bench's standing permits, held in bulk), found by plate. */
  hold(standing: readonly SimPermit[]): void;
  validate(body: Record<string, unknown> | undefined): ValidationAnswer;
  /** The control endpoints under /_sim/enforcement; false when `path` is not one. */
  admin(path: string, text: string, res: ServerResponse): boolean;
}

export function createEnforcement(
  permits: Map<string, SimPermit>,
  options: { apiToken: string; client: string; timezone: string },
): Enforcement {
  const failures: number[] = [];
  // By plate: a bench holds 100,000 permits, and a scan of them all per question would be the
  // simulator's cost, not the adapter's.
  const held = new Map<string, SimPermit[]>();
  const fail = (error: number, message: string): ValidationAnswer => ({
    error,
    data: null,
    message,
  });
  const enforcement: Enforcement = {
    unusedZones: new Set(),
    removedByStaff: new Set(),
    flatAnswers: false,
    failNext(error, count) {
      for (let i = 0; i < count; i++) failures.push(error);
    },
    removeByStaff(referenceId) {
      const permit = permits.get(referenceId);
      if (!permit || permit.deleted) return false;
      permit.deleted = true;
      enforcement.removedByStaff.add(referenceId);
      return true;
    },
    hold(standing) {
      for (const p of standing) held.set(p.plate, [...(held.get(p.plate) ?? []), p]);
    },
    validate(body) {
      const queued = failures.shift();
      if (queued !== undefined) return fail(queued, 'Simulated failure');
      if (!body || typeof body['api_token'] !== 'string' || body['api_token'] === '')
        return fail(9001, 'API token is missing');
      if (body['api_token'] !== options.apiToken)
        return fail(9002, 'API token does not have permission');
      if (body['client'] !== options.client) return fail(9000, 'Client code is missing');
      const plate = typeof body['plate'] === 'string' ? body['plate'] : '';
      const now = Date.now();
      const shown = [...permits.values(), ...(held.get(plate) ?? [])]
        .filter((p) => p.plate === plate && !p.deleted)
        .filter((p) => p.zone === undefined || !enforcement.unusedZones.has(p.zone))
        .map((p) => {
          const end = DateTime.fromISO(p.endTime, { zone: options.timezone });
          return {
            type: 'temp',
            shortName: `Lot ${p.zone ?? '-'}`,
            expires: end.toFormat('yyyy-MM-dd HH:mm:ss'),
            active: end.toMillis() > now ? '1' : '0',
          };
        });
      const responseJSON: Record<string, unknown> =
        shown.length === 0
          ? {}
          : enforcement.flatAnswers && shown.length === 1
            ? { ...shown[0] }
            : { permits: shown, dntt: [], alarm: '' };
      return {
        error: 0,
        data: {
          plate,
          response: shown.length === 0 ? 'No permit found' : `${shown.length} permit(s)`,
          responseJSON,
        },
        message: '',
      };
    },
    admin(path, text, res) {
      if (!path.startsWith('/_sim/enforcement')) return false;
      const body = (text ? JSON.parse(text) : {}) as {
        unusedZone?: string;
        removeReference?: string;
        failNext?: { error: number; count?: number };
        flat?: boolean;
      };
      if (body.unusedZone !== undefined) enforcement.unusedZones.add(body.unusedZone);
      const removed =
        body.removeReference === undefined
          ? undefined
          : enforcement.removeByStaff(body.removeReference);
      if (body.failNext) enforcement.failNext(body.failNext.error, body.failNext.count ?? 1);
      if (body.flat !== undefined) enforcement.flatAnswers = body.flat;
      sendJson(res, 200, {
        unusedZones: [...enforcement.unusedZones],
        removedByStaff: [...enforcement.removedByStaff],
        ...(removed === undefined ? {} : { removed }),
      });
      return true;
    },
  };
  return enforcement;
}
