// `npm run sim:opscom`: see tools/simulators/runSimulator.ts (SIM_PORT, default 4010).
require('../../build/tools/simulators/runSimulator.js')
  .runSimulator('opscom')
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
