import { Duration, IANAZone } from 'luxon';
import { z } from 'zod';
import { parseDuration } from './domain/duration';
import type { PermitPolicy } from './domain/permitLife';
import { ConfigError } from './errors';
import type { LogLevel } from './logger';

export type StoreConfig =
  | { kind: 'sqlite'; sqlitePath: string }
  | {
      kind: 'postgres';
      url: string;
      ssl: false | { rejectUnauthorized: boolean };
      poolSize: number;
    };

export interface Config {
  port: number;
  logLevel: LogLevel;
  stripe: {
    secretKey: string;
    webhookSecrets: string[];
    /** Mode of the secret key: events of the other mode are never acted on. */
    livemode: boolean;
    apiUrl: URL | undefined;
    timeoutMs: number;
  };
  opscom: {
    apiToken: string;
    baseUrl: URL;
    timezone: string;
    defaultZone: string | undefined;
    timeoutMs: number;
    graceMs: number;
  };
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

const EnvSchema = z.object({
  PORT: intInRange(3000, 0, 65535),
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
  OPSCOM_API_TOKEN: optionalText.pipe(
    z
      .string({ error: 'is required (the Push API token from OPSCOM)' })
      // OPSCOM API pages: apiToken is at most 50 letters, digits or dashes.
      .regex(/^[A-Za-z0-9-]{1,50}$/, 'must be 1–50 letters, digits or dashes'),
  ),
  OPSCOM_BASE_URL: url('https://controller.operationscommander.io'),
  OPSCOM_TIMEZONE: optionalText.pipe(
    z
      .string({ error: 'is required: the IANA zone OPSCOM works in, e.g. America/Toronto' })
      .refine((s) => IANAZone.isValidZone(s), 'is not a known IANA zone (e.g. America/Toronto)'),
  ),
  OPSCOM_ZONE: optionalText.pipe(z.string().max(50, 'must be at most 50 characters').optional()),
  OPSCOM_TIMEOUT_MS: intInRange(10_000, 100, 120_000),
  OPSCOM_GRACE_MS: intInRange(60_000, 0, 600_000),
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

/** Every variable the adapter reads (.env.example and the README document each). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

/**
 * Reads the whole environment once, at start-up, and reports every problem together, each
 * naming its variable. Nothing else in the code reads process.env.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
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
  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecrets: e.STRIPE_WEBHOOK_SECRET,
      livemode: /^(sk|rk)_live_/.test(e.STRIPE_SECRET_KEY),
      apiUrl: e.STRIPE_API_URL,
      timeoutMs: e.STRIPE_TIMEOUT_MS,
    },
    opscom: {
      apiToken: e.OPSCOM_API_TOKEN,
      baseUrl: e.OPSCOM_BASE_URL ?? new URL('https://controller.operationscommander.io'),
      timezone: e.OPSCOM_TIMEZONE,
      defaultZone: e.OPSCOM_ZONE,
      timeoutMs: e.OPSCOM_TIMEOUT_MS,
      graceMs: e.OPSCOM_GRACE_MS,
    },
    maxPermitDuration: e.MAX_PERMIT_DURATION,
    policy: {
      onFullRefund: e.ON_FULL_REFUND,
      onPartialRefund: e.ON_PARTIAL_REFUND,
      onDispute: e.ON_DISPUTE,
    },
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
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    metricsToken: e.METRICS_TOKEN,
    console:
      e.CONSOLE_PASSWORD === undefined
        ? undefined
        : { user: e.CONSOLE_USER, password: e.CONSOLE_PASSWORD },
    alerts: { webhookUrl: e.ALERT_WEBHOOK_URL, pendingMinutes: e.ALERT_PENDING_MINUTES },
    publicUrl: e.PUBLIC_URL,
    retentionDays: e.RETENTION_DAYS,
  };
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
