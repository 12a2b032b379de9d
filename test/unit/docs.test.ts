import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_VARIABLES } from '../../src/config';

// The documentation the repository carries is held to the code and to itself.
const root = join(__dirname, '..', '..');

test('.env.example documents exactly the variables the adapter reads, each once', () => {
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  // `NAME=value` or `# NAME=default`: the lines that document a variable.
  const documented = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
  expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
});

test('every link in the README and docs/ points at a file in the repository', () => {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
  const files = ['README.md', ...docs.map((f) => join('docs', f))];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#<>]+)(?:#[^)]*)?\)/g)) {
      if (/^https?:/.test(target!)) continue;
      expect([file, existsSync(join(root, dirname(file), target!))]).toEqual([file, true]);
    }
  }
});
