// `npm run bench [-- --postgres]`: see tools/bench/runBench.ts.
require('./runTool')('bench/runBench', 'runBench', process.argv.slice(2));
