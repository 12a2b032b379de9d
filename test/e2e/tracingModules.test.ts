import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runServerToExit } from '../support/serverProcess';
import { logLines, useTracedRun } from '../support/tracedRun';

// What tracing costs when it is off is what it loads: the built server's modules, listed by a
// child process as it exits. `npm test` builds first. The spans themselves: tracing.test.ts.
const root = join(__dirname, '..', '..');
const run = useTracedRun();

/**
 * The built server started through a wrapper that, as the process exits, writes the modules it
 * loaded (require.cache) into `modulesFile`: what tracing costs when off is what it loads.
 */
function serverListingModules(env: Record<string, string>, modulesFile: string) {
  const script = [
    `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(modulesFile)},`,
    `  JSON.stringify(Object.keys(require.cache))));`,
    `require(${JSON.stringify(join(root, 'dist', 'server.js'))});`,
  ].join('\n');
  return run.start(env, ['-e', script]);
}

describe('which modules load', () => {
  const otelModules = async (env: Record<string, string>) => {
    const modulesFile = join(run.dir, 'modules.json');
    const server = await serverListingModules(env, modulesFile);
    const { session } = await run.deliver(server.port);
    await run.waitDone(env, session.id);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = logLines(server.output());
    const loaded = JSON.parse(readFileSync(modulesFile, 'utf8')) as string[];
    expect(loaded.some((m) => m.includes('/node_modules/express/'))).toBe(true);
    // @opentelemetry/api alone is no cost: a no-op without an SDK, and loaded by prom-client
    // (its CPU counter's exemplars) whatever tracing does. The SDK, the instrumentations, the
    // exporters and the adapter's own OpenTelemetry side (dist/tracing/) are what tracing adds.
    const modules = loaded.filter(
      (m) =>
        (m.includes('/@opentelemetry/') && !m.includes('/@opentelemetry/api/')) ||
        /dist\/tracing\/(openTelemetry|otelTracer|httpTracing)\.js$/.test(m),
    );
    return { modules, lines };
  };

  test('tracing off (no endpoint set): no OpenTelemetry module is loaded, no trace id logged', async () => {
    const env = run.env({ SQLITE_PATH: join(run.dir, 'ledger.sqlite') });
    delete env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    const { modules, lines } = await otelModules(env);
    expect(modules).toEqual([]);
    expect(lines.find((x) => x['message'] === 'job done')).not.toHaveProperty('trace_id');
    expect(lines.find((x) => x['message'] === 'adapter listening')).toMatchObject({
      tracing: 'off',
    });
  });

  test('tracing on: the SDK and its instrumentations are loaded (what the test above looks for)', async () => {
    const { modules } = await otelModules(run.env({ SQLITE_PATH: join(run.dir, 'ledger.sqlite') }));
    expect(modules.some((m) => m.includes('/@opentelemetry/sdk-node/'))).toBe(true);
    expect(modules.some((m) => m.includes('/@opentelemetry/instrumentation-http/'))).toBe(true);
    expect(modules.some((m) => m.endsWith('/dist/tracing/openTelemetry.js'))).toBe(true);
  });

  test('OTEL_SDK_DISABLED=true turns it off whatever the endpoint; a wrong OTEL_* variable stops start-up', async () => {
    const env = run.env({ SQLITE_PATH: join(run.dir, 'ledger.sqlite'), OTEL_SDK_DISABLED: 'true' });
    expect((await otelModules(env)).modules).toEqual([]);
    const wrong = await runServerToExit({ ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(
      /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json/,
    );
  });
});
