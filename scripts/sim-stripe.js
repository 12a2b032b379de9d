// `npm run sim:stripe`: see src/simulators/runSimulator.ts (SIM_PORT, default 4020).
require('../dist/simulators/runSimulator.js')
  .runSimulator('stripe')
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
