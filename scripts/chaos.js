// `npm run chaos [-- --payments 2000 --kills 5 --seed N --store sqlite|postgres]`: see src/chaos/chaosRun.ts.
require('../dist/chaos/chaosRun.js')
  .runChaos(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
