// The layers CI enforces (.dependency-cruiser.cjs, drawn in docs/architecture.md): the
// project's own imports break no rule, and the rule does catch an upward import, a type-only
// one, one from a page and a cycle, shown on a small tree made for the purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const CONFIG = path.join(root, '.dependency-cruiser.cjs');
const CRUISER = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  rule: string;
  from: string;
  to: string;
  cycle: string[];
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(full, out);
    else if (/\.tsx?$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Runs dependency-cruiser with the project's rules over these directories (paths relative to cwd). */
function cruise(cwd: string, dirs: string[]): Violation[] {
  // The files are listed, not the directories: without TypeScript's compiler API the cruiser
  // would skip .ts files when it walks a directory itself.
  const files = dirs.flatMap((d) => sourceFiles(path.join(cwd, d))).map((f) => path.relative(cwd, f));
  const run = spawnSync(process.execPath, [CRUISER, '--config', CONFIG, '--output-type', 'json', ...files], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.error, undefined);
  assert.ok(run.stdout.startsWith('{'), `dependency-cruiser did not answer in JSON:\n${run.stderr}`);
  const result = JSON.parse(run.stdout) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string; cycle?: Array<{ name: string }> }> } };
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to, cycle: (v.cycle ?? []).map((c) => c.name) }));
}

/** One line per violation: the rule, who imports whom, and the way round a cycle. */
const readable = (vs: readonly Violation[]): string =>
  vs.map((v) => `  ${v.rule}: ${v.from} → ${v.to}${v.cycle.length > 0 ? `  (cycle: ${[v.from, ...v.cycle].join(' → ')})` : ''}`).join('\n');

test('layers: src and web/src break no layer rule and hold no import cycle', () => {
  const violations = cruise(root, ['src', 'web/src']);
  assert.equal(violations.length, 0, `upward imports or cycles (rules in .dependency-cruiser.cjs, layers in docs/architecture.md):\n${readable(violations)}`);
});

test('layers: an upward import, a type-only one, a page reaching the store and a cycle are each reported', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-layers-'));
  try {
    const write = (file: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write('src/engine/price.ts', "import type { Row } from '../store/rows.ts';\nexport const price = (r: Row): number => r.fen;\n");
    write('src/store/rows.ts', "import { price } from '../engine/price.ts';\nexport interface Row { fen: number }\nexport const total = (rs: Row[]): number => rs.reduce((s, r) => s + price(r), 0);\n");
    write('src/store/fine.ts', "import { price } from '../engine/price.ts';\nexport const one = price({ fen: 1 });\n");
    write('src/cli/main.ts', 'export const command = 1;\n');
    write('src/server/route.ts', "import { command } from '../cli/main.ts';\nexport const route = command;\n");
    write('web/src/page.tsx', "import { total } from '../../src/store/rows.ts';\nexport const Page = (): JSX.Element => <p>{total([])}</p>;\n");
    const found = cruise(dir, ['src', 'web/src']);
    // The cycle goes through a type-only import, and is reported once, from where the cruiser met it first.
    const pairs = found.map((v) => `${v.rule}: ${v.from} → ${v.to}`).sort();
    assert.deepEqual(
      pairs,
      [
        'engine-is-pure: src/engine/price.ts → src/store/rows.ts',
        'no-cycle: src/engine/price.ts → src/store/rows.ts',
        'server-is-an-adapter: src/server/route.ts → src/cli/main.ts',
        'web-over-engine: web/src/page.tsx → src/store/rows.ts',
      ],
      readable(found),
    );
    assert.match(readable(found), /no-cycle: src\/engine\/price\.ts → src\/store\/rows\.ts {2}\(cycle: src\/engine\/price\.ts → src\/store\/rows\.ts → src\/engine\/price\.ts\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
