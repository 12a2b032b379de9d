// `npm run sim:stripe`: see tools/simulators/runSimulator.ts (SIM_PORT, default 4020).
require('./runTool')('simulators/runSimulator', 'runSimulator', 'stripe');
