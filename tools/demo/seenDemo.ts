import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger } from '../../src/store/ledger';
import type { OpscomSimulator } from '../simulators/opscomSimulator';

/**
 * The demo's "seen by enforcement": waits for the first Plate Validation check of the permit
 * (OPSCOM_VERIFY_DELAY_SECONDS=1 in the demo) and shows what was asked and what OPSCOM showed.
 * Resolves whether enforcement sees the permit.
 */
export async function showSeenByEnforcement(
  ledger: Ledger,
  opscom: OpscomSimulator,
  sessionId: string,
  say: (line?: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  let v = await ledger.getVerification(sessionId);
  while (!v?.lastResult && Date.now() < deadline) {
    await sleep(50);
    v = await ledger.getVerification(sessionId);
  }
  const asked = opscom.received.find((r) => r.path.endsWith('/validate/plate'));
  say();
  say('Seen by enforcement (OPSCOM Plate Validation, 1 s after the permit was made):');
  say(`  POST ${asked?.path ?? '(nothing)'}`);
  say(
    `  ${JSON.stringify({ api_token: asked?.tokenValid ? '[valid token, not shown]' : '[WRONG]', ...asked?.body })}`,
  );
  say(`  OPSCOM showed: ${v?.lastSeen ?? '(no answer)'}`);
  const seen = v?.lastResult === 'visible';
  say(
    seen
      ? '✔ seen by enforcement: an officer checking the plate sees the permit'
      : `✘ not seen by enforcement: ${JSON.stringify(v)}`,
  );
  return seen;
}
