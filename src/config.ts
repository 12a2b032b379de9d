import { isIP } from 'node:net';
import { type Duration, IANAZone } from 'luxon';
import { z } from 'zod';
import { parseDuration } from './domain/duration';
import { checkZone, parseZoneList } from './domain/zone';
import type { PermitPolicy } from './domain/permitLife';
import { ConfigError } from './errors';
import type { LogLevel } from './logger';
import { loadSites } from './sites/loadSites';
import { DEFAULT_SITE_ID, indexSites, type Sites } from './sites/site';
import { TRACING_VARIABLES } from './tracing/tracingConfig';

export type StoreConfig =
  | { kind: 'sqlite'; sqlitePath: string }
  | {
      kind: 'postgres';
      url: string;
      ssl: false | { rejectUnauthorized: boolean };
      poolSize: number;
    };

/** Express's `trust proxy`: hops to trust, or the addresses and ranges of the proxies. */
export type TrustProxy = number | string[];

/** The limits the HTTP server keeps (HTTP_* in .env.example, with why each is what it is). */
export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export interface Config {
  port: number;
  /** The public edge's limits (http/httpServer.ts, http/bodyBudget.ts). */
  http: HttpLimits & {
    maxBufferedBodyBytes: number;
    /** Whose X-Forwarded-For to believe for the client's address; undefined: nobody's. */
    trustProxy: TrustProxy | undefined;
  };
  logLevel: LogLevel;
  stripe: {
    secretKey: string;
    webhookSecrets: string[];
    /** Mode of the secret key: events of the other mode are never acted on. */
    livemode: boolean;
    apiUrl: URL | undefined;
    timeoutMs: number;
  };
  /**
   * The parking operations served (SITES_FILE), or the one site `default` the OPSCOM_*
   * variables describe. Each payment's site decides its OPSCOM client, clock, zones, policy.
   */
  sites: Sites;
  /**
   * OPSCOM settings shared by every site (timeouts, Plate Validation's URL), and the default
   * site's (the first site's without one) client, token, zone and clock for what is not per
   * site yet.
   */
  opscom: {
    apiToken: string;
    baseUrl: URL;
    timezone: string;
    defaultZone: string | undefined;
    /** OPSCOM_ZONES: the zones the operator's lots use; undefined accepts any well-formed zone. */
    zones: string[] | undefined;
    timeoutMs: number;
    graceMs: number;
    /** OPSCOM_CLIENT: the client code, sent to Plate Validation and in the Push API's paths. */
    client: string;
    /** Plate Validation (OPSCOM's Pull API): what enforcement sees for a plate. */
    validateUrl: URL;
  };
  /** OPSCOM_VERIFY=on: each permit checked against Plate Validation (verify/); else undefined. */
  verify:
    | {
        delayMs: number;
        everyMs: number;
        /** Plate Validation calls a second at most, across this process's verification loop. */
        perSecond: number;
      }
    | undefined;
  maxPermitDuration: Duration;
  /** What a refund or dispute does to a permit (domain/permitLife.ts). */
  policy: PermitPolicy;
  store: StoreConfig;
  /** web: intake and worker; intake: HTTP only; worker: jobs only, no HTTP. */
  processType: 'web' | 'intake' | 'worker';
  worker: {
    concurrency: number;
    leaseMs: number;
    maxAgeMs: number;
    pollMs: number;
  };
  /**
   * With several sites, when a site whose OPSCOM fails every call is paused as a whole
   * (worker/siteGate.ts): after `failuresToPause` failures in a row, for `firstPauseMs`,
   * doubling at each failed probe up to `maxPauseMs` (SITE_PAUSE_*).
   */
  sitePauses: { failuresToPause: number; firstPauseMs: number; maxPauseMs: number };
  shutdownGraceMs: number;
  /** GET /metrics needs this bearer token when set. */
  metricsToken: string | undefined;
  /** The console at /console, when CONSOLE_PASSWORD is set. */
  console: { user: string; password: string } | undefined;
  alerts: {
    /** Slack-compatible incoming webhook; no alerts are sent without it. */
    webhookUrl: URL | undefined;
    pendingMinutes: number;
  };
  /** The service's public base URL, for links in alerts. */
  publicUrl: URL | undefined;
  /** RETENTION_DAYS: events of finished jobs older than this are deleted; undefined keeps all. */
  retentionDays: number | undefined;
  /** The driver's page at /permit/{CHECKOUT_SESSION_ID}; undefined when DRIVER_PAGE=off. */
  driverPage:
    | {
        /** Shown on the page: OPERATOR_NAME and SUPPORT_CONTACT. */
        operator: { name: string; support: string | undefined };
        /** DRIVER_PAGE_WAIT_SECONDS: a first answer waits this long for a permit on its way. */
        waitMs: number;
        /** DRIVER_PAGE_LOOKUPS_PER_MINUTE: Stripe lookups one address may cause a minute. */
        lookupsPerAddress: number;
      }
    | undefined;
}

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === '' ? undefined : s));

const intInRange = (fallback: number, min: number, max: number) =>
  optionalText.transform((s, ctx) => {
    if (s === undefined) return fallback;
    const n = Number(s);
    if (!/^-?\d+$/.test(s) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });

const url = (fallback?: string) =>
  optionalText
    .transform((s) => s ?? fallback)
    .pipe(
      z
        .string()
        .url('must be a URL such as https://host')
        .transform((s) => new URL(s))
        .optional(),
    );

const zoneText = optionalText.transform((s, ctx) => {
  if (s === undefined) return undefined;
  const zone = checkZone(s);
  if (!zone.ok) {
    ctx.addIssue({ code: 'custom', message: zone.reason.replace(/^zone /, '') });
    return z.NEVER;
  }
  return zone.zone;
});

// Named ranges Express understands, besides addresses and CIDR ranges.
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

const trustProxy = optionalText.transform((s, ctx): TrustProxy | undefined => {
  if (s === undefined) return undefined;
  if (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 10) return Number(s);
  const parts = s.split(',').map((p) => p.trim());
  const bad = parts.find((p) => {
    const [address, bits, ...rest] = p.split('/');
    if (PROXY_RANGES.includes(p)) return false;
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return true;
    return bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  });
  if (bad !== undefined || parts.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be a number of proxies (1–10), or proxy addresses and ranges, comma-separated (10.0.0.0/8, loopback, …)',
    });
    return z.NEVER;
  }
  return parts;
});

// OPSCOM API pages: apiToken is at most 50 letters, digits or dashes.
const opscomToken = z
  .string({ error: 'is required (the Push API token from OPSCOM)' })
  .regex(/^[A-Za-z0-9-]{1,50}$/, 'must be 1–50 letters, digits or dashes');
const timezone = z
  .string({ error: 'is required: the IANA zone OPSCOM works in, e.g. America/Toronto' })
  .refine((s) => IANAZone.isValidZone(s), 'is not a known IANA zone (e.g. America/Toronto)');

const EnvSchema = z.object({
  PORT: intInRange(3000, 0, 65535),
  HTTP_HEADERS_TIMEOUT_MS: intInRange(10_000, 1000, 120_000),
  HTTP_REQUEST_TIMEOUT_MS: intInRange(15_000, 1000, 300_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: intInRange(65_000, 1000, 3_600_000),
  HTTP_MAX_CONNECTIONS: intInRange(1000, 10, 100_000),
  HTTP_MAX_BUFFERED_BODY_MB: intInRange(8, 2, 1024),
  TRUST_PROXY: trustProxy,
  LOG_LEVEL: optionalText.pipe(z.enum(['error', 'warn', 'info', 'debug']).default('info')),
  STRIPE_SECRET_KEY: optionalText.pipe(
    z
      .string({ error: 'is required (sk_… or rk_… from the Stripe dashboard)' })
      .regex(
        /^(sk|rk)_(test|live)_\w+$/,
        'must look like sk_test_…, sk_live_…, rk_test_… or rk_live_…',
      ),
  ),
  STRIPE_WEBHOOK_SECRET: optionalText.pipe(
    z
      .string({ error: 'is required (whsec_…, comma-separated during a secret roll)' })
      .transform((s) =>
        s
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== ''),
      )
      .pipe(
        z
          .array(z.string().regex(/^whsec_\w+$/, 'each secret must look like whsec_…'))
          .min(1, 'is required'),
      ),
  ),
  STRIPE_API_URL: url(),
  STRIPE_TIMEOUT_MS: intInRange(10_000, 100, 120_000),
  OPSCOM_API_TOKEN: optionalText.pipe(opscomToken),
  OPSCOM_BASE_URL: url('https://controller.operationscommander.io'),
  SITES_FILE: optionalText,
  DEFAULT_SITE: optionalText,
  OPSCOM_TIMEZONE: optionalText.pipe(timezone),
  OPSCOM_ZONE: zoneText,
  OPSCOM_ZONES: optionalText.transform((s, ctx) => {
    if (s === undefined) return undefined;
    const list = parseZoneList(s);
    if (!list.ok) {
      ctx.addIssue({ code: 'custom', message: list.reason.replace(/^zone /, 'has a zone that ') });
      return z.NEVER;
    }
    return list.zones;
  }),
  OPSCOM_TIMEOUT_MS: intInRange(10_000, 100, 120_000),
  OPSCOM_GRACE_MS: intInRange(60_000, 0, 600_000),
  OPSCOM_CLIENT: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9-]{1,30}$/, 'must be 1–30 letters, digits or dashes (e.g. OC-TOMA)')
      .default('OC-TOMA'),
  ),
  OPSCOM_VALIDATE_URL: url('https://service.ops-com.com/api/v1/validate/plate'),
  OPSCOM_VERIFY: optionalText.pipe(
    z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  ),
  OPSCOM_VERIFY_DELAY_SECONDS: intInRange(60, 1, 365 * 24 * 3600),
  OPSCOM_VERIFY_EVERY_SECONDS: intInRange(3600, 1, 365 * 24 * 3600),
  OPSCOM_VERIFY_PER_SECOND: intInRange(20, 1, 1000),
  MAX_PERMIT_DURATION: optionalText
    .transform((s) => s ?? 'P1Y')
    .transform((s, ctx) => {
      const parsed = parseDuration(s);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.reason });
        return z.NEVER;
      }
      return parsed.duration;
    }),
  ON_FULL_REFUND: optionalText.pipe(
    z.enum(['delete', 'end', 'keep'], { error: 'must be delete, end or keep' }).default('delete'),
  ),
  ON_PARTIAL_REFUND: optionalText.pipe(
    z.enum(['keep', 'shorten'], { error: 'must be keep or shorten' }).default('keep'),
  ),
  ON_DISPUTE: optionalText.pipe(
    z.enum(['keep', 'end', 'delete'], { error: 'must be keep, end or delete' }).default('keep'),
  ),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATABASE_SSL: optionalText.pipe(z.enum(['auto', 'off', 'require', 'verify']).default('auto')),
  DATABASE_POOL_SIZE: intInRange(10, 1, 100),
  PROCESS_TYPE: optionalText.pipe(z.enum(['web', 'intake', 'worker']).default('web')),
  SQLITE_PATH: optionalText.transform((s) => s ?? './data/adapter.sqlite'),
  WORKER_CONCURRENCY: intInRange(8, 1, 256),
  WORKER_LEASE_SECONDS: intInRange(30, 1, 3600),
  WORKER_POLL_MS: intInRange(1000, 10, 60_000),
  JOB_MAX_AGE_HOURS: intInRange(72, 1, 24 * 365),
  // Several sites: a site failing this many OPSCOM calls in a row is paused, first for
  // SITE_PAUSE_FIRST_MS, doubling at each failed probe up to SITE_PAUSE_MAX_MS.
  SITE_PAUSE_AFTER_FAILURES: intInRange(3, 1, 100),
  SITE_PAUSE_FIRST_MS: intInRange(1000, 100, 3_600_000),
  SITE_PAUSE_MAX_MS: intInRange(60_000, 100, 3_600_000),
  SHUTDOWN_GRACE_SECONDS: intInRange(25, 0, 600),
  METRICS_TOKEN: optionalText.pipe(
    z.string().min(16, 'must be at least 16 characters (a random secret)').optional(),
  ),
  CONSOLE_PASSWORD: optionalText.pipe(
    z.string().min(12, 'must be at least 12 characters').optional(),
  ),
  CONSOLE_USER: optionalText.pipe(
    z
      .string()
      .regex(/^[^:\s]{1,64}$/, 'must be 1–64 characters, no colon or space')
      .default('operator'),
  ),
  ALERT_WEBHOOK_URL: url(),
  ALERT_PENDING_MINUTES: intInRange(15, 1, 24 * 60),
  PUBLIC_URL: url(),
  DRIVER_PAGE: optionalText.pipe(
    z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  ),
  OPERATOR_NAME: optionalText.pipe(
    z.string().max(80, 'must be at most 80 characters').default('Parking'),
  ),
  SUPPORT_CONTACT: optionalText.pipe(
    z.string().max(120, 'must be at most 120 characters (a phone number, an e-mail)').optional(),
  ),
  DRIVER_PAGE_WAIT_SECONDS: intInRange(5, 0, 25),
  DRIVER_PAGE_LOOKUPS_PER_MINUTE: intInRange(30, 1, 10_000),
  // Stripe retries a delivery for 3 days and keeps events 30 (replay --since reads them):
  // anything younger must stay recognisable as already received.
  RETENTION_DAYS: optionalText.transform((s, ctx) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 35 || n > 3650) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of days from 35 to 3650' });
      return z.NEVER;
    }
    return n;
  }),
});

// With SITES_FILE each site names its own token's variable and its clock.
const SitesEnvSchema = EnvSchema.extend({
  OPSCOM_API_TOKEN: optionalText.pipe(opscomToken.optional()),
  OPSCOM_TIMEZONE: optionalText.pipe(timezone.optional()),
});

type Env = z.infer<typeof SitesEnvSchema>;

/**
 * Every variable the adapter reads (.env.example and the README document each); the OTEL_*
 * ones are read before the others, by start-up's first step (tracing/tracingConfig.ts).
 */
export const CONFIG_VARIABLES: readonly string[] = [
  ...Object.keys(EnvSchema.shape),
  ...TRACING_VARIABLES,
];

/**
 * Reads the whole environment once, at start-up, and reports every problem together, each
 * naming its variable. Nothing else in the code reads process.env.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = (env['SITES_FILE']?.trim() ? SitesEnvSchema : EnvSchema).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  // A lease should outlast a Stripe write-back, or a slow one is redone by another process
  // (harmless: the same idempotency key, but wasted). Kept at two Stripe timeouts, a margin
  // for the session's and the PaymentIntent's write-backs of one job. An OPSCOM call needs no
  // lease: while it is in flight, its job is its owner's for as long as the owner lives
  // (store/ledger.ts, claimNextJob).
  if (e.WORKER_LEASE_SECONDS * 1000 <= 2 * e.STRIPE_TIMEOUT_MS) {
    throw new ConfigError([
      `WORKER_LEASE_SECONDS (${e.WORKER_LEASE_SECONDS}) must be longer than a Stripe write-back: twice STRIPE_TIMEOUT_MS (${e.STRIPE_TIMEOUT_MS})`,
    ]);
  }
  const problems = problemsBetween(e);
  if (problems.length > 0) throw new ConfigError(problems);
  const policy: PermitPolicy = {
    onFullRefund: e.ON_FULL_REFUND,
    onPartialRefund: e.ON_PARTIAL_REFUND,
    onDispute: e.ON_DISPUTE,
  };
  const sites = sitesOf(e, env, policy);
  const main = sites.byId.get(sites.defaultId ?? '') ?? sites.list[0];
  if (!main) throw new ConfigError(['SITES_FILE lists no site']);
  return {
    sites,
    port: e.PORT,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
      maxBufferedBodyBytes: e.HTTP_MAX_BUFFERED_BODY_MB * 1024 * 1024,
      trustProxy: e.TRUST_PROXY,
    },
    logLevel: e.LOG_LEVEL,
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecrets: e.STRIPE_WEBHOOK_SECRET,
      livemode: /^(sk|rk)_live_/.test(e.STRIPE_SECRET_KEY),
      apiUrl: e.STRIPE_API_URL,
      timeoutMs: e.STRIPE_TIMEOUT_MS,
    },
    opscom: {
      apiToken: main.opscom.apiToken,
      baseUrl: main.opscom.baseUrl,
      timezone: main.opscom.timezone,
      defaultZone: main.opscom.defaultZone,
      zones: main.opscom.zones,
      timeoutMs: e.OPSCOM_TIMEOUT_MS,
      graceMs: e.OPSCOM_GRACE_MS,
      client: main.opscom.client,
      validateUrl:
        e.OPSCOM_VALIDATE_URL ?? new URL('https://service.ops-com.com/api/v1/validate/plate'),
    },
    verify:
      e.OPSCOM_VERIFY === 'off'
        ? undefined
        : {
            delayMs: e.OPSCOM_VERIFY_DELAY_SECONDS * 1000,
            everyMs: e.OPSCOM_VERIFY_EVERY_SECONDS * 1000,
            perSecond: e.OPSCOM_VERIFY_PER_SECOND,
          },
    maxPermitDuration: e.MAX_PERMIT_DURATION,
    policy: main.policy,
    store:
      e.DATABASE_URL === undefined
        ? { kind: 'sqlite', sqlitePath: e.SQLITE_PATH }
        : {
            kind: 'postgres',
            url: e.DATABASE_URL,
            ssl: sslFor(e.DATABASE_URL, e.DATABASE_SSL),
            poolSize: e.DATABASE_POOL_SIZE,
          },
    processType: e.PROCESS_TYPE,
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      leaseMs: e.WORKER_LEASE_SECONDS * 1000,
      maxAgeMs: e.JOB_MAX_AGE_HOURS * 3600 * 1000,
      pollMs: e.WORKER_POLL_MS,
    },
    sitePauses: {
      failuresToPause: e.SITE_PAUSE_AFTER_FAILURES,
      firstPauseMs: e.SITE_PAUSE_FIRST_MS,
      maxPauseMs: e.SITE_PAUSE_MAX_MS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    metricsToken: e.METRICS_TOKEN,
    console:
      e.CONSOLE_PASSWORD === undefined
        ? undefined
        : { user: e.CONSOLE_USER, password: e.CONSOLE_PASSWORD },
    alerts: { webhookUrl: e.ALERT_WEBHOOK_URL, pendingMinutes: e.ALERT_PENDING_MINUTES },
    publicUrl: e.PUBLIC_URL,
    retentionDays: e.RETENTION_DAYS,
    driverPage:
      e.DRIVER_PAGE === 'off'
        ? undefined
        : {
            operator: { name: e.OPERATOR_NAME, support: e.SUPPORT_CONTACT },
            waitMs: e.DRIVER_PAGE_WAIT_SECONDS * 1000,
            lookupsPerAddress: e.DRIVER_PAGE_LOOKUPS_PER_MINUTE,
          },
  };
}

/** Variables valid one by one that contradict each other. */
function problemsBetween(e: Env): string[] {
  const problems: string[] = [];
  // Node refuses a headers timeout longer than the request's: the headers are part of it.
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS (${e.HTTP_HEADERS_TIMEOUT_MS}) must not be longer than HTTP_REQUEST_TIMEOUT_MS (${e.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  }
  if (e.OPSCOM_ZONE !== undefined && e.OPSCOM_ZONES && !e.OPSCOM_ZONES.includes(e.OPSCOM_ZONE)) {
    problems.push(`OPSCOM_ZONE "${e.OPSCOM_ZONE}" is not one of OPSCOM_ZONES`);
  }
  // The pauses double from the first up to the longest.
  if (e.SITE_PAUSE_FIRST_MS > e.SITE_PAUSE_MAX_MS) {
    problems.push(
      `SITE_PAUSE_FIRST_MS (${e.SITE_PAUSE_FIRST_MS}) must not be longer than SITE_PAUSE_MAX_MS (${e.SITE_PAUSE_MAX_MS}), the longest pause`,
    );
  }
  return problems;
}

/**
 * SITES_FILE's sites, or the one site `default` the OPSCOM_* variables describe (today's
 * single-site configuration, unchanged).
 */
function sitesOf(e: Env, env: NodeJS.ProcessEnv, policy: PermitPolicy): Sites {
  const baseUrl = e.OPSCOM_BASE_URL ?? new URL('https://controller.operationscommander.io');
  if (e.SITES_FILE !== undefined) {
    return loadSites(
      e.SITES_FILE,
      env,
      { baseUrl, client: e.OPSCOM_CLIENT, policy },
      e.DEFAULT_SITE,
    );
  }
  if (e.DEFAULT_SITE !== undefined && e.DEFAULT_SITE !== DEFAULT_SITE_ID) {
    throw new ConfigError([
      `DEFAULT_SITE "${e.DEFAULT_SITE}" names a site, but SITES_FILE is not set (without it the one site is "${DEFAULT_SITE_ID}")`,
    ]);
  }
  // EnvSchema requires both without SITES_FILE.
  const apiToken = e.OPSCOM_API_TOKEN ?? '';
  const timezone = e.OPSCOM_TIMEZONE ?? '';
  const site = {
    id: DEFAULT_SITE_ID,
    name: undefined,
    stripeAccount: undefined,
    opscom: {
      baseUrl,
      client: e.OPSCOM_CLIENT,
      apiToken,
      tokenEnv: 'OPSCOM_API_TOKEN',
      timezone,
      defaultZone: e.OPSCOM_ZONE,
      zones: e.OPSCOM_ZONES,
    },
    policy,
    alertWebhookUrl: undefined,
  };
  // Every payment is this site's, a Connect event's or one naming a metadata.site included:
  // exactly as before sites (its write-backs still carry the event's account).
  return indexSites([site], DEFAULT_SITE_ID, true);
}

/**
 * `auto`: TLS without certificate verification (what Heroku Postgres needs) unless the host is
 * this machine; `require`: the same, always; `verify`: TLS with verification; `off`: none.
 */
function sslFor(
  url: string,
  mode: 'auto' | 'off' | 'require' | 'verify',
): false | { rejectUnauthorized: boolean } {
  if (mode === 'off') return false;
  if (mode === 'verify') return { rejectUnauthorized: true };
  if (mode === 'require') return { rejectUnauthorized: false };
  const host = new URL(url).hostname;
  const local = host === '' || host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  return local ? false : { rejectUnauthorized: false };
}
