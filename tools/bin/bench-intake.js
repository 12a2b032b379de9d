// `npm run bench:intake [-- --seconds 10 --connections 32]`: see tools/bench/intakeBench.ts.
require('../../build/tools/bench/intakeBench.js')
  .runIntakeBench(process.argv.slice(2))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
