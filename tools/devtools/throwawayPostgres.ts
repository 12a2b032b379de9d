import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './freePort';

export interface ThrowawayPostgres {
  /** Admin URL (database `postgres`). */
  url: string;
  port: number;
  /** A new empty database; its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown), keeping its data. */
  stop(): void;
  /** Starts it again on the same port and data. */
  start(): void;
  /** Stops it and deletes its data. */
  destroy(): void;
}

/** The newest PostgreSQL server binaries on this machine (Debian: /usr/lib/postgresql/N/bin). */
export function findPostgresBin(): string {
  const fromEnv = process.env['PG_BIN'];
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL server binaries not found: `apt-get install -y postgresql` (or set PG_BIN to the directory with initdb and pg_ctl, or TEST_DATABASE_URL to an existing server)',
    );
  }
  return join(root, versions[0]!, 'bin');
}

/**
 * A private PostgreSQL server for tests and benchmarks: initdb in a temporary directory, on a
 * free loopback port, trust authentication. PostgreSQL refuses to run as root, so as root it
 * runs as the `postgres` user the Debian package creates.
 */
export async function startThrowawayPostgres(
  options: { fsync?: boolean } = {},
): Promise<ThrowawayPostgres> {
  const bin = findPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'adapter-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    `-c listen_addresses=127.0.0.1`,
    `-c max_connections=200`,
    ...(options.fsync === false ? ['-c fsync=off', '-c synchronous_commit=off'] : []),
  ].join(' ');
  const start = () =>
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', 'start']);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    createDatabase: (prefix) => createDatabaseOn(url, prefix),
    stop,
    start,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new database on the server at `adminUrl` (an existing server, e.g. TEST_DATABASE_URL). */
export async function createDatabaseOn(adminUrl: string, prefix = 'adapter_test'): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
