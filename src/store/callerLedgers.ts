import type {
  ClaimLedger,
  IntakeLedger,
  JobReadLedger,
  JobStepLedger,
  MaintenanceLedger,
  OperatorLedger,
  PermitLifeLedger,
} from './ledger';
import type { VerificationLedger } from './verificationLedger';

// The part of the ledger each caller uses, read from its calls: a caller's type says what it
// may touch, and a test or tool can hand it a ledger without the rest.

/** http/webhookRoute and intake/recordStripeEvent: an event recorded, a refund's alert raised. */
export interface WebhookLedger
  extends
    IntakeLedger,
    Pick<PermitLifeLedger, 'recordPaymentEvent'>,
    Pick<OperatorLedger, 'raiseAlert'> {}

/** app.ts: the webhook route's part, and /readyz's ping. */
export interface AppLedger extends WebhookLedger, Pick<MaintenanceLedger, 'ping'> {}

/** driver/: the page reads a job, and records a session Stripe says is paid (fulfilFromPage). */
export interface DriverLedger
  extends Pick<IntakeLedger, 'recordSessionEvent'>, Pick<JobReadLedger, 'getJob'> {}

/** metrics/: the gauges read at each scrape. */
export interface MetricsLedger
  extends
    Pick<JobReadLedger, 'countJobs' | 'oldestDuePending'>,
    Pick<VerificationLedger, 'countUnseen'> {}

/** alerts/alertMonitor: what is wrong now, and the outbox of messages. */
export interface AlertLedger
  extends
    Pick<
      OperatorLedger,
      | 'raiseAlert'
      | 'clearAlert'
      | 'jobsNeedingAlert'
      | 'resolvedJobAlerts'
      | 'claimAlertDeliveries'
      | 'alertDelivered'
      | 'alertDeliveryFailed'
    >,
    Pick<JobReadLedger, 'oldestDuePending'> {}

/** verify/: claims and records checks, reads their jobs, raises, clears and notes alerts. */
export interface VerifierLedger
  extends
    Pick<
      VerificationLedger,
      | 'claimVerifications'
      | 'claimVerificationsOf'
      | 'finishVerification'
      | 'unseenNeedingAlert'
      | 'resolvedUnseenAlerts'
    >,
    Pick<OperatorLedger, 'raiseAlert' | 'clearAlert'>,
    Pick<JobStepLedger, 'recordNote'>,
    Pick<JobReadLedger, 'getJob'> {}

/** worker/processJob (JobDeps): one claimed job's run, from its facts to its end. */
export interface JobRunLedger
  extends
    JobStepLedger,
    Pick<PermitLifeLedger, 'getPaymentFacts' | 'startPermitChange' | 'recordPermitChange'>,
    Pick<JobReadLedger, 'getJob'> {}

/** worker/worker: claims jobs and runs them. */
export interface WorkerLedger extends JobRunLedger, Pick<ClaimLedger, 'claimNextJob'> {}

/** worker/retention: old events and alerts deleted. */
export type RetentionLedger = Pick<MaintenanceLedger, 'pruneBefore'>;

/**
 * replay/: resolves sessions from the ledger, takes each job (changeJob) and runs it with the
 * worker's processJob; a --since window records refunds and disputes through the intake; a
 * dry run reads the last check of each permit.
 */
export interface ReplayLedger
  extends
    JobRunLedger,
    WebhookLedger,
    Pick<ClaimLedger, 'changeJob'>,
    Pick<JobReadLedger, 'listJobs'>,
    Pick<PermitLifeLedger, 'jobsOfPaymentIntent'>,
    Pick<VerificationLedger, 'getVerification'> {}

/** console/: its pages' reads, and an operator's decisions about unseen permits. */
export interface ConsoleLedger
  extends
    Pick<JobReadLedger, 'getJob' | 'listEvents' | 'countJobs' | 'oldestDuePending'>,
    Pick<OperatorLedger, 'findJobs' | 'countJobsMatching' | 'openAlerts' | 'clearAlert'>,
    Pick<PermitLifeLedger, 'getPaymentFacts'>,
    Pick<VerificationLedger, 'getVerification' | 'verificationsOf' | 'decideVerification'>,
    Pick<ClaimLedger, 'changeJob'>,
    Pick<JobStepLedger, 'recordNote'> {}
