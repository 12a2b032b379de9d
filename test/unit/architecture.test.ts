import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { cycles, partGraph, type Part } from '../support/importGraph';

const SRC = join(__dirname, '..', '..', 'src');
const layers = z
  .object({ layers: z.array(z.array(z.string())) })
  .parse(JSON.parse(readFileSync(join(__dirname, '..', '..', 'layers.json'), 'utf8'))).layers;
const rank = new Map<Part, number>(layers.flatMap((layer, i) => layer.map((part) => [part, i])));

describe("src/'s folders (layers.json, docs/architecture.md)", () => {
  const graph = partGraph(SRC);

  it('import each other in no loop', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('each have a layer', () => {
    expect([...graph.keys()].filter((part) => !rank.has(part))).toEqual([]);
  });

  it('import only from layers below their own', () => {
    const upward = [...graph].flatMap(([from, targets]) =>
      [...targets]
        .filter((to) => (rank.get(to) ?? Infinity) >= (rank.get(from) ?? -Infinity))
        .map((to) => `${from} → ${to}`),
    );
    expect(upward).toEqual([]);
  });
});

describe('the import graph', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'import-graph-'));
    const files: Record<string, string> = {
      'a/one.ts': "import { two } from '../b/two';\nexport const one = two;",
      'b/two.ts': "import type { three } from '../c';\nexport const two = 2;",
      'c.ts': "export { one } from './a/one';\nexport const three = 3;",
      'd/four.ts': "import { one } from '../a/one';\nimport { five } from './five';",
      'd/five.ts': "export const five = require('../c.ts');",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds a loop through folders and a file directly in the root', () => {
    const graph = partGraph(root);
    expect(graph.get('d/')).toEqual(new Set(['a/', 'c']));
    expect(cycles(graph)).toEqual([['a/', 'b/', 'c']]);
  });
});
