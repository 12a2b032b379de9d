import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import type { StoreConfig } from '../../src/config';
import { startOpscomSimulator, type SimPermit } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { startBenchServer } from './benchServer';
import { fillDoneJobs } from './fillLedger';
import { cpuMs, peakRssMb, rssMb } from './processStats';
import { percentile } from './stats';
import { BENCH_OPSCOM_TOKEN, benchAdapterEnv } from './timeToPermit';
import { paidWebhooks, receiptToOpscom } from './paidWebhooks';

export interface VerifyRun {
  verify: boolean;
  fillMs: number;
  /** Plate Validation calls the simulator received in the window, a second. */
  callsPerSecond: number;
  /** Of those, the share about the standing permits (the rest: the window's new payments). */
  standingShare: number;
  /** Checks the server counted by result (its /metrics at the window's end). */
  checks: Record<string, number>;
  permitP50: number;
  permitP99: number;
  /** Payments offered in the window, and how many reached OPSCOM. */
  offered: number;
  permits: number;
  peakRssMb: number;
  endRssMb: number;
  /** Server CPU in the window, ms a second. */
  cpuMsPerSecond: number;
}

const VALIDATE_PATH = '/api/v1/validate/plate';
/** Before the window: verification's first rounds running, the server's code warm. */
const WARMUP_MS = 3000;

/** The standing permits the ledger fill made (plates B0…), as OPSCOM holds them. */
export function standingPermits(count: number, end: DateTime): SimPermit[] {
  const endTime = end.toFormat("yyyy-MM-dd'T'HH:mm:ss");
  return Array.from({ length: count }, (_, i) => ({
    referenceId: `OC-B${i}`,
    internalReferenceId: String(i + 1),
    plate: `B${i}`,
    zone: 'Z1',
    startTime: undefined,
    endTime,
    amount: '14.50',
    currency: 'CAD',
    updates: 0,
    deleted: false,
  }));
}

/**
 * One run on a fresh `store`: `permits` standing permits filled in (ledger and simulator), the
 * built server in its own process with OPSCOM_VERIFY on or off (DELAY 1 s, so every permit is
 * due throughout), and paid webhooks at `rate`/s for `seconds` after a warm-up. Calls a second
 * are counted at the OPSCOM simulator; receipt → OPSCOM is the ledger's receipt time to the
 * simulator's receipt of the create, as in timeToPermit.ts.
 */
export async function runVerifyOnce(o: {
  store: StoreConfig;
  permits: number;
  seconds: number;
  rate: number;
  verify: boolean;
}): Promise<VerifyRun> {
  const end = DateTime.now().setZone('America/Toronto').plus({ days: 1 }).startOf('minute');
  const filled = performance.now();
  await fillDoneJobs(o.store, o.permits, { pending: 0, failed: 0 }, end);
  const fillMs = performance.now() - filled;
  const opscom = await startOpscomSimulator({ apiToken: BENCH_OPSCOM_TOKEN });
  opscom.enforcement.hold(standingPermits(o.permits, end));
  const stripeSim = await startStripeSimulator();
  const server = await startBenchServer({
    ...benchAdapterEnv(o.store, { opscomUrl: opscom.url, stripeUrl: stripeSim.url }),
    OPSCOM_VALIDATE_URL: `${opscom.url}${VALIDATE_PATH}`,
    OPSCOM_VERIFY: o.verify ? 'on' : 'off',
    OPSCOM_VERIFY_DELAY_SECONDS: '1',
  });
  try {
    const hooks = paidWebhooks(stripeSim, `http://127.0.0.1:${server.port}/webhooks/stripe`);
    for (const w of hooks.make(50)) await hooks.send(w.body);
    await sleep(WARMUP_MS);
    const measured = hooks.make(Math.round(o.rate * o.seconds));
    const t0 = Date.now();
    const cpu0 = cpuMs(server.child.pid);
    await Promise.all(
      measured.map(async ({ body }, i) => {
        const wait = t0 + (i * 1000) / o.rate - Date.now();
        if (wait > 0) await sleep(wait);
        await hooks.send(body);
      }),
    );
    const left = t0 + o.seconds * 1000 - Date.now();
    if (left > 0) await sleep(left);
    const windowMs = Date.now() - t0;
    const cpuMsPerSecond = ((cpuMs(server.child.pid) - cpu0) / windowMs) * 1000;
    const checks = await checksByResult(server.port);
    const calls = opscom.received.filter(
      (r) => r.path === VALIDATE_PATH && r.at >= t0 && r.at < t0 + windowMs,
    );
    const standing = calls.filter((r) => /^B\d+$/.test(String(r.body['plate']))).length;
    const deadline = Date.now() + 60_000;
    const creates = () => opscom.received.filter((r) => r.path.endsWith('/push')).length;
    while (creates() < 50 + measured.length && Date.now() < deadline) await sleep(50);
    const peak = peakRssMb(server.child.pid);
    const endRss = rssMb(server.child.pid);
    await server.stop();
    const toOpscom = await receiptToOpscom(
      o.store,
      measured,
      new Map(opscom.received.map((r) => [r.body['LicencePlate'], r.at])),
    );
    return {
      verify: o.verify,
      fillMs,
      callsPerSecond: (calls.length / windowMs) * 1000,
      standingShare: calls.length === 0 ? 0 : standing / calls.length,
      checks,
      permitP50: percentile(toOpscom, 50),
      permitP99: percentile(toOpscom, 99),
      offered: measured.length,
      permits: toOpscom.length,
      peakRssMb: peak,
      endRssMb: endRss,
      cpuMsPerSecond,
    };
  } finally {
    await server.stop();
    await opscom.close();
    await stripeSim.close();
  }
}

/** opscom_adapter_verification_checks_total by result, from the server's /metrics. */
async function checksByResult(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^\w*verification_checks_total\{result="(\w+)"\} (\d+)/gm)) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
