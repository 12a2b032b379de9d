import { OpscomUnavailableError } from '../errors';
import { httpPoster, PostFailure, type PostAnswer, type Poster } from '../net/httpPost';
import { classifyValidationAnswer, type PlateSeen } from './plateValidationAnswer';

export interface PlateValidationOptions {
  /** OPSCOM_VALIDATE_URL. */
  url: URL;
  apiToken: string;
  /** OPSCOM_CLIENT, sent as `client`. */
  client: string;
  /** OPSCOM_TIMEOUT_MS: a read, so a slow answer is simply an outage. */
  timeoutMs: number;
  /** Connections to `url` shared by several sites' clients (one pool, whatever their number). */
  poster?: Poster | undefined;
}

export interface PlateValidationClient {
  /** What an officer's handheld shows for `plate`; throws an AdapterError that says its kind. */
  validatePlate(plate: string): Promise<PlateSeen>;
}

/**
 * OPSCOM's Plate Validation (its Pull API): one POST per plate, no retries (the verification
 * loop decides when to ask again). It only reads, so every network failure is transient. The
 * token travels in the body only, as `api_token`; no message built here contains it. Its own
 * connections: a slow validation never holds a socket a permit needs.
 */
export function createPlateValidationClient(
  options: PlateValidationOptions,
): PlateValidationClient {
  const post = options.poster ?? httpPoster(new URL(options.url.origin), 'application/json');
  const path = `${options.url.pathname}${options.url.search}`;
  return {
    async validatePlate(plate) {
      let answer: PostAnswer;
      try {
        answer = await post(
          path,
          JSON.stringify({ api_token: options.apiToken, client: options.client, plate }),
          options.timeoutMs,
        );
      } catch (err) {
        const code = err instanceof PostFailure ? err.code : undefined;
        const detail =
          code === 'TIMEOUT'
            ? `no answer within ${options.timeoutMs} ms (OPSCOM_TIMEOUT_MS)`
            : (code ?? (err instanceof Error ? err.message : String(err)));
        throw new OpscomUnavailableError(`OPSCOM Plate Validation: ${detail}`, { cause: err });
      }
      const classified = classifyValidationAnswer(answer.status, answer.text, plate);
      if (!classified.ok) throw classified.error;
      return classified.seen;
    },
  };
}
