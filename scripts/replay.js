// `npm run replay -- <selector> [options]`: see src/admin/replay/ and the README.
// Tracing starts first (when the OTEL_* variables ask for it: src/tracing/startTracing.ts),
// before replay loads http and pg, and sends its last spans before the process ends.
let tracing;
try {
  tracing = require('../dist/tracing/startTracing.js').startTracing(process.env);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
require('../dist/admin/replay/command.js')
  .replayCommand(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stderr.isTTY),
  })
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  )
  .then(() => tracing.shutdown())
  .catch(() => undefined);
