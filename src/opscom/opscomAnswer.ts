import { z } from 'zod';
import {
  OpscomAuthError,
  OpscomRejectedError,
  OpscomUnavailableError,
  type AdapterError,
} from '../errors';
import type { PermitResult } from '../domain/permit';

const idText = z.union([z.string(), z.number()]).transform(String);

const SuccessBody = z.object({
  status: z.literal('success'),
  reference_id: idText.pipe(z.string().min(1)),
  InternalReferenceID: idText.nullish(),
});

const ErrorBody = z.object({
  ErrorCode: z.coerce.number().int(),
  ErrorMessage: z.string().nullish(),
});

export type OpscomAnswer = { ok: true; result: PermitResult } | { ok: false; error: AdapterError };

/**
 * Decides what an OPSCOM answer means. OPSCOM may answer an error with HTTP 200, so success is
 * only a body whose `status` is `success` with a `reference_id` (OPSCOM's Push API pages):
 * - 9001/9002: the token is wrong; no permit can succeed until it is fixed (`tokenEnv`: the
 *   variable it comes from, named in the error).
 * - 9003–9033: this request is wrong; retrying cannot help.
 * - 5xx, an unreadable body, anything else: transient.
 */
export function classifyOpscomAnswer(
  httpStatus: number,
  bodyText: string,
  tokenEnv = 'OPSCOM_API_TOKEN',
): OpscomAnswer {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return {
      ok: false,
      error: new OpscomUnavailableError(
        `OPSCOM answered HTTP ${httpStatus} with a body that is not JSON`,
      ),
    };
  }
  if (httpStatus >= 500) {
    return { ok: false, error: new OpscomUnavailableError(`OPSCOM answered HTTP ${httpStatus}`) };
  }
  const success = SuccessBody.safeParse(body);
  if (success.success) {
    return {
      ok: true,
      result: {
        referenceId: success.data.reference_id,
        internalReferenceId: success.data.InternalReferenceID ?? undefined,
      },
    };
  }
  const failure = ErrorBody.safeParse(body);
  if (failure.success) {
    const { ErrorCode: code } = failure.data;
    const text = `OPSCOM error ${code}: ${failure.data.ErrorMessage ?? 'no message'} (HTTP ${httpStatus})`;
    if (code === 9001 || code === 9002) {
      return {
        ok: false,
        error: new OpscomAuthError(
          code,
          `${text}. OPSCOM refuses the API token: no permit can be created until ${tokenEnv} is fixed`,
        ),
      };
    }
    if (code >= 9003 && code <= 9033) {
      return { ok: false, error: new OpscomRejectedError(code, text) };
    }
    return { ok: false, error: new OpscomUnavailableError(`${text}: unknown code, retrying`) };
  }
  return {
    ok: false,
    error: new OpscomUnavailableError(
      `OPSCOM answered HTTP ${httpStatus} without "status":"success" and a reference_id, nor an ErrorCode`,
    ),
  };
}
