import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the sink took: export requests and their bytes. */
export interface SinkCounts {
  requests: number;
  bytes: number;
}

let started: Promise<{ url: string; counts: SinkCounts }> | undefined;

/**
 * An OTLP/HTTP receiver that reads each export and throws it away, answering as a collector
 * does (an empty ExportTraceServiceResponse): what tracing costs the adapter, without a real
 * collector's own cost on this machine. One per bench process, started on first use; it does
 * not keep the process alive.
 */
export function discardingOtlpSink(): Promise<{ url: string; counts: SinkCounts }> {
  started ??= new Promise((resolve) => {
    const counts: SinkCounts = { requests: 0, bytes: 0 };
    const server: Server = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => (counts.bytes += chunk.length));
      req.on('end', () => {
        counts.requests++;
        const json = req.headers['content-type']?.startsWith('application/json') === true;
        res
          .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
          .end(json ? '{}' : '');
      });
    });
    // The figures are only worth as much as what was exported: say how much that was.
    process.once('exit', () =>
      process.stdout.write(
        `traces: ${counts.requests} OTLP exports, ${(counts.bytes / 1e6).toFixed(1)} MB, discarded\n`,
      ),
    );
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts });
    });
  });
  return started;
}

/**
 * The tracing part of a bench server's environment: every OTEL_* variable of the bench's own
 * environment, passed through; and with BENCH_TRACING=on and no endpoint of its own, the
 * discarding sink above as the endpoint (the adapter's default protocol, http/protobuf).
 */
export async function benchTracingEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('OTEL_') && value !== undefined) env[name] = value;
  }
  const endpointSet =
    env['OTEL_EXPORTER_OTLP_ENDPOINT'] !== undefined ||
    env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] !== undefined;
  if (process.env['BENCH_TRACING'] === 'on' && !endpointSet) {
    env['OTEL_EXPORTER_OTLP_ENDPOINT'] = (await discardingOtlpSink()).url;
  }
  return env;
}
