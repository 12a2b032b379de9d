// `npm run bench:takeover [-- --store sqlite|postgres --runs 5 --lease 3]`: see tools/bench/takeoverBench.ts.
require('../../build/tools/bench/takeoverBench.js')
  .runTakeoverBench(process.argv.slice(2))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
