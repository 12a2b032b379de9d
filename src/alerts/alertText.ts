import type { Job } from '../store/ledger';

/**
 * Pure: the words of each alert. They name the session and say what to do, and carry what the
 * ledger recorded as the reason; never a secret (no token, key, or the webhook URL itself).
 */
export const alertText = {
  jobFailed: (job: Job) =>
    `Permit not made: job ${job.sessionId} is ${job.state}. Reason: ${job.lastError ?? 'not recorded'}. Fix it from the console (correct, retry) or with npm run replay -- --session ${job.sessionId}.`,
  jobResolved: (sessionId: string, state: string) => `Resolved: job ${sessionId} is now ${state}.`,
  pending: (waitedMs: number, thresholdMinutes: number) =>
    `Permits are late: the oldest job waiting to be worked has waited ${Math.round(waitedMs / 60_000)} min (alert after ${thresholdMinutes} min). Check that a worker is running and that OPSCOM and Stripe answer.`,
  pendingCleared: () => 'Caught up: no job has been waiting longer than the alert threshold.',
  tokenRefused: (message: string) =>
    `OPSCOM refuses the API token: no permit can be made until OPSCOM_API_TOKEN is fixed (jobs wait and retry about once a minute). OPSCOM said: ${message}`,
  tokenAccepted: () => 'OPSCOM accepts the API token again: permits are being made.',
  loginFailures: (refused: number) =>
    `${refused} console logins refused in the last 15 minutes (wrong password, or too many tries): someone may be guessing CONSOLE_PASSWORD. Browsers that have signed in before are not held up; the logs (console login refused) give the addresses. If it goes on, keep /console off the public internet or choose a longer password.`,
  loginFailuresCleared: () => 'No console login refused for 15 minutes.',
  refundFailed: (refundId: string, paymentIntentId: string) =>
    `A refund failed (${refundId}, ${paymentIntentId}): the payment stands. If its permit was revoked for the refund, review it in OPSCOM; nothing is re-created by itself.`,
};

/**
 * Slack reads `<`, `>` and `&` as markup (links, mentions such as <!channel>): text from
 * outside (a reason that quotes a driver's plate) is escaped so that it shows as typed.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
