// `npm run sim:opscom`: see src/simulators/runSimulator.ts (SIM_PORT, default 4010).
require('../dist/simulators/runSimulator.js')
  .runSimulator('opscom')
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
