import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { freePort } from '../devtools/freePort';
import { distFile } from '../devtools/paths';
import { benchTracingEnv } from './otlpSink';

export interface BenchServer {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/**
 * The built server (dist/server.js, or `script`) in its own process, as production runs it, on a free port;
 * resolves once it answers /healthz. Its log lines are dropped (stderr is kept). BENCH_CPU_PROF=dir writes a
 * V8 CPU profile of it there (node --cpu-prof). `logFile`: its log lines (stdout) and its stderr are
 * appended to that file instead, stderr still shown here too (the chaos run keeps them as evidence).
 * `onStdout`: its log lines are handed there instead (the abuse bench counts them).
 * Tracing: BENCH_TRACING=on exports the server's traces to a local sink that discards them, and
 * every OTEL_* variable set here reaches the server (otlpSink.ts); off otherwise, as by default.
 */
export async function startBenchServer(
  env: Record<string, string>,
  script = distFile('server.js'),
  options: { logFile?: string; onStdout?: (chunk: Buffer) => void } = {},
): Promise<BenchServer> {
  const profDir = process.env['BENCH_CPU_PROF'];
  // As the Procfile and `npm start` run it: a 128 MB old-space cap, which keeps V8 from
  // growing the heap under load (peak RSS ~187 MB without it, ~144 MB with it, same speed).
  const nodeArgs = [
    '--max-old-space-size=128',
    ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []),
  ];
  const port = await freePort();
  const log = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: {
      PATH: process.env['PATH'] ?? '',
      LOG_LEVEL: 'info',
      ...(await benchTracingEnv()),
      ...env,
      PORT: String(port),
    },
    // With a log file the child writes its lines straight into it (nothing passes through this
    // process, and a SIGKILLed child's last lines are there); stderr comes here to be shown too.
    stdio:
      log !== undefined
        ? ['ignore', log, 'pipe']
        : ['ignore', options.onStdout ? 'pipe' : 'ignore', 'inherit'],
  });
  if (log !== undefined) teeStderr(child, log);
  if (options.onStdout) child.stdout?.on('data', options.onStdout);
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  // Ready when /healthz answers, whatever the log level.
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before listening`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('server did not listen within 20 s');
    await sleep(25);
  }
  return {
    child,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exitCode !== undefined) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The child's stderr, on this terminal as before and into its log beside its log lines. */
function teeStderr(child: ChildProcess, log: number): void {
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    // The file is opened for appending: each write lands whole after the child's own lines.
    writeSync(log, chunk);
  });
  child.once('close', () => closeSync(log));
}
