// `npm run bench:intake [-- --seconds 10 --connections 32]`: see tools/bench/intakeBench.ts.
require('./runTool')('bench/intakeBench', 'runIntakeBench', process.argv.slice(2));
