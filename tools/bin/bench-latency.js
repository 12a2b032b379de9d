// `npm run bench:latency [-- --count 1000 --rate 200 --concurrency 8]`: see tools/bench/latencyBench.ts.
require('./runTool')('bench/latencyBench', 'runLatencyBench', process.argv.slice(2));
