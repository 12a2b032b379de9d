// `npm run demo [-- --serve]`: see tools/demo/runDemo.ts. Runs the built code (npm run build first).
const { runDemo } = require('../../build/tools/demo/runDemo.js');

runDemo(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
