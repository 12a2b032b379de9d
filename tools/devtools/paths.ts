import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's root: the nearest folder above this file with a package.json. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const REPO_ROOT = findRoot(__dirname);

/** A file of the production build (`npm run build` → dist/), as `npm start` runs it. */
export const distFile = (...parts: string[]): string => join(REPO_ROOT, 'dist', ...parts);

/** An admin entry point (scripts/), which runs the production build. */
export const scriptFile = (name: string): string => join(REPO_ROOT, 'scripts', name);
