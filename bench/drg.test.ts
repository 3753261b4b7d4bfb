import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileScheme } from '../src/engine/drg/scheme.ts';
import { groupCase } from '../src/engine/drg/group.ts';
import { chsDrg11Scheme } from '../src/store/shipped-documents.ts';
import { generateDrgCases, runDrgBench } from './drg.ts';

// The DRG part of `npm run bench` at a small size: its figures have their shape, the generated
// cases reach the grouper's stages, every DRG they fall into is one of the scheme's, and
// grouping without explanations (the fast path) gives the same result as with them.

const doc = chsDrg11Scheme();
const scheme = compileScheme(doc);

test('the DRG bench runs: figures of the right shape', () => {
  const r = runDrgBench({ cases: 2000, scheme, document: doc });
  assert.equal(r.cases, 2000);
  for (const [k, v] of Object.entries(r)) assert.ok(typeof v === 'number' && Number.isFinite(v) && v >= 0, `${k} is a number`);
  assert.ok(r.drg_group_per_s > 0 && r.reference_per_s > 0 && r.seconds > 0);
  assert.equal(Number((r.grouped_share + r.ungroupable_share).toFixed(4)), 1);
  assert.ok(r.grouped_share > 0.9, `most generated cases group: ${r.grouped_share}`);
  assert.ok(r.drgs_seen > 200, `the cases spread over the scheme: ${r.drgs_seen} DRGs`);
});

test('the generated cases are the same for the same seed and reach every stage', () => {
  const cases = generateDrgCases(doc, 2000);
  assert.deepEqual(generateDrgCases(doc, 50), cases.slice(0, 50));
  const stages = new Set<string>();
  const mdcs = new Set<string>();
  for (const c of cases) {
    assert.ok([...c.diagnoses, ...c.procedures].every((x) => typeof x === 'string' && x !== ''), `${c.id}: codes are strings`);
    const g = groupCase(scheme, c, { explain: true });
    for (const s of g.explanation) stages.add(s.stage);
    if (g.mdc) mdcs.add(g.mdc);
  }
  for (const s of ['pre-mdc', 'newborn', 'mdc', 'adrg', 'complication', 'ungroupable']) assert.ok(stages.has(s), `stage ${s} reached`);
  assert.ok(mdcs.has('MDCA') && mdcs.has('MDCP') && mdcs.size >= 24, [...mdcs].sort().join(' '));
});

test('every grouped DRG exists in the scheme, and explain: false groups every case as explain: true does', () => {
  const known = new Set(doc.drgs.map((d) => d.code));
  for (const c of generateDrgCases(doc, 2000)) {
    const full = groupCase(scheme, c, { explain: true });
    const fast = groupCase(scheme, c, { explain: false });
    if (full.status === 'grouped') assert.ok(known.has(full.drg), `${c.id}: ${full.drg} is a DRG of the scheme`);
    else assert.match(full.drg, /^([A-Z]QY|0000)$/);
    assert.deepEqual([fast.mdc, fast.adrg, fast.drg, fast.status, fast.reason, fast.cc], [full.mdc, full.adrg, full.drg, full.status, full.reason, full.cc], c.id);
    assert.ok(full.explanation.length > 0);
    assert.equal(fast.explanation.length, 0);
  }
});
