import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BenchServer {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/**
 * The built server (dist/server.js) in its own process, as production runs it; resolves with
 * its port once it listens. Its log lines are drained and dropped. BENCH_CPU_PROF=dir writes a
 * V8 CPU profile of it there (node --cpu-prof).
 */
export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const profDir = process.env['BENCH_CPU_PROF'];
  const nodeArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const child = spawn(process.execPath, [...nodeArgs, join(__dirname, '..', 'server.js')], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"message":"adapter listening".*?"port":(\d+)/.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return {
    child,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
