// `npm run bench:takeover [-- --store sqlite|postgres --runs 5 --lease 3]`: see tools/bench/takeoverBench.ts.
require('./runTool')('bench/takeoverBench', 'runTakeoverBench', process.argv.slice(2));
