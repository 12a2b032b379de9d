// `npm run jobs [-- failed dead]`: see src/admin/listJobs.ts.
require('../dist/admin/listJobs.js')
  .listJobs(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
