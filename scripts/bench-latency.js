// `npm run bench:latency [-- --count 1000 --rate 200 --concurrency 8]`: see src/bench/latencyBench.ts.
require('../dist/bench/latencyBench.js')
  .runLatencyBench(process.argv.slice(2))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
