// `npm run bench:burst [-- --store sqlite|postgres --count 4000 --connections 32 --runs 1]`: see tools/bench/burstBench.ts.
require('./runTool')('bench/burstBench', 'runBurstBench', process.argv.slice(2));
