// `npm run demo [-- --serve]`: see tools/demo/runDemo.ts.
require('./runTool')('demo/runDemo', 'runDemo', process.argv.slice(2));
