// `npm run bench:takeover [-- --store sqlite|postgres --runs 5 --lease 3]`: see src/bench/takeoverBench.ts.
require('../dist/bench/takeoverBench.js')
  .runTakeoverBench(process.argv.slice(2))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
