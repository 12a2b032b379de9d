// `npm run bench:driver-page [-- --store sqlite|postgres --count 4000 --drivers 200 --runs 1]`: see tools/bench/driverPageBench.ts.
require('./runTool')('bench/driverPageBench', 'runDriverPageBench', process.argv.slice(2));
