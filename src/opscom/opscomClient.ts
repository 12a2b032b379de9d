import { OpscomInDoubtError, OpscomRejectedError, OpscomUnavailableError } from '../errors';
import type { CreatePermitRequest, PermitResult, UpdatePermitRequest } from '../domain/permit';
import { classifyOpscomAnswer } from './opscomAnswer';

export const CREATE_PATH = '/api/OC-TOMA/v1/permits/push';
export const UPDATE_PATH = '/api/OC-TOMA/v1/permits/update';
export const DELETE_PATH = '/api/OC-TOMA/v1/permits/delete';

export interface OpscomClientOptions {
  baseUrl: URL;
  apiToken: string;
  /** After this, a call is slow: in doubt, not failed (see graceMs). */
  timeoutMs: number;
  /** How much longer a slow call is kept open for a late answer before it counts as lost. */
  graceMs: number;
  fetch?: typeof fetch;
}

export interface CallOptions {
  /** Called once if no answer came within timeoutMs; the call goes on for graceMs more. */
  onSlow?: () => void;
}

export interface OpscomClient {
  createPermit(request: CreatePermitRequest, options?: CallOptions): Promise<PermitResult>;
  updatePermit(request: UpdatePermitRequest, options?: CallOptions): Promise<PermitResult>;
  /**
   * Deletes a permit. OPSCOM's 9009 (record not found) means it is gone already: that is the
   * outcome asked for, so it resolves `{ alreadyGone: true }` rather than failing.
   */
  deletePermit(
    referenceId: string,
    options?: CallOptions,
  ): Promise<PermitResult & { alreadyGone: boolean }>;
}

// Failures while connecting: the request never left, so OPSCOM cannot have acted on it.
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Talks to OPSCOM's Push API and nothing more: one POST per call, no retries (the worker owns
 * them), every failure thrown as an AdapterError that says whether a retry can help. The token
 * travels in the body only; no message built here ever contains it.
 *
 * A slow answer is not a failure: OPSCOM may be making the permit. Past `timeoutMs` the caller
 * is told (onSlow) and the request stays open for `graceMs` more, so a late answer is still
 * read and recorded instead of being retried into a second permit. Only when the grace is over,
 * or the connection breaks after sending, is the answer lost (OpscomInDoubtError).
 */
export function createOpscomClient(options: OpscomClientOptions): OpscomClient {
  const doFetch = options.fetch ?? fetch;
  const limitMs = options.timeoutMs + options.graceMs;

  async function post(
    path: string,
    body: Record<string, string>,
    call: CallOptions = {},
  ): Promise<PermitResult> {
    const url = new URL(path, options.baseUrl);
    let response: Response;
    let text: string;
    const slow = call.onSlow ? setTimeout(call.onSlow, options.timeoutMs) : undefined;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ apiToken: options.apiToken, ...body }),
        signal: AbortSignal.timeout(limitMs),
      });
      text = await response.text();
    } catch (err) {
      throw networkError(`OPSCOM ${path}`, err);
    } finally {
      clearTimeout(slow);
    }
    const answer = classifyOpscomAnswer(response.status, text);
    if (!answer.ok) throw answer.error;
    return answer.result;
  }

  function networkError(what: string, err: unknown): Error {
    // By name, not instanceof: the abort reason is a DOMException, which may come from
    // another realm (a test runner's sandbox) than this module's Error.
    const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new OpscomInDoubtError(
        `${what} did not answer within ${limitMs} ms (OPSCOM_TIMEOUT_MS ${options.timeoutMs} + OPSCOM_GRACE_MS ${options.graceMs}): the answer is lost, OPSCOM may have acted on it`,
        { cause: err },
      );
    }
    const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
    const detail = cause?.code ?? (err instanceof Error ? err.message : String(err));
    if (cause?.code && NOT_SENT.has(cause.code)) {
      return new OpscomUnavailableError(`${what} could not be reached (${detail})`, { cause: err });
    }
    return new OpscomInDoubtError(
      `${what}: the connection broke after the request was sent (${detail}): the answer is lost, OPSCOM may have acted on it`,
      { cause: err },
    );
  }

  return {
    createPermit: (r, call) =>
      post(
        CREATE_PATH,
        {
          LicencePlate: r.plate,
          ...(r.amount === undefined ? {} : { Amount: r.amount }),
          CurrencyID: r.currency,
          zone: r.zone,
          startTime: r.startTime,
          endTime: r.endTime,
        },
        call,
      ),
    deletePermit: async (referenceId, call) => {
      try {
        return {
          ...(await post(DELETE_PATH, { referenceID: referenceId }, call)),
          alreadyGone: false,
        };
      } catch (err) {
        if (err instanceof OpscomRejectedError && err.errorCode === 9009) {
          return { referenceId, internalReferenceId: undefined, alreadyGone: true };
        }
        throw err;
      }
    },
    // Field for field the seed document's update request.
    updatePermit: (r, call) =>
      post(
        UPDATE_PATH,
        {
          referenceID: r.referenceId,
          plate: r.plate,
          ...(r.amount === undefined ? {} : { Amount: r.amount }),
          currency: r.currency,
          endTime: r.endTime,
        },
        call,
      ),
  };
}
