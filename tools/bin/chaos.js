// `npm run chaos [-- --payments 2000 --kills 5 --seed N --store sqlite|postgres --busy N]`: see tools/chaos/chaosRun.ts.
require('./runTool')('chaos/chaosRun', 'runChaos', process.argv.slice(2));
