// `npm run demo:replay [-- --sessions 300]`: see tools/demo/replayDemo.ts.
require('./runTool')('demo/replayDemo', 'runReplayDemo', process.argv.slice(2));
