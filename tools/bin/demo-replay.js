// `npm run demo:replay [-- --sessions 300]`: see tools/demo/replayDemo.ts.
require('../../build/tools/demo/replayDemo.js')
  .runReplayDemo(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
