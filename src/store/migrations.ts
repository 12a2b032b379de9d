import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SchemaError } from '../errors';

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The nearest `migrations/` folder above this file (src/store, dist/store or a tools build). */
function migrationsDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'migrations', 'sqlite'))) return join(dir, 'migrations');
    if (dirname(dir) === dir) throw new Error(`no migrations/ folder above ${__dirname}`);
  }
}

/** The repository's `migrations/<dialect>/NNN_name.sql`, in order. */
export function loadMigrations(dialect: Dialect): Migration[] {
  const dir = join(migrationsDir(), dialect);
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .map((file) => ({
      version: Number(file.split('_')[0]),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(join(dir, file), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Start-up refuses a ledger whose schema is not exactly what this build expects: behind means
 * `npm run migrate` was not run; ahead means a newer adapter migrated it (running this older
 * one could misread it).
 */
export function assertSchemaCurrent(
  applied: number,
  migrations: readonly Migration[],
  where: string,
): void {
  const latest = migrations.at(-1)?.version ?? 0;
  if (applied < latest) {
    throw new SchemaError(
      `${where} is at schema version ${applied}, this adapter needs ${latest}: run \`npm run migrate\` (the Procfile's release phase) first`,
    );
  }
  if (applied > latest) {
    throw new SchemaError(
      `${where} is at schema version ${applied}, newer than this adapter's ${latest}: deploy the newer adapter, or restore a matching backup`,
    );
  }
}
