// Runs one tool from the tools build (npm run build:tools): its exit code, or 2 with the
// message alone for bad arguments, or 1 with the whole error for anything else.
module.exports = function runTool(module, name, ...args) {
  const run = require(`../../build/tools/${module}.js`)[name];
  run(...args).then(
    (code) => {
      // Long-running tools (simulators, demo --serve) resolve without a code and keep going.
      if (typeof code === 'number') process.exit(code);
    },
    (err) => {
      if (err && err.name === 'UsageError') {
        console.error(err.message);
        process.exit(2);
      }
      console.error(err);
      process.exit(1);
    },
  );
};
