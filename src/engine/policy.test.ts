import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { checkPolicySet, diseaseLookupFromTable, loadPolicy, selectPolicy, type Policy, type PolicyDocument } from './policy.ts';
import { residentPolicyDoc } from './testing.ts';
import { YibaoError } from './errors.ts';

const root = path.resolve(import.meta.dirname, '../..');
const lookup = diseaseLookupFromTable(JSON.parse(fs.readFileSync(path.join(root, 'catalogs/icd/diagnoses.json'), 'utf8')));

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof YibaoError) return e.details.map((d) => d.field);
    throw e;
  }
  return [];
}

test('the disease lookup knows table codes and their categories, nothing else', () => {
  assert.ok(lookup('I10.x00'));
  assert.ok(lookup('E11'));
  assert.ok(lookup('N18.500'));
  assert.ok(!lookup('N18.5'));
  assert.ok(!lookup('XYZ'));
});

test('every demo policy loads, and the set has no overlapping periods', () => {
  const dir = path.join(root, 'policies');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  const policies = files.map((f) => loadPolicy(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), lookup));
  assert.ok(policies.length >= 32);
  checkPolicySet(policies);
  const regions = new Set(policies.map((p) => p.admdvs));
  for (const r of ['360400', '360300', '360700', '360900', '360800', '430100', '430200', '430300', '430600', '431000', '430700', '430900', '510600', '110000', '120000', '130700']) {
    assert.ok(regions.has(r), r);
    assert.ok(selectPolicy(policies, r, '390', '2026-11-23'), `${r} residents`);
    assert.ok(selectPolicy(policies, r, '310', '2026-11-23'), `${r} employees`);
  }
  // Versioning: Jiujiang's employees change policy on 1 July.
  assert.equal(selectPolicy(policies, '360400', '310', '2026-06-30')!.policy_id, '360400-310-2026a');
  assert.equal(selectPolicy(policies, '360400', '310', '2026-07-01')!.policy_id, '360400-310-2026b');
  // The newest version stays in force until a later one replaces it: the demo does not expire on 1 January.
  assert.equal(selectPolicy(policies, '360400', '310', '2027-01-01')!.policy_id, '360400-310-2026b');
  assert.equal(selectPolicy(policies, '360400', '310', '2025-12-31'), undefined);
  for (const p of policies) assert.ok(p.effective_to === null || p.effective_to >= p.effective_from);
  // Every demo document says where its figures come from.
  for (const f of files) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as PolicyDocument;
    assert.ok(doc.source.length > 20 && (doc.note ?? '').includes('demo'), f);
  }
});

test('a wrong document is refused with every problem listed by path', () => {
  const d = residentPolicyDoc();
  d.outpatient.ratio_bp_by_lv['1'] = 12000; // ratio above 100%
  d.inpatient.annual_cap_yuan = 1.234; // three decimals
  d.serious_illness!.tiers = [
    { from_yuan: 17000, ratio_bp: 6000 },
    { from_yuan: 50000, ratio_bp: 7000 },
    { from_yuan: 40000, ratio_bp: 8000 }, // out of order
  ];
  d.chronic.diseases[0]!.dise_codes = ['I10', 'Q99.999']; // unknown code
  d.effective_to = '2025-12-31'; // before effective_from
  d.cross_region.unfiled.ratio_cut_bp = 10001;
  const fields = problems(() => loadPolicy(d, lookup));
  assert.deepEqual(
    [...fields].sort(),
    [
      '/chronic/diseases/0/dise_codes/1',
      '/cross_region/unfiled/ratio_cut_bp',
      '/effective_to',
      '/inpatient/annual_cap_yuan',
      '/outpatient/ratio_bp_by_lv/1',
      '/serious_illness/tiers/2/from_yuan',
    ].sort(),
  );
});

test('structural problems are listed together too, before semantic checks', () => {
  const d = residentPolicyDoc() as unknown as Record<string, unknown>;
  d['insutype'] = '999';
  d['version'] = 0;
  d['extra_field'] = true;
  delete d['inpatient'];
  const fields = problems(() => loadPolicy(d, lookup));
  for (const f of ['/insutype', '/version', '/inpatient', '/extra_field']) assert.ok(fields.includes(f), `${f} in ${fields.join(', ')}`);
});

test('overlapping periods across a set are refused', () => {
  const a = loadPolicy(residentPolicyDoc(), lookup);
  const bDoc = residentPolicyDoc();
  bDoc.policy_id = 'test-390-b';
  bDoc.effective_from = '2026-12-01';
  bDoc.effective_to = null;
  const b = loadPolicy(bDoc, lookup);
  assert.deepEqual(problems(() => checkPolicySet([a, b])), ['/1/effective_from']);
  const cDoc = residentPolicyDoc();
  cDoc.effective_from = '2027-01-01';
  cDoc.effective_to = null;
  checkPolicySet([a, loadPolicy(cDoc, lookup)]);
  // Another region or insurance type may share the period.
  const dDoc = residentPolicyDoc();
  dDoc.admdvs = '430700';
  checkPolicySet([a, loadPolicy(dDoc, lookup)]);
});

type Fault = { path: string; apply: (d: PolicyDocument) => void };
const FAULTS: Fault[] = [
  { path: '/outpatient/ratio_bp_by_lv/9', apply: (d) => (d.outpatient.ratio_bp_by_lv['9'] = 10500) },
  { path: '/outpatient/annual_cap_yuan', apply: (d) => (d.outpatient.annual_cap_yuan = '12.345') },
  { path: '/inpatient/ratio_bp_by_lv/3', apply: (d) => (d.inpatient.ratio_bp_by_lv['3'] = 20000) },
  { path: '/chronic/diseases/0/dise_codes/0', apply: (d) => (d.chronic.diseases[0]!.dise_codes[0] = 'ZZZ.999') },
  { path: '/two_diseases/diseases/1/dise_codes/0', apply: (d) => (d.two_diseases!.diseases[1]!.dise_codes[0] = 'E99.999x999') },
  { path: '/serious_illness/tiers/0/from_yuan', apply: (d) => (d.serious_illness!.tiers[0]!.from_yuan = 1) },
  { path: '/assistance/groups/0/ratio_bp', apply: (d) => (d.assistance!.groups[0]!.ratio_bp = 10001) },
  { path: '/assistance/reassistance/annual_cap_yuan', apply: (d) => (d.assistance!.reassistance!.annual_cap_yuan = 0.001) },
  { path: '/tilts/0/serious_illness_ratio_plus_bp', apply: (d) => (d.tilts[0]!.serious_illness_ratio_plus_bp = 5000) },
  { path: '/separately_paid/ratio_bp', apply: (d) => (d.separately_paid!.ratio_bp = 10001) },
  { path: '/cross_region/emergency/extra_preselfpay_bp', apply: (d) => (d.cross_region.emergency.extra_preselfpay_bp = 10001) },
];

test('property: any combination of faults is refused with each fault named', () => {
  fc.assert(
    fc.property(fc.subarray(FAULTS, { minLength: 1 }), (faults) => {
      const d = residentPolicyDoc();
      for (const f of faults) f.apply(d);
      const fields = problems(() => loadPolicy(d, lookup));
      for (const f of faults) assert.ok(fields.includes(f.path), `${f.path} missing from ${fields.join(', ')}`);
      assert.equal(fields.length, faults.length, fields.join(', '));
    }),
    { numRuns: 200 },
  );
});

test('a clean document compiles to fen and basis points', () => {
  const p: Policy = loadPolicy(residentPolicyDoc(), lookup);
  assert.equal(p.inpatient.annual_cap_fen, 10_000_000);
  assert.equal(p.outpatient.ratio_bp_by_lv['9'], 7000);
  assert.equal(p.inpatient.ratio_bp_by_lv['9'], null);
  assert.equal(p.serious_illness!.tiers[0]!.from_fen, 1_700_000);
});
