import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { compareClaimsFile, explainText } from './settle.ts';
import { claimInput, comparePolicies, type ClaimFile } from '../engine/simulator.ts';
import { loadPolicyDir, loadRegionCatalog } from '../store/shipped-documents.ts';
import { selectPolicy, settle } from '../engine/index.ts';

const root = path.resolve(import.meta.dirname, '../..');
const claim = (f: string): ClaimFile => JSON.parse(fs.readFileSync(path.join(root, 'policies/examples', f), 'utf8'));

test('simulator: the village clinic claim settles 12.28 / 5.27 and explains its steps', () => {
  const c = claim('village-clinic.claim.json');
  const policy = selectPolicy(loadPolicyDir(), '430700', '390', c.visit.setl_date)!;
  const input = claimInput(c, loadRegionCatalog('430700'));
  const s = settle(policy, input);
  assert.deepEqual([s.setlinfo.fund_pay_sumamt, s.setlinfo.psn_part_amt], [1228, 527]);
  const text = explainText(s, input.lines);
  assert.match(text, /两病/);
  assert.match(text, /hifp_pay\s+12\.28/);
});

test('simulator: comparing Jiujiang 2026a with the falling deductible of 2026b costs the fund more and nobody pays more', () => {
  const policies = loadPolicyDir();
  const from = policies.find((p) => p.policy_id === '360400-310-2026a')!;
  const to = policies.find((p) => p.policy_id === '360400-310-2026b')!;
  const claims = fs
    .readFileSync(path.join(root, 'policies/examples/jiujiang-employees-2026.claims.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ClaimFile);
  const catalog = loadRegionCatalog('360400');
  const r = comparePolicies(from, to, claims, () => catalog);
  assert.equal(r.refused.from + r.refused.to, 0);
  assert.ok(Number(r.fund.difference) > 0);
  const everyone = r.persons_by_group[0]!;
  assert.equal(everyone.group, 'all');
  assert.equal(everyone.more, 0);
  assert.ok(everyone.less > 0);
  assert.equal(everyone.more + everyone.less + everyone.same, r.persons);
  assert.equal(Number(r.fund.difference) + Number(r.patient.difference), 0, 'what the fund pays more the patients pay less');
  assert.ok(r.largest.length > 0 && r.largest[0]!.to.steps !== null, 'the largest changes come with their steps');
  // Same policy on both sides: no difference at all.
  const same = comparePolicies(from, from, claims, () => catalog);
  assert.equal(same.fund.difference, '0.00');
  assert.equal(same.persons_by_group[0]!.same, same.persons);
  assert.deepEqual(same.largest, []);
});

test('compare streams a JSONL file over worker threads by person: the same report as the claims in memory, and a bad line named by its number', async () => {
  const policies = loadPolicyDir();
  const from = policies.find((p) => p.policy_id === '360400-310-2026a')!;
  const to = policies.find((p) => p.policy_id === '360400-310-2026b')!;
  const spec = { from: JSON.parse(fs.readFileSync(path.join(root, 'policies/360400-310-2026a.json'), 'utf8')), to: JSON.parse(fs.readFileSync(path.join(root, 'policies/360400-310-2026b.json'), 'utf8')) };
  const file = path.join(root, 'policies/examples/jiujiang-employees-2026.claims.jsonl');
  const claims = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ClaimFile);
  const catalog = loadRegionCatalog('360400');
  const inMemory = { from: from.policy_id, to: to.policy_id, ...comparePolicies(from, to, claims, () => catalog) };
  assert.ok(inMemory.persons > 1 && inMemory.persons_by_group[0]!.less > 0, 'several persons, some paying less');
  for (const workers of [1, 2, 3]) assert.deepEqual(await compareClaimsFile(spec, file, { workers }), inMemory, `${workers} workers`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-compare-'));
  try {
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, `${JSON.stringify(claims[0])}\n\n{"visit": \n`);
    await assert.rejects(compareClaimsFile(spec, bad, { workers: 2 }), (err: Error) => err.message.includes(`${bad}:3`) && /not a JSON claim/.test(err.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
