import type { ChildProcess } from 'node:child_process';
import { startBenchServer } from './benchServer';
import { rssMb } from './processStats';

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
 * The built server in its own process, as the Procfile runs it (benchServer: a 128 MB old-space
 * cap, which caps V8's heap but not the Buffers of request bodies), at LOG_LEVEL=info; its log
 * lines are counted (bytes, and error-level lines), not kept.
 */
export async function startAbuseServer(
  script: string,
  env: Record<string, string>,
): Promise<AbuseServer> {
  let bytes = 0;
  let errorLines = 0;
  const onStdout = (chunk: Buffer) => {
    bytes += chunk.length;
    for (
      let i = chunk.indexOf('"level":"error"');
      i >= 0;
      i = chunk.indexOf('"level":"error"', i + 1)
    ) {
      errorLines++;
    }
  };
  const server = await startBenchServer(env, script, { onStdout });
  return {
    ...server,
    logs: () => ({ bytes, errorLines }),
    resetLogs: () => {
      bytes = 0;
      errorLines = 0;
    },
    rssMb: () => rssMb(server.child.pid),
  };
}
