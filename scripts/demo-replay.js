// `npm run demo:replay [-- --sessions 300]`: see src/demo/replayDemo.ts.
require('../dist/demo/replayDemo.js')
  .runReplayDemo(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
