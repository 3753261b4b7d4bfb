import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

// package.json promises Node 20.19; every locked package must agree, or `npm ci` warns
// (EBADENGINE) on the machines the platform is meant for. npm itself judges, on a copy of
// package.json and package-lock.json, without installing anything.

const root = path.resolve(import.meta.dirname, '..');

test('npm ci accepts every locked package on this Node (no EBADENGINE)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-engines-'));
  try {
    for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(root, file), path.join(dir, file));
    const cli = process.env.npm_execpath; // set when the tests run through `npm test`
    const npm = cli?.endsWith('npm-cli.js') ? [process.execPath, cli] : ['npm'];
    const run = spawnSync(npm[0]!, [...npm.slice(1), 'ci', '--dry-run', '--offline', '--ignore-scripts', '--engine-strict', '--no-audit', '--no-fund', '--cache', path.join(dir, 'cache')], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, /EBADENGINE/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
