// The strict lint (tools/lint/eslint.config.mjs: floating promises, exhaustive switches,
// return types of exported functions) over all the project's TypeScript, in `npm test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

test('lint: typescript-eslint with type information finds nothing in src, web/src, test, bench and scripts', () => {
  const run = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--config', path.join(root, 'tools/lint/eslint.config.mjs'), '--no-config-lookup', '--max-warnings', '0', 'src', 'web/src', 'test', 'bench', 'scripts'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  assert.equal(run.error, undefined);
  assert.equal(run.status, 0, `the lint found problems (rules in tools/lint/eslint.config.mjs):\n${run.stdout}${run.stderr}`);
});
