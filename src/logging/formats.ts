import winston from 'winston';

export type LogFields = Record<string, unknown>;
export type LogContextProvider = () => LogFields | undefined;

/** winston's keys (triple-beam): the level a line is routed by, and the text transports write. */
export const LEVEL = Symbol.for('level');
export const MESSAGE = Symbol.for('message');

type Info = winston.Logform.TransformableInfo;

// Field names that must never reach a log line, whatever a caller passes: never the OPSCOM
// token, a raw body, a signature or a key (docs/architecture.md, "Secrets").
const SECRET_FIELDS = new Set([
  'apitoken',
  'token',
  'authorization',
  'stripe-signature',
  'signature',
  'secret',
  'secretkey',
  'body',
  'rawbody',
]);

// Field names repeat on every line (eventId, sessionId…): each is lower-cased and judged once.
const verdicts = new Map<string, boolean>();
function isSecret(key: string): boolean {
  let secret = verdicts.get(key);
  if (secret === undefined) {
    secret = SECRET_FIELDS.has(key.toLowerCase());
    if (verdicts.size < 10_000) verdicts.set(key, secret);
  }
  return secret;
}

/**
 * Top-level fields named like secrets become "[redacted]". The info object is the logger's
 * own (built per line from the caller's fields), so it is changed in place.
 */
export const redact = winston.format((info: Info) => {
  for (const key of Object.keys(info)) {
    if (isSecret(key)) info[key] = '[redacted]';
  }
  return info;
});

let contextProvider: LogContextProvider | undefined;

export function setContextProvider(provider: LogContextProvider | undefined): void {
  contextProvider = provider;
}

/** The provider's fields (a trace id…) on every line; a caller's own field of that name wins. */
export const logContext = winston.format((info: Info) => {
  if (contextProvider === undefined) return info;
  let context: LogFields | undefined;
  try {
    context = contextProvider();
  } catch {
    return info; // a line is never lost to its context
  }
  if (context !== undefined) {
    for (const key of Object.keys(context)) {
      if (!(key in info)) info[key] = context[key];
    }
  }
  return info;
});

/** JSON that never throws: a circular reference or a BigInt is written as text. */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    });
  }
}

/**
 * The line as JSON, keys in the order given (level, message, fields, timestamp). logform's
 * json format is not used: it configures its serializer again on every line and sorts keys.
 */
export const jsonLine = winston.format((info: Info) => {
  info[MESSAGE] = toJson(info);
  return info;
});

const COLOURS: Record<string, string> = {
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '\x1b[32m',
  debug: '\x1b[34m',
};

/** A short line for a terminal: time, coloured level, message, the other fields as JSON. */
export const prettyLine = winston.format((info: Info) => {
  const { level, message, ...fields } = info;
  const time = new Date().toISOString().slice(11, 23);
  const extra = Object.keys(fields).length > 0 ? ` ${toJson(fields)}` : '';
  info[MESSAGE] = `${time} ${COLOURS[level] ?? ''}${level}\x1b[39m ${String(message)}${extra}`;
  return info;
});
