// `npm run bench:verify [-- --store sqlite|postgres --permits 100000 --seconds 60 --rate 20 --runs 2]`: see tools/bench/verifyBench.ts.
require('./runTool')('bench/verifyBench', 'runVerifyBench', process.argv.slice(2));
