const { mkdtempSync } = require('fs'); const { join } = require('path'); const os=require('os');
(async () => {
  const { measureDrain } = require('./build/tools/bench/drain');
  const { migrateLedger } = require('./build/src/store/openLedger');
  const dir = mkdtempSync(join(os.tmpdir(),'drain100k-')); const store={kind:'sqlite',sqlitePath:join(dir,'l.sqlite')};
  await migrateLedger(store);
  const d = await measureDrain({ store, jobs: 100000, concurrency: 8, latencyMs: 1 });
  console.log(JSON.stringify(d));
})().catch(e => { console.error(e); process.exit(1); });
