// `npm run bench:site-index [-- --store sqlite|postgres|both --jobs 200000]`: see tools/bench/siteIndexBench.ts.
require('./runTool')('bench/siteIndexBench', 'runSiteIndexBench', process.argv.slice(2));
