import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearingSummary, parseClearArgs } from './clear.ts';

test('yibao clear parses its flags', () => {
  assert.deepEqual(parseClearArgs(['--month', '2026-11']), { month: '2026-11', level: 'province', dryRun: false });
  assert.deepEqual(parseClearArgs(['--month', '2026-11', '--level', 'city', '--dry-run']), { month: '2026-11', level: 'city', dryRun: true });
  assert.throws(() => parseClearArgs([]), /usage: yibao clear/);
  assert.throws(() => parseClearArgs(['--month', '2026-11', '--level', 'county']), /province or city/);
});

test('the summary is a table of statements and the net positions', () => {
  const lines = clearingSummary({
    month: '202611', level: 'province', built: true, dry_run: false,
    statements: [{ id: 7, insured_admdvs: '360000', treatment_admdvs: '430000', state: 'drafted', totals: { amount_fen: 20000, count: 2, by_fund: {}, by_insutype: {}, adjustments_fen: 0, adjustments_count: 0 } }],
    positions: [{ admdvs: '360000', net_fen: -20000 }, { admdvs: '430000', net_fen: 20000 }],
    pairs: [{ payer: '360000', payee: '430000', amount_fen: 20000 }],
  });
  assert.equal(lines[2], '7\t360000 → 430000\tdrafted\t2\t0\t200.00');
  assert.ok(lines.includes('  360000 pays 430000\t200.00'));
});
