import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const SERVER = join(__dirname, '..', '..', 'dist', 'server.js');

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts the built server (`node dist/server.js`, or node with `argv`: a script that requires
 * it) and resolves once it has started.
 */
export async function startServerProcess(
  env: Record<string, string>,
  argv: readonly string[] = [SERVER],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, argv, {
    // The port is read from the 'adapter listening' line, logged at info.
    env: { PATH: process.env['PATH'] ?? '', ...env, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 15_000);
    const check = () => {
      const line = out
        .split('\n')
        .find((l) => /"message":"adapter (listening|worker started)"/.test(l));
      if (line) {
        clearTimeout(timer);
        // A worker-only process has no port.
        resolve(Number(/"port":(\d+)/.exec(line)?.[1] ?? -1));
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return { child, port, output: () => out, exited };
}

/** Runs the built server to its exit and returns its code and output (for start-up failures). */
export function runServerToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => resolve({ code, output: out }));
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
