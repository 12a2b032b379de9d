// `npm run bench:sites [-- --sites 1000 --runs 3]`: see tools/bench/sitesStartup.ts.
require('./runTool')('bench/sitesStartup', 'runSitesStartupBench', process.argv.slice(2));
