// `npm run bench:scrape [-- --store sqlite|postgres --jobs 1000000 --rounds 20]`: see tools/bench/scrapeBench.ts.
require('./runTool')('bench/scrapeBench', 'runScrapeBench', process.argv.slice(2));
