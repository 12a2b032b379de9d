import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * src/'s layers, lowest first (layers.json, explained in docs/architecture.md, "Layers"): a
 * folder (or a file directly in src/) may import only from layers below its own, so no two
 * folders can import each other. test/unit/architecture.test.ts checks the same table.
 */
const LAYERS = JSON.parse(readFileSync(new URL('./layers.json', import.meta.url), 'utf8')).layers;

const NOT_TOOLING = {
  group: ['**/tools/**', '**/test/**'],
  message: 'src/ is the service: it may not import tools/ or test/.',
};

function layerRules() {
  return LAYERS.flatMap((layer, rank) =>
    layer.map((part) => {
      const notBelow = LAYERS.slice(rank)
        .flat()
        .filter((other) => other !== part)
        .map((other) => (other.endsWith('/') ? `**/${other}**` : `**/${other}`));
      const layering = {
        group: notBelow,
        message: `src/${part} is in layer ${rank} of docs/architecture.md ("Layers"): it may import only from the layers below.`,
      };
      return {
        files: [part.endsWith('/') ? `src/${part}**/*.ts` : `src/${part}.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            { patterns: notBelow.length > 0 ? [NOT_TOOLING, layering] : [NOT_TOOLING] },
          ],
        },
      };
    }),
  );
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'build/**',
      'node_modules/**',
      'coverage/**',
      'scripts/**/*.js',
      'tools/bin/*.js',
      '*.config.js',
      '*.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // `typeof import('./x')` stays allowed: it types a module required lazily (tracing).
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    // The service never depends on its tooling: dist/ must run with production dependencies.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NOT_TOOLING] }],
      // No function longer than a screen or three (docs/architecture.md, "Layers").
      'max-lines-per-function': ['error', { max: 150, IIFEs: true }],
      'no-console': 'error',
    },
  },
  ...layerRules(),
);
