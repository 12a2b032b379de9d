// `npm run chaos [-- --payments 2000 --kills 5 --seed N --store sqlite|postgres]`: see tools/chaos/chaosRun.ts.
require('../../build/tools/chaos/chaosRun.js')
  .runChaos(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
