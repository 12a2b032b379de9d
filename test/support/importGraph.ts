import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A part of src/: a folder (`store/`) or a file directly in it (`config`). */
export type Part = string;

const RELATIVE_IMPORT =
  /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]*)['"]/g;

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function partOf(root: string, file: string): Part {
  const [first, ...rest] = relative(root, file).split(sep);
  return rest.length === 0 ? (first ?? '').replace(/\.ts$/, '') : `${first}/`;
}

/** Which parts each part imports (relative imports only; a part's imports of itself left out). */
export function partGraph(root: string): Map<Part, Set<Part>> {
  const graph = new Map<Part, Set<Part>>();
  for (const file of typeScriptFiles(root)) {
    const from = partOf(root, file);
    if (!graph.has(from)) graph.set(from, new Set());
    for (const match of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), match[1] ?? '').replace(/\.[cm]?[jt]s$/, '');
      if (relative(root, target).startsWith('..')) continue;
      const to = partOf(root, `${target}.ts`);
      if (to !== from) graph.get(from)?.add(to);
    }
  }
  return graph;
}

/** The graph's cycles: each strongly connected set of two or more parts (Tarjan). */
export function cycles(graph: Map<Part, Set<Part>>): Part[][] {
  const index = new Map<Part, number>();
  const low = new Map<Part, number>();
  const stack: Part[] = [];
  const found: Part[][] = [];
  const visit = (part: Part): void => {
    index.set(part, index.size);
    low.set(part, index.get(part) ?? 0);
    stack.push(part);
    for (const next of graph.get(part) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(part, Math.min(low.get(part) ?? 0, low.get(next) ?? 0));
      } else if (stack.includes(next)) {
        low.set(part, Math.min(low.get(part) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(part) !== index.get(part)) return;
    const component: Part[] = [];
    let top: Part | undefined;
    do {
      top = stack.pop();
      if (top !== undefined) component.push(top);
    } while (top !== undefined && top !== part);
    if (component.length > 1) found.push(component.sort());
  };
  for (const part of graph.keys()) if (!index.has(part)) visit(part);
  return found;
}
