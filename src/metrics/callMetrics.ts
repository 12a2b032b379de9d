import { Counter, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, PREFIX, type Registers } from './metricNames';
import type { Metrics } from './metrics';
import type { SiteLabel } from './siteLabel';

/**
 * Calls to OPSCOM and Stripe, and what became of the jobs that made them. OPSCOM's calls, the
 * job outcomes and the calls in doubt name their site when several are configured (siteLabel).
 */
export function callMetrics(
  registers: Registers,
  sites: SiteLabel,
): Pick<Metrics, 'opscomCall' | 'stripeCall' | 'jobOutcome' | 'opscomInDoubt'> {
  // Only OPSCOM's calls are a site's: Stripe is one account for all (its labels unchanged).
  const calls = (peer: string, labelNames: string[]) => ({
    count: new Counter({
      name: `${PREFIX}${peer}_calls_total`,
      help: `Calls to ${peer === 'opscom' ? 'OPSCOM' : 'Stripe'}, by operation and outcome.`,
      labelNames: ['operation', 'outcome', ...labelNames],
      registers,
    }),
    duration: new Histogram({
      name: `${PREFIX}${peer}_call_duration_seconds`,
      help: `How long calls to ${peer === 'opscom' ? 'OPSCOM' : 'Stripe'} took.`,
      labelNames: ['operation', ...labelNames],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  });
  const opscom = calls('opscom', ['site']);
  const stripe = calls('stripe', []);
  const outcomes = new Counter({
    name: `${PREFIX}job_outcomes_total`,
    help: 'What became of job runs: done, retried, failed, dead, cancelled.',
    labelNames: ['outcome', 'site'],
    registers,
  });
  const inDoubt = new Counter({
    name: `${PREFIX}opscom_in_doubt_total`,
    help: 'OPSCOM calls past their timeout, by how they ended: a late answer recorded, or lost.',
    labelNames: ['resolution', 'site'],
    registers,
  });
  return {
    opscomCall: (operation, outcome, seconds, site) => {
      const labels = sites.of(site);
      opscom.count.inc({ operation, outcome, ...labels });
      opscom.duration.observe({ operation, ...labels }, seconds);
    },
    stripeCall: (operation, outcome, seconds) => {
      stripe.count.inc({ operation, outcome });
      stripe.duration.observe({ operation }, seconds);
    },
    jobOutcome: (outcome, site) => outcomes.inc({ outcome, ...sites.of(site) }),
    opscomInDoubt: (resolution, site) => inDoubt.inc({ resolution, ...sites.of(site) }),
  };
}
