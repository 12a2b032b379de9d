// `npm run bench:latency [-- --count 1000 --rate 200 --concurrency 8]`: see tools/bench/latencyBench.ts.
require('../../build/tools/bench/latencyBench.js')
  .runLatencyBench(process.argv.slice(2))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
