// `npm run bench [-- --postgres]`: see src/bench/runBench.ts.
require('../dist/bench/runBench.js')
  .runBench(process.argv.slice(2))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
