import type { BodyBudget } from '../http/bodyBudget';
import type { LoginThrottle } from '../http/loginThrottle';
import type { Refusals } from '../http/refusals';
import type { Logger } from '../logger';
import type { ReplayService } from '../replay/replayService';
import type { ConsoleLedger } from '../store/callerLedgers';
import type { ConsoleCredentials } from './auth';
import type { ConsoleSites } from './sites';
import type { Reachability } from './views/overview';

export interface ConsoleDeps {
  ledger: ConsoleLedger;
  credentials: ConsoleCredentials;
  /** Replay's own path: every action goes through it (retry, correct, revoke, look up). */
  replay: ReplayService;
  reachability: () => Promise<Reachability[]>;
  /** ALERT_PENDING_MINUTES: the overview marks a wait longer than this. */
  pendingAlertMinutes: number;
  now: () => number;
  logger: Logger;
  /** Failed logins per client (kept by the adapter: the alerts read it too). */
  throttle: LoginThrottle;
  refusals: Refusals;
  bodyBudget: BodyBudget;
  /** Several sites: the jobs' site filter and column, each site's health. Undefined: one site. */
  sites?: ConsoleSites | undefined;
  /** Served over HTTPS (PUBLIC_URL): the console's cookie is marked Secure. */
  secure: boolean;
}
