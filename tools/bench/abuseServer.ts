import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../devtools/freePort';

export interface AbuseServer {
  child: ChildProcess;
  port: number;
  /** Log bytes and error-level lines written since the last reset. */
  logs(): { bytes: number; errorLines: number };
  resetLogs(): void;
  /** Resident memory now, in MB (VmRSS). */
  rssMb(): number;
  stop(): Promise<void>;
}

/**
 * The built server in its own process, as the Procfile runs it (`--max-old-space-size=128`,
 * which caps V8's heap but not the Buffers of request bodies), at LOG_LEVEL=info; its log lines
 * are counted (bytes, and error-level lines), not kept.
 */
export async function startAbuseServer(
  script: string,
  env: Record<string, string>,
): Promise<AbuseServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-old-space-size=128', script], {
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let bytes = 0;
  let errorLines = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    for (
      let i = chunk.indexOf('"level":"error"');
      i >= 0;
      i = chunk.indexOf('"level":"error"', i + 1)
    ) {
      errorLines++;
    }
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`server ${script} exited before listening`);
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
    logs: () => ({ bytes, errorLines }),
    resetLogs: () => {
      bytes = 0;
      errorLines = 0;
    },
    rssMb: () => {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb === undefined ? Number.NaN : Number(kb) / 1024;
      } catch {
        return Number.NaN;
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
