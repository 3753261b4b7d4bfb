// The strict lint, with type information (test/lint.test.ts runs it in `npm test`):
// - no floating promises: a promise nobody awaits loses its error (node:test's test() and
//   describe() are known to be safe: the runner awaits them);
// - exhaustive switches over unions: a new code or kind must be handled wherever it is switched on;
// - explicit types at module boundaries: what a module exports says what it returns.
// typescript-eslint resolves from this folder, with the TypeScript 5 of its own (package.json).
import path from 'node:path';
import tseslint from 'typescript-eslint';

const root = path.resolve(import.meta.dirname, '../..');

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'tools/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: [path.join(root, 'tsconfig.json'), path.join(root, 'web/tsconfig.json')], tsconfigRootDir: root },
    },
    // Only these rules run, so a directive for another rule (no-control-regex) is not "unused".
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
    },
  },
);
