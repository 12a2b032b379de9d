import { OpscomInDoubtError, OpscomRejectedError, OpscomUnavailableError } from '../errors';
import type { CreatePermitRequest, PermitResult, UpdatePermitRequest } from '../domain/permit';
import { httpPoster, PostFailure, type PostAnswer } from '../net/httpPost';
import { classifyOpscomAnswer } from './opscomAnswer';

/** The Push API's paths for a client code (OPSCOM_CLIENT, default OC-TOMA). */
export function permitPaths(client: string): { create: string; update: string; delete: string } {
  const base = `/api/${encodeURIComponent(client)}/v1/permits`;
  return { create: `${base}/push`, update: `${base}/update`, delete: `${base}/delete` };
}

export interface OpscomClientOptions {
  baseUrl: URL;
  apiToken: string;
  /** The variable the token comes from, named when OPSCOM refuses it (default OPSCOM_API_TOKEN). */
  tokenEnv?: string;
  /** OPSCOM_CLIENT: the path segment of push, update and delete (default OC-TOMA). */
  client?: string;
  /** After this, a call is slow: in doubt, not failed (see graceMs). */
  timeoutMs: number;
  /** How much longer a slow call is kept open for a late answer before it counts as lost. */
  graceMs: number;
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
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

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
  const postJson = httpPoster(options.baseUrl, 'application/json');
  const limitMs = options.timeoutMs + options.graceMs;
  const paths = permitPaths(options.client ?? 'OC-TOMA');

  async function post(
    path: string,
    body: Record<string, string>,
    call: CallOptions = {},
  ): Promise<PermitResult> {
    let answer: PostAnswer;
    const slow = call.onSlow ? setTimeout(call.onSlow, options.timeoutMs) : undefined;
    try {
      answer = await postJson(
        path,
        JSON.stringify({ apiToken: options.apiToken, ...body }),
        limitMs,
      );
    } catch (err) {
      throw networkError(`OPSCOM ${path}`, err);
    } finally {
      clearTimeout(slow);
    }
    const classified = classifyOpscomAnswer(answer.status, answer.text, options.tokenEnv);
    if (!classified.ok) throw classified.error;
    return classified.result;
  }

  function networkError(what: string, err: unknown): Error {
    const failure = err instanceof PostFailure ? err : undefined;
    if (failure?.code === 'TIMEOUT') {
      return new OpscomInDoubtError(
        `${what} did not answer within ${limitMs} ms (OPSCOM_TIMEOUT_MS ${options.timeoutMs} + OPSCOM_GRACE_MS ${options.graceMs}): the answer is lost, OPSCOM may have acted on it`,
        { cause: err },
      );
    }
    const detail = failure?.code ?? (err instanceof Error ? err.message : String(err));
    // Refused or unresolvable before a byte was sent: OPSCOM never saw it.
    if (failure?.code && NOT_SENT.has(failure.code) && !failure.sent) {
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
        paths.create,
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
          ...(await post(paths.delete, { referenceID: referenceId }, call)),
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
        paths.update,
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

/**
 * The client with every call passed through `around` (named create, update or delete): how
 * the metrics time calls and the alerts watch the token, without either knowing the methods.
 */
export function aroundOpscomCalls(
  client: OpscomClient,
  around: <T>(operation: 'create' | 'update' | 'delete', call: () => Promise<T>) => Promise<T>,
): OpscomClient {
  return {
    createPermit: (r, o) => around('create', () => client.createPermit(r, o)),
    updatePermit: (r, o) => around('update', () => client.updatePermit(r, o)),
    deletePermit: (r, o) => around('delete', () => client.deletePermit(r, o)),
  };
}
