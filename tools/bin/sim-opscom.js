// `npm run sim:opscom`: see tools/simulators/runSimulator.ts (SIM_PORT, default 4010).
require('./runTool')('simulators/runSimulator', 'runSimulator', 'opscom');
