// `npm run bench:retention [-- --count 4000]`: see tools/bench/retentionBench.ts.
require('./runTool')('bench/retentionBench', 'runRetentionBench', process.argv.slice(2));
