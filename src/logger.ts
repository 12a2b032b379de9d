import winston from 'winston';

export type Logger = winston.Logger;

// Field names that must never reach a log line, whatever a caller passes: never the OPSCOM
// token, a raw body, a signature or a key (docs/architecture.md, "Secrets").
const SECRET_FIELDS = new Set([
  'apitoken',
  'apiToken',
  'token',
  'authorization',
  'stripe-signature',
  'signature',
  'secret',
  'secretkey',
  'body',
  'rawbody',
]);

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_FIELDS.has(key.toLowerCase())) info[key] = '[redacted]';
  }
  return info;
});

export interface LoggerOptions {
  level: string;
  /** Human-readable lines (for a terminal); JSON otherwise. */
  pretty: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  stream?: NodeJS.WritableStream;
  silent?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const format = options.pretty
    ? winston.format.combine(
        redact(),
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.colorize(),
        winston.format.printf(({ level, message, timestamp, ...rest }) => {
          const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
          return `${String(timestamp)} ${level} ${String(message)}${extra}`;
        }),
      )
    : winston.format.combine(redact(), winston.format.timestamp(), winston.format.json());
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level,
    format,
    transports: [transport],
    silent: options.silent ?? false,
  });
}
