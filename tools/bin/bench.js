// `npm run bench [-- --postgres]`: see tools/bench/runBench.ts.
require('../../build/tools/bench/runBench.js')
  .runBench(process.argv.slice(2))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
