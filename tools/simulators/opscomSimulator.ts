import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultPlan, listen, readBody, sendJson, type SimServer } from './simHttp';
import { createEnforcement, type Enforcement } from './plateValidationSim';

export interface SimPermit {
  referenceId: string;
  internalReferenceId: string;
  plate: string;
  zone: string | undefined;
  startTime: string | undefined;
  endTime: string;
  amount: string | undefined;
  currency: string;
  /** Every update applied to this permit, in order. */
  updates: number;
  /** Deleted permits stay here, marked, so that checks can see what was revoked. */
  deleted: boolean;
}

export interface OpscomReceived {
  path: string;
  /** The body as received, with `apiToken` replaced by whether it was right. */
  body: Record<string, unknown>;
  tokenValid: boolean;
  at: number;
  answered: 'success' | `error ${number}` | 'fault';
  /** When the answer left (success and errors; a fault never answers). */
  answeredAt?: number;
  /** The permit a successful answer named. */
  referenceId?: string;
}

export interface OpscomSimulatorOptions {
  apiToken: string;
  /** Added before each answer (the drain benchmark uses 100 ms). */
  latencyMs?: number;
  /** Answer 9022 to a create identical to an existing permit (off: real OPSCOM may not). */
  rejectDuplicates?: boolean;
  random?: () => number;
  /** OPSCOM_CLIENT: the client code of the Push API's paths and of Plate Validation. */
  client?: string;
  /** Where `expires` is site-local wall time, for Plate Validation's `active` (America/Toronto). */
  timezone?: string;
  /** Plate Validation's path (the default OPSCOM_VALIDATE_URL's). */
  validatePath?: string;
}

export interface OpscomSimulator extends SimServer {
  faults: FaultPlan;
  received: OpscomReceived[];
  permits: Map<string, SimPermit>;
  /** What enforcement is told (Plate Validation): lots' zones, staff removals. */
  enforcement: Enforcement;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const AMOUNT = /^\d{1,6}\.\d{2}$/;
const REFERENCE = /^[A-Za-z0-9-]{1,50}$/;

type Answer = { ok: true; permit: SimPermit } | { ok: false; code: number; message: string };
const err = (code: number, message: string): Answer => ({ ok: false, code, message });

/**
 * OPSCOM's Push API as its public pages describe it: create and update, its error codes in its
 * own `{ErrorCode, ErrorMessage}` format (with HTTP 200, as OPSCOM does), and faults on demand.
 */
export async function startOpscomSimulator(
  options: OpscomSimulatorOptions,
  port = 0,
): Promise<OpscomSimulator> {
  const faults = new FaultPlan(options.random);
  const received: OpscomReceived[] = [];
  const permits = new Map<string, SimPermit>();
  const enforcement = createEnforcement(permits, {
    apiToken: options.apiToken,
    client: options.client ?? 'OC-TOMA',
    timezone: options.timezone ?? 'America/Toronto',
  });
  const base = `/api/${options.client ?? 'OC-TOMA'}/v1/permits`;
  const validatePath = options.validatePath ?? '/api/v1/validate/plate';
  let counter = 0;

  function validateCommon(
    b: Record<string, unknown>,
    plateKey: string,
    currencyKey: string,
  ): Answer | undefined {
    if (typeof b['apiToken'] !== 'string' || b['apiToken'] === '')
      return err(9001, 'API token is missing');
    if (b['apiToken'] !== options.apiToken) return err(9002, 'API token does not have permission');
    if (typeof b[plateKey] !== 'string' || b[plateKey] === '')
      return err(9006, 'Licence plate is required');
    if (b['endTime'] === undefined || b['endTime'] === '') return err(9004, 'End time is missing');
    if (typeof b['endTime'] !== 'string' || !TIME.test(b['endTime']))
      return err(9005, 'End time is invalid');
    if (b[plateKey].length > 10) return err(9030, 'Licence plate is too long');
    if (
      b['Amount'] !== undefined &&
      (typeof b['Amount'] !== 'string' || !AMOUNT.test(b['Amount']) || b['Amount'] === '0.00')
    )
      return err(9031, 'Amount is invalid');
    if (b[currencyKey] !== 'CAD' && b[currencyKey] !== 'USD')
      return err(9032, 'Currency is invalid');
    return undefined;
  }

  function create(b: Record<string, unknown>): Answer {
    const invalid = validateCommon(b, 'LicencePlate', 'CurrencyID');
    if (invalid) return invalid;
    if (
      b['startTime'] !== undefined &&
      (typeof b['startTime'] !== 'string' || !TIME.test(b['startTime']))
    )
      return err(9033, 'Start time is invalid');
    if (typeof b['zone'] === 'string' && b['zone'].length > 50)
      return err(9033, 'Zone is too long');
    const fields = {
      plate: b['LicencePlate'] as string,
      zone: b['zone'] as string | undefined,
      startTime: b['startTime'],
      endTime: b['endTime'] as string,
      amount: b['Amount'] as string | undefined,
      currency: b['CurrencyID'] as string,
    };
    if (options.rejectDuplicates) {
      for (const p of permits.values()) {
        if (
          p.plate === fields.plate &&
          p.startTime === fields.startTime &&
          p.endTime === fields.endTime &&
          p.zone === fields.zone
        )
          return err(9022, 'A record with these details already exists');
      }
    }
    counter++;
    const permit: SimPermit = {
      referenceId: `OC-${String(counter).padStart(6, '0')}`,
      internalReferenceId: String(100000 + counter),
      ...fields,
      updates: 0,
      deleted: false,
    };
    permits.set(permit.referenceId, permit);
    return { ok: true, permit };
  }

  function update(b: Record<string, unknown>): Answer {
    if (typeof b['referenceID'] !== 'string' || b['referenceID'] === '') {
      if (b['apiToken'] === options.apiToken) return err(9008, 'Reference ID is required');
    }
    const invalid = validateCommon(b, 'plate', 'currency');
    if (invalid) return invalid;
    if (!REFERENCE.test(b['referenceID'] as string))
      return err(9030, 'Reference ID is too long or invalid');
    const permit = permits.get(b['referenceID'] as string);
    if (!permit || permit.deleted) return err(9009, 'Record not found');
    permit.plate = b['plate'] as string;
    permit.endTime = b['endTime'] as string;
    permit.amount = b['Amount'] as string | undefined;
    permit.currency = b['currency'] as string;
    permit.updates++;
    return { ok: true, permit };
  }

  function remove(b: Record<string, unknown>): Answer {
    if (typeof b['apiToken'] !== 'string' || b['apiToken'] === '')
      return err(9001, 'API token is missing');
    if (b['apiToken'] !== options.apiToken) return err(9002, 'API token does not have permission');
    if (typeof b['referenceID'] !== 'string' || b['referenceID'] === '')
      return err(9008, 'Reference ID is required');
    const permit = permits.get(b['referenceID']);
    if (!permit || permit.deleted) return err(9009, 'Record not found');
    permit.deleted = true;
    return { ok: true, permit };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'GET' && path === '/_sim/permits')
      return sendJson(res, 200, [...permits.values()]);
    if (req.method === 'GET' && path === '/_sim/requests') return sendJson(res, 200, received);
    const text = await readBody(req);
    if (req.method === 'POST' && enforcement.admin(path, text, res)) return;
    if (req.method === 'POST' && path === '/_sim/faults') {
      const { fault, count } = JSON.parse(text) as {
        fault: '500' | 'hang' | 'reset' | 'error200';
        count?: number;
      };
      faults.next(fault, count ?? 1);
      return sendJson(res, 200, { queued: fault });
    }
    const isCreate = path === `${base}/push`;
    const isUpdate = path === `${base}/update`;
    const isDelete = path === `${base}/delete`;
    const isValidate = path === validatePath;
    if (req.method !== 'POST' || (!isCreate && !isUpdate && !isDelete && !isValidate))
      return sendJson(res, 404, { ErrorMessage: 'Not found' });

    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const { apiToken, api_token: validateToken, ...rest } = body ?? {};
    const entry: OpscomReceived = {
      path,
      body: rest,
      tokenValid: (isValidate ? validateToken : apiToken) === options.apiToken,
      at: Date.now(),
      answered: 'fault',
    };
    received.push(entry);

    const fault = faults.take(path);
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'hang') return; // never answered; the client's timeout must fire
    if (options.latencyMs) await sleep(options.latencyMs);
    if (fault === '500' || fault === '429')
      return sendJson(res, Number(fault), { ErrorMessage: 'Internal error' });
    if (fault === 'error200')
      return sendJson(res, 200, { ErrorCode: 9999, ErrorMessage: 'Temporary failure' });

    if (isValidate) {
      const answer = enforcement.validate(body);
      entry.answered = answer.error === 0 ? 'success' : `error ${answer.error}`;
      entry.answeredAt = Date.now();
      return sendJson(res, 200, answer);
    }
    const answer =
      body === undefined
        ? err(9003, 'Request could not be parsed')
        : isCreate
          ? create(body)
          : isDelete
            ? remove(body)
            : update(body);
    if (!answer.ok) {
      entry.answered = `error ${answer.code}`;
      return sendJson(res, 200, { ErrorCode: answer.code, ErrorMessage: answer.message });
    }
    entry.answered = 'success';
    entry.answeredAt = Date.now();
    entry.referenceId = answer.permit.referenceId;
    sendJson(res, 200, {
      status: 'success',
      reference_id: answer.permit.referenceId,
      InternalReferenceID: answer.permit.internalReferenceId,
    });
  }

  const sim = await listen((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { ErrorMessage: 'simulator error' });
    });
  }, port);
  return { ...sim, faults, received, permits, enforcement };
}
