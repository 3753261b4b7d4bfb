import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { caseFromLine, groupLines, parseGroupArgs, schemeById } from './group.ts';

// `yibao group` on a small file: a stroke, a laparoscopic appendectomy, a heart transplant and a
// line without diagnoses, run as the real command (its stdout, stderr and exit code).

const root = path.resolve(import.meta.dirname, '../..');
const adult = { gend: 1, age: 62, los_days: 9, dscg_way: '1', procedures: [] };
const lines = [
  JSON.stringify({ ...adult, id: 'stroke', diagnoses: ['I63.900'] }),
  JSON.stringify({ ...adult, id: 'appendix', age: 24, diagnoses: ['K35.800x001'], procedures: ['47.0100'] }),
  '',
  JSON.stringify({ ...adult, id: 'bad', procedures: ['47.0100'] }),
  JSON.stringify({ ...adult, id: 'heart', gend: 2, diagnoses: ['I42.000'], procedures: ['37.5100'], vent_hours: 40 }),
];

test('yibao group parses its flags and names the known schemes for an unknown one', () => {
  assert.deepEqual(parseGroupArgs(['--scheme', 'chs-drg-1.1', '--input', 'a.jsonl']), { scheme: 'chs-drg-1.1', input: 'a.jsonl' });
  assert.deepEqual(parseGroupArgs(['--input', 'a.jsonl', '--scheme', 'x', '--output', 'o.jsonl']), { scheme: 'x', input: 'a.jsonl', output: 'o.jsonl' });
  assert.throws(() => parseGroupArgs(['--input', 'a.jsonl']), /usage: yibao group/);
  assert.throws(() => schemeById('chs-drg-2.0'), /unknown grouping scheme "chs-drg-2\.0"; known schemes: chs-drg-1\.1/);
  assert.throws(() => schemeById('toString'), /unknown grouping scheme/);
});

test('a bad line names its number and every field that is wrong', () => {
  assert.throws(() => caseFromLine('{"id":"x","gend":3,"age":-1,"los_days":2,"diagnoses":[]}', 12), (err: Error) => {
    assert.match(err.message, /line 12: gend/);
    assert.match(err.message, /line 12: age:/);
    assert.match(err.message, /line 12: diagnoses/);
    assert.doesNotMatch(err.message, /los_days/);
    return true;
  });
  assert.throws(() => caseFromLine('{"id": "x",', 3), /line 3: \(json\): not valid JSON/);
  const c = caseFromLine('{"id":7,"gend":"2","age":0,"age_days":3,"birth_weight_g":1800,"los_days":5,"diagnoses":["P07.100"]}', 1);
  assert.deepEqual(c, { id: '7', gend: '2', age: 0, age_days: 3, birth_weight_g: 1800, los_days: 5, diagnoses: ['P07.100'], procedures: [] });
});

test('groupLines streams one grouping a line and counts the bad line as an error', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on('data', (b: Buffer) => chunks.push(b.toString()));
  const logged: string[] = [];
  input.end(lines.join('\n') + '\n');
  const r = await groupLines(schemeById('chs-drg-1.1'), input, output, (l) => logged.push(l), 2);
  assert.deepEqual({ cases: r.cases, grouped: r.grouped, ungroupable: r.ungroupable, errors: r.errors }, { cases: 3, grouped: 3, ungroupable: 0, errors: 1 });
  const out = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as { id: string; drg: string });
  assert.deepEqual(out.map((o) => [o.id, o.drg]), [['stroke', 'BR25'], ['appendix', 'GD25'], ['heart', 'AA19']]);
  assert.ok(logged.some((l) => l.includes('line 4: diagnoses')), logged.join('\n'));
  assert.ok(logged.some((l) => /^4 lines: 2 grouped/.test(l)), 'progress every 2 lines');
});

test('yibao group as a command: BR25, GD2x, AA19 with their explanations; the bad line on stderr; exit code 1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-group-'));
  try {
    const input = path.join(dir, 'cases.jsonl');
    const output = path.join(dir, 'out.jsonl');
    fs.writeFileSync(input, lines.join('\n') + '\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'group', '--scheme', 'chs-drg-1.1', '--input', input, '--output', output], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /line 4: diagnoses/);
    assert.match(run.stderr, /3 cases: 3 grouped, 0 ungroupable, 1 errors; [\d.]+ s, \d+ cases\/s/);
    const out = fs.readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(out.map((o) => Object.keys(o)), out.map(() => ['id', 'mdc', 'adrg', 'drg', 'status', 'explanation']));
    const [stroke, appendix, heart] = out as { id: string; mdc: string; adrg: string; drg: string; status: string; explanation: { stage: string; zh: string; en: string }[] }[];
    assert.deepEqual([stroke!.mdc, stroke!.drg, stroke!.status], ['MDCB', 'BR25', 'grouped']);
    assert.equal(appendix!.adrg, 'GD2');
    assert.match(appendix!.drg, /^GD2[135]$/);
    assert.deepEqual([heart!.mdc, heart!.drg], ['MDCA', 'AA19']);
    assert.ok(heart!.explanation.some((s) => s.stage === 'pre-mdc' && s.en.includes('37.5100') && s.zh.includes('先期分组')));
    for (const o of [stroke!, appendix!, heart!]) assert.ok(o.explanation.length >= 2 && o.explanation.every((s) => s.zh !== '' && s.en !== ''));

    const unknown = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'group', '--scheme', 'nope', '--input', input], { cwd: root, encoding: 'utf8' });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown grouping scheme "nope"; known schemes: chs-drg-1\.1/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
