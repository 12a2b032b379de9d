// One attack of `npm run bench:abuse`, in its own process: see tools/bench/abuseAttacks.ts.
require('./runTool')('bench/abuseAttacks', 'runAbuseAttack', process.argv.slice(2));
