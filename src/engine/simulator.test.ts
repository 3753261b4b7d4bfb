import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffDocuments, parseClaims } from './simulator.ts';
import { YibaoError } from './errors.ts';

const claim = (psn: string): Record<string, unknown> => ({ visit: {}, person: { psn_no: psn }, feedetail: [] });
const psnNos = (text: string): unknown[] => parseClaims(text).map((c) => c.person.psn_no);

test('simulator: a claim file is one claim, a JSON array, a pretty-printed claim or JSON lines', () => {
  assert.deepEqual(psnNos(JSON.stringify(claim('a'))), ['a']);
  assert.deepEqual(psnNos(JSON.stringify([claim('a'), claim('b')])), ['a', 'b']);
  assert.deepEqual(psnNos(JSON.stringify(claim('a'), null, 2)), ['a'], 'a claim over several lines is one claim');
  assert.deepEqual(psnNos(`${JSON.stringify(claim('a'))}\n\n${JSON.stringify(claim('b'))}\n`), ['a', 'b']);
});

test('simulator: an empty or broken claim file is refused naming the claims', () => {
  for (const text of ['', '  \n', '{"visit":', '[1,']) {
    assert.throws(() => parseClaims(text), (e: unknown) => e instanceof YibaoError && e.kind === 'invalid' && e.details[0]?.field === 'claims', JSON.stringify(text));
  }
});

test('simulator: two documents differ leaf by leaf, arrays by position, a missing leaf as null', () => {
  const from = { policy_id: 'p', deductible: { fen: 100 }, bands: [1, 2], note: 'x' };
  const to = { policy_id: 'p', deductible: { fen: 80 }, bands: [1, 3, 4] };
  assert.deepEqual(diffDocuments(from, to), [
    { path: '/deductible/fen', from: 100, to: 80 },
    { path: '/bands/1', from: 2, to: 3 },
    { path: '/bands/2', from: null, to: 4 },
    { path: '/note', from: 'x', to: null },
  ]);
  assert.deepEqual(diffDocuments(from, from), []);
  assert.deepEqual(diffDocuments(1, 2), [{ path: '/', from: 1, to: 2 }]);
});
