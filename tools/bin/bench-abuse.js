// `npm run bench:abuse [-- --seconds 60 --short --rows none,forged,stalled,idle,encoding,login --server dist/server.js]`: see tools/bench/abuseBench.ts.
require('./runTool')('bench/abuseBench', 'runAbuseBench', process.argv.slice(2));
