// `npm run sim:stripe`: see tools/simulators/runSimulator.ts (SIM_PORT, default 4020).
require('../../build/tools/simulators/runSimulator.js')
  .runSimulator('stripe')
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
