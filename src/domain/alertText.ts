/** What an unseen permit's alert names (verify/unseenAlert.ts). */
export interface UnseenAlertFacts {
  sessionId: string;
  plate: string;
  zone: string;
  endsAt: string;
  /** The permit's status in the ledger (active, deleted, ended…). */
  status: string;
  state: 'not_visible' | 'still_visible';
  cause: string;
}

/**
 * Pure: the words of each alert. They name the session and say what to do, and carry what the
 * ledger recorded as the reason; never a secret (no token, key, or the webhook URL itself).
 */
export const alertText = {
  jobFailed: (job: { sessionId: string; state: string; lastError: string | null }) =>
    `Permit not made: job ${job.sessionId} is ${job.state}. Reason: ${job.lastError ?? 'not recorded'}. Fix it from the console (correct, retry) or with npm run replay -- --session ${job.sessionId}.`,
  jobResolved: (sessionId: string, state: string) => `Resolved: job ${sessionId} is now ${state}.`,
  pending: (waitedMs: number, thresholdMinutes: number) =>
    `Permits are late: the oldest job waiting to be worked has waited ${Math.round(waitedMs / 60_000)} min (alert after ${thresholdMinutes} min). Check that a worker is running and that OPSCOM and Stripe answer.`,
  pendingCleared: () => 'Caught up: no job has been waiting longer than the alert threshold.',
  /** `tokenEnv`: the variable the refused token came from (a site's own, with several). */
  tokenRefused: (message: string, tokenEnv = 'OPSCOM_API_TOKEN') =>
    `OPSCOM refuses the API token: no permit can be made until ${tokenEnv} is fixed (jobs wait and retry about once a minute). OPSCOM said: ${message}`,
  tokenAccepted: () => 'OPSCOM accepts the API token again: permits are being made.',
  /** `refusal`: the write-back's error as the adapter describes it (a key in it masked). */
  stripeKeyRefused: (refusal: string) =>
    `Stripe refuses STRIPE_SECRET_KEY: permits are made, but no OPSCOM reference can be written back to Stripe until the key is fixed (jobs wait and retry about once a minute). Check that STRIPE_SECRET_KEY is the platform's current secret key, of the mode wanted (live or test), with write access to Checkout Sessions and PaymentIntents. Stripe said: ${refusal}`,
  stripeKeyAccepted: () =>
    'Stripe accepts STRIPE_SECRET_KEY again: OPSCOM references are being written back.',
  /** `accounts`: the connected accounts Stripe refuses the platform (one, usually). */
  stripeAccountRefused: (accounts: readonly string[], refusal: string) =>
    `Stripe refuses the platform access to connected account ${accounts.join(', ')}: its payments' permits are made, but their OPSCOM references are not written back to Stripe (those jobs wait and retry about once a minute; other accounts go on). Check that the account is still connected to the platform (Dashboard → Connect) and that its site's stripeAccount in SITES_FILE is right. Stripe said: ${refusal}`,
  /** `accounts`: those this process saw refused, now accepted (none: after a restart). */
  stripeAccountAccepted: (accounts: readonly string[]) =>
    `Stripe accepts the platform's calls as ${accounts.length > 0 ? `connected account ${accounts.join(', ')}` : "this site's connected account"} again: its permits' OPSCOM references are being written back.`,
  loginFailures: (refused: number) =>
    `${refused} console logins refused in the last 15 minutes (wrong password, or too many tries): someone may be guessing CONSOLE_PASSWORD. Browsers that have signed in before are not held up; the logs (console login refused) give the addresses. If it goes on, keep /console off the public internet or choose a longer password.`,
  loginFailuresCleared: () => 'No console login refused for 15 minutes.',
  notVisible: (d: UnseenAlertFacts) =>
    d.state === 'still_visible'
      ? `Enforcement still shows a permit the ledger says is ${d.status}: plate ${d.plate}, zone ${d.zone}, session ${d.sessionId} (twice in a row). Likely cause: ${d.cause}. Review it in OPSCOM; nothing is changed by itself.`
      : `Enforcement cannot see a paid permit: plate ${d.plate}, zone ${d.zone}, session ${d.sessionId}, ends ${d.endsAt} (twice in a row; the driver may be ticketed). Likely cause: ${d.cause}. In the console: push it again, or accept it if staff removed it on purpose (a zone no lot uses: correct the zone).`,
  notVisibleCleared: (sessionId: string, plate: string, why: string) =>
    `Resolved: the permit of session ${sessionId} (plate ${plate}): ${why}.`,
  /**
   * `access`: with several sites, the refused site's token variable and client code (the
   * alert names the site itself; the other sites' permits are still checked).
   */
  validationRefused: (message: string, access?: { tokenEnv: string; client: string }) =>
    access
      ? `OPSCOM Plate Validation refuses this site's token or client code: its permits are not being checked against enforcement (they are still being made; other sites' are checked). Check that the Pull API is granted to the token in ${access.tokenEnv} for client ${access.client}. OPSCOM said: ${message}`
      : `OPSCOM Plate Validation refuses the adapter: permits are not being checked against enforcement (they are still being made). OPSCOM said: ${message}`,
  validationAccepted: () => 'OPSCOM Plate Validation answers again: permits are being checked.',
  configurationChanged: () =>
    'Cleared: the configuration changed (SITES_FILE: sites added or taken out), so this alert no longer fits it; raised again, under its site of now, if still true.',
  refundFailed: (refundId: string, paymentIntentId: string) =>
    `A refund failed (${refundId}, ${paymentIntentId}): the payment stands. If its permit was revoked for the refund, review it in OPSCOM; nothing is re-created by itself.`,
};

/**
 * With several sites, what starts each alert about one of them ("[east] "), so that whoever
 * reads the channel knows whose it is; a job no site matched says so.
 */
export function siteTag(site: string | null): string {
  return `[${site ?? 'no site'}] `;
}

/**
 * Slack reads `<`, `>` and `&` as markup (links, mentions such as <!channel>): text from
 * outside (a reason that quotes a driver's plate) is escaped so that it shows as typed.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
