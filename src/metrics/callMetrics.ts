import { Counter, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, PREFIX, type Registers } from './metricNames';
import type { Metrics } from './metrics';

/** Calls to OPSCOM and Stripe, and what became of the jobs that made them. */
export function callMetrics(
  registers: Registers,
): Pick<Metrics, 'opscomCall' | 'stripeCall' | 'jobOutcome' | 'opscomInDoubt'> {
  const calls = (peer: string) => ({
    count: new Counter({
      name: `${PREFIX}${peer}_calls_total`,
      help: `Calls to ${peer === 'opscom' ? 'OPSCOM' : 'Stripe'}, by operation and outcome.`,
      labelNames: ['operation', 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: `${PREFIX}${peer}_call_duration_seconds`,
      help: `How long calls to ${peer === 'opscom' ? 'OPSCOM' : 'Stripe'} took.`,
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  });
  const opscom = calls('opscom');
  const stripe = calls('stripe');
  const outcomes = new Counter({
    name: `${PREFIX}job_outcomes_total`,
    help: 'What became of job runs: done, retried, failed, dead, cancelled.',
    labelNames: ['outcome'],
    registers,
  });
  const inDoubt = new Counter({
    name: `${PREFIX}opscom_in_doubt_total`,
    help: 'OPSCOM calls past their timeout, by how they ended: a late answer recorded, or lost.',
    labelNames: ['resolution'],
    registers,
  });
  return {
    opscomCall: (operation, outcome, seconds) => {
      opscom.count.inc({ operation, outcome });
      opscom.duration.observe({ operation }, seconds);
    },
    stripeCall: (operation, outcome, seconds) => {
      stripe.count.inc({ operation, outcome });
      stripe.duration.observe({ operation }, seconds);
    },
    jobOutcome: (outcome) => outcomes.inc({ outcome }),
    opscomInDoubt: (resolution) => inDoubt.inc({ resolution }),
  };
}
