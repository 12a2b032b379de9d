import { Counter, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, PREFIX, type Registers } from './metricNames';
import type { Metrics } from './metrics';
import type { SiteLabel } from './siteLabel';

/**
 * Permits made (by site when several are configured), shown to their driver and seen by
 * enforcement.
 */
export function permitMetrics(
  registers: Registers,
  sites: SiteLabel,
): Pick<Metrics, 'permitMade' | 'verificationResult' | 'driverPage' | 'permitShownOnPage'> {
  const latency = (name: string, help: string) =>
    new Histogram({ name: `${PREFIX}${name}`, help, buckets: LATENCY_BUCKETS, registers });
  const paymentToPermit = latency(
    'payment_to_permit_seconds',
    'From the paying event (its created) to OPSCOM answering the create.',
  );
  const receiptToPermit = latency(
    'receipt_to_permit_seconds',
    'From the adapter receiving the payment to OPSCOM answering the create.',
  );
  const paymentToShown = latency(
    'payment_to_page_shown_seconds',
    "From the payment to the driver's page first showing its permit active (per process).",
  );
  const permitsMade = new Counter({
    name: `${PREFIX}permits_made_total`,
    help: 'Permits created in OPSCOM, by what recorded their payment: webhook, page (the driver landed before the webhook), replay.',
    labelNames: ['trigger', 'site'],
    registers,
  });
  const pageAnswers = new Counter({
    name: `${PREFIX}driver_page_requests_total`,
    help: "The driver's page: shown from the ledger, fulfilled from Stripe, not found, rate limited, Stripe unavailable.",
    labelNames: ['outcome'],
    registers,
  });
  const checks = new Counter({
    name: `${PREFIX}verification_checks_total`,
    help: 'Permits checked against OPSCOM Plate Validation, by what enforcement showed: visible, not_visible, gone, still_visible.',
    labelNames: ['result'],
    registers,
  });
  return {
    permitMade: (trigger, fromPayment, fromReceipt, site) => {
      permitsMade.inc({ trigger, ...sites.of(site) });
      if (fromPayment >= 0) paymentToPermit.observe(fromPayment);
      if (fromReceipt >= 0) receiptToPermit.observe(fromReceipt);
    },
    verificationResult: (result) => checks.inc({ result }),
    driverPage: (outcome) => pageAnswers.inc({ outcome }),
    permitShownOnPage: (seconds) => {
      if (seconds >= 0) paymentToShown.observe(seconds);
    },
  };
}
