import { OpscomUnavailableError } from '../errors';
import type { CreatePermitRequest, PermitResult, UpdatePermitRequest } from '../domain/permit';
import { classifyOpscomAnswer } from './opscomAnswer';

export const CREATE_PATH = '/api/OC-TOMA/v1/permits/push';
export const UPDATE_PATH = '/api/OC-TOMA/v1/permits/update';

export interface OpscomClientOptions {
  baseUrl: URL;
  apiToken: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface OpscomClient {
  createPermit(request: CreatePermitRequest): Promise<PermitResult>;
  updatePermit(request: UpdatePermitRequest): Promise<PermitResult>;
}

/**
 * Talks to OPSCOM's Push API and nothing more: one POST per call, no retries (the worker owns
 * them), every failure thrown as an AdapterError that says whether a retry can help. The token
 * travels in the body only; no message built here ever contains it.
 */
export function createOpscomClient(options: OpscomClientOptions): OpscomClient {
  const doFetch = options.fetch ?? fetch;

  async function post(path: string, body: Record<string, string>): Promise<PermitResult> {
    const url = new URL(path, options.baseUrl);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ apiToken: options.apiToken, ...body }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw new OpscomUnavailableError(
        `OPSCOM ${path} ${describeNetworkError(err, options.timeoutMs)}`,
        {
          cause: err,
        },
      );
    }
    const answer = classifyOpscomAnswer(response.status, text);
    if (!answer.ok) throw answer.error;
    return answer.result;
  }

  return {
    createPermit: (r) =>
      post(CREATE_PATH, {
        LicencePlate: r.plate,
        ...(r.amount === undefined ? {} : { Amount: r.amount }),
        CurrencyID: r.currency,
        zone: r.zone,
        startTime: r.startTime,
        endTime: r.endTime,
      }),
    // Field for field the seed document's update request.
    updatePermit: (r) =>
      post(UPDATE_PATH, {
        referenceID: r.referenceId,
        plate: r.plate,
        ...(r.amount === undefined ? {} : { Amount: r.amount }),
        currency: r.currency,
        endTime: r.endTime,
      }),
  };
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `did not answer within ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  if (cause?.code) return `could not be reached (${cause.code})`;
  return `could not be reached (${err instanceof Error ? err.message : String(err)})`;
}
