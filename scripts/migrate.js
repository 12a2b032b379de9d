// `npm run migrate`: see src/admin/migrate.ts.
require('../dist/admin/migrate.js')
  .runMigrate()
  .then((code) => process.exit(code));
