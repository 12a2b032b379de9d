import { startOpscomSimulator } from './opscomSimulator';
import { startStripeSimulator } from './stripeSimulator';

/**
 * `npm run sim:opscom` / `npm run sim:stripe`: one simulator on a fixed port, for pointing a
 * locally running adapter at (OPSCOM_BASE_URL / STRIPE_API_URL). Control endpoints:
 * GET /_sim/requests, GET /_sim/permits (OPSCOM), POST /_sim/sessions (Stripe),
 * POST /_sim/faults {"fault":"500"|"hang"|"reset"|"error200"|"429","count":1}; OPSCOM's
 * enforcement side: POST /_sim/enforcement {"unusedZone":"Z9"} (a zone no lot uses),
 * {"removeReference":"OC-000001"} (staff removed it), {"failNext":{"error":9002,"count":1}}.
 */
export async function runSimulator(kind: 'opscom' | 'stripe'): Promise<void> {
  const env = process.env;
  if (kind === 'opscom') {
    const token = env['OPSCOM_API_TOKEN'] ?? 'demo-opscom-token';
    const sim = await startOpscomSimulator(
      {
        apiToken: token,
        latencyMs: Number(env['SIM_LATENCY_MS'] ?? 0),
        client: env['OPSCOM_CLIENT'] ?? 'OC-TOMA',
        timezone: env['OPSCOM_TIMEZONE'] ?? 'America/Toronto',
      },
      Number(env['SIM_PORT'] ?? 4010),
    );
    process.stdout.write(
      `OPSCOM simulator on ${sim.url} (token from OPSCOM_API_TOKEN or "demo-opscom-token")\n`,
    );
  } else {
    const sim = await startStripeSimulator({}, Number(env['SIM_PORT'] ?? 4020));
    process.stdout.write(
      `Stripe API simulator on ${sim.url} (seed sessions with POST /_sim/sessions)\n`,
    );
  }
}
