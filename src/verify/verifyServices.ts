import type { Config } from '../config';
import { createPlateValidationClient } from '../opscom/plateValidation';
import type { VerifyDeps } from './verifyRound';

/**
 * What checking a permit needs from the configuration, built once for the verification loop
 * (adapter.ts) and for `replay --check-now` alike, so both ask OPSCOM and judge the same way.
 */
export function verifyServices(
  config: Config,
  verify: NonNullable<Config['verify']>,
): Pick<VerifyDeps, 'validation' | 'timezone' | 'delayMs' | 'everyMs'> {
  return {
    validation: createPlateValidationClient({
      url: config.opscom.validateUrl,
      apiToken: config.opscom.apiToken,
      client: config.opscom.client,
      timeoutMs: config.opscom.timeoutMs,
    }),
    timezone: config.opscom.timezone,
    delayMs: verify.delayMs,
    everyMs: verify.everyMs,
  };
}
