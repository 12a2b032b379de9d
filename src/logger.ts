import winston from 'winston';
import type TransportStream from 'winston-transport';
import {
  jsonLine,
  LEVEL,
  logContext,
  prettyLine,
  redact,
  setContextProvider,
  type LogContextProvider,
  type LogFields,
} from './logging/formats';
import { LineTransport } from './logging/lineTransport';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type { LogFields };

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
  /** More winston transports, beside the stream; each gets the line already formatted. */
  transports?: TransportStream[];
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * Fields merged into every line written from now on (the tracing module's trace and span
 * ids), or none with `undefined`. With no provider set, a line costs one comparison more.
 */
export function setLogContext(provider: LogContextProvider | undefined): void {
  setContextProvider(provider);
}

const operatorTransports: TransportStream[] = [];

/**
 * A transport that every logger created after this call also writes to: how an operator adds
 * Datadog, CloudWatch or a rotated file without changing the service (docs/operations.md).
 * Returns what takes it off the list again (loggers already made keep it).
 */
export function addLogTransport(transport: TransportStream): () => void {
  operatorTransports.push(transport);
  return () => {
    const at = operatorTransports.indexOf(transport);
    if (at >= 0) operatorTransports.splice(at, 1);
  };
}

// One pipeline for every logger: built once, applied to each line in this order.
const JSON_FORMAT = winston.format.combine(
  logContext(),
  redact(),
  winston.format.timestamp(),
  jsonLine(),
);
const PRETTY_FORMAT = winston.format.combine(logContext(), redact(), prettyLine());

interface Output {
  winston: winston.Logger;
  stream: NodeJS.WritableStream;
  /** The highest rank written; -1 when silent. */
  most: number;
}

/** A view of the one winston logger with fields of its own; a child is one small object. */
class BoundLogger implements Logger {
  constructor(
    private readonly out: Output,
    private readonly bound: LogFields | undefined,
  ) {}

  log(level: LogLevel, message: string, fields?: LogFields): void {
    // Nothing is built for a level that is off.
    if (RANK[level] > this.out.most) return;
    this.out.winston.write({ level, message, ...this.bound, ...fields, [LEVEL]: level });
  }
  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }
  child(fields: LogFields): Logger {
    return new BoundLogger(this.out, { ...this.bound, ...fields });
  }
  flush(): Promise<void> {
    return flushed(this.out);
  }
}

/**
 * Lines waiting in winston's streams (a slow added transport pushes back) go first, for up to
 * 5 s; then the stream's callback says that every line before it is with the OS.
 */
async function flushed(out: Output): Promise<void> {
  const held = () =>
    out.winston.writableLength > 0 ||
    out.winston.readableLength > 0 ||
    out.winston.transports.some((t) => t.writableLength > 0);
  for (let waited = 0; held() && waited < 5000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise<void>((resolve) => out.stream.write('', () => resolve()));
}

/**
 * winston with our levels, one format pipeline (context, redaction, timestamp, JSON; or a
 * short coloured line for a terminal) and a transport writing each line to the stream.
 */
export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stdout;
  const silent = options.silent === true;
  const logger = winston.createLogger({
    levels: RANK,
    level: options.level,
    format: options.pretty ? PRETTY_FORMAT : JSON_FORMAT,
    transports: [new LineTransport(stream), ...(options.transports ?? []), ...operatorTransports],
    silent,
    exitOnError: false,
  });
  // winston passes on a transport's failure (a full disk, a refused connection) as 'error',
  // which would end the process unheard: it is said once on stderr, and stdout goes on.
  logger.on('error', (err: unknown) => {
    process.stderr.write(
      `a log transport failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  });
  return new BoundLogger(
    { winston: logger, stream, most: silent ? -1 : RANK[options.level] },
    undefined,
  );
}
