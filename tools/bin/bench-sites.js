// `npm run bench:sites [-- --part all|startup|isolation --runs 3]`: see tools/bench/sitesStartup.ts.
require('./runTool')('bench/sitesStartup', 'runSitesStartupBench', process.argv.slice(2));
