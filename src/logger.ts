export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  log(level: LogLevel, message: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields`. */
  child(fields: LogFields): Logger;
  /** Resolves once every line so far has been handed to the operating system. */
  flush(): Promise<void>;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable lines (for a terminal); JSON otherwise. */
  pretty: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  stream?: NodeJS.WritableStream;
  silent?: boolean;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

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

const COLOURS: Record<LogLevel, string> = {
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '\x1b[32m',
  debug: '\x1b[34m',
};

function redacted(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const key of Object.keys(fields)) {
    if (SECRET_FIELDS.has(key.toLowerCase())) {
      out ??= { ...fields };
      out[key] = '[redacted]';
    }
  }
  return out ?? fields;
}

/** JSON that never throws: a circular reference or a BigInt is written as text. */
function toJson(value: unknown): string {
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
 * One line per call, written at once: JSON (`level`, `message`, the fields, `timestamp`) for log
 * collectors, or a short coloured line for a terminal. Fields named like secrets are replaced
 * by "[redacted]" at the top level. (Winston did this before; its formats and transports were
 * a twentieth of the intake's CPU under load: docs/performance.md.)
 */
export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const most = RANK[options.level];
  const line = options.pretty
    ? (level: LogLevel, message: string, fields: LogFields) => {
        const time = new Date().toISOString().slice(11, 23);
        const extra = Object.keys(fields).length > 0 ? ` ${toJson(fields)}` : '';
        return `${time} ${COLOURS[level]}${level}\x1b[39m ${message}${extra}\n`;
      }
    : (level: LogLevel, message: string, fields: LogFields) =>
        `${toJson({ level, message, ...fields, timestamp: new Date().toISOString() })}\n`;

  const make = (bound: LogFields): Logger => {
    const log = (level: LogLevel, message: string, fields?: LogFields) => {
      if (options.silent || RANK[level] > most) return;
      const all = fields === undefined ? bound : { ...bound, ...fields };
      stream.write(line(level, message, redacted(all)));
    };
    return {
      error: (message, fields) => log('error', message, fields),
      warn: (message, fields) => log('warn', message, fields),
      info: (message, fields) => log('info', message, fields),
      debug: (message, fields) => log('debug', message, fields),
      log,
      child: (fields) => make({ ...bound, ...fields }),
      flush: () => new Promise<void>((resolve) => stream.write('', () => resolve())),
    };
  };
  return make({});
}
