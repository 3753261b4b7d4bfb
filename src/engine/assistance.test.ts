// Medical assistance on application: the rules' checks name the field; the amount is explained
// to the fen (the lines add up to it), never above the burden or the yearly cap's room; the
// re-assistance and subsidy arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fc from 'fast-check';
import { computeAssistance, computeReassistance, groupFor, loadAssistanceRules, payableNow, remainingOf, subsidyFor, type AssistanceRulesDocument, type SettlementBurden } from './assistance.ts';
import { YibaoError } from './errors.ts';

const shipped = (): AssistanceRulesDocument => JSON.parse(fs.readFileSync(new URL('../../assistance-rules/430200-2026.json', import.meta.url), 'utf8')) as AssistanceRulesDocument;

function fields(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof YibaoError, String(e));
    return e.details.map((d) => d.field);
  }
  assert.fail('expected a refusal');
}

test('the shipped rules load; review, notice and payment fit in the 10 working days', () => {
  for (const f of fs.readdirSync(new URL('../../assistance-rules/', import.meta.url))) {
    const r = loadAssistanceRules(JSON.parse(fs.readFileSync(new URL(`../../assistance-rules/${f}`, import.meta.url), 'utf8')));
    assert.equal(r.clocks.total_days, 10, f);
    assert.ok(r.clocks.pay_days >= 1, f);
    assert.equal(r.clocks.review_days + r.clocks.notice_days + r.clocks.pay_days, r.clocks.total_days);
  }
});

test('bad rules are refused with every problem named by its JSON path', () => {
  const d = shipped();
  assert.deepEqual(fields(() => loadAssistanceRules({ ...d, clocks: { ...d.clocks, notice_days: 8 } })), ['/clocks/total_days']);
  assert.deepEqual(fields(() => loadAssistanceRules({ ...d, groups: [...d.groups, d.groups[0]] })), ['/groups/7/identity']);
  assert.deepEqual(fields(() => loadAssistanceRules({ ...d, groups: [{ ...d.groups[0]!, ratio_bp: 0 }] })), ['/groups/0/ratio_bp']);
  assert.deepEqual(fields(() => loadAssistanceRules({ ...d, groups: [{ ...d.groups[0]!, annual_cap_fen: -1 }] })), ['/groups/0/annual_cap_fen']);
  assert.deepEqual(fields(() => loadAssistanceRules({ ...d, groups: [{ ...d.groups[0]!, identity: 'rich' }] })), ['/groups/0/identity']);
  assert.deepEqual(fields(() => loadAssistanceRules({ ...d, subsidies: { ...d.subsidies, groups: [{ identity: 'orphan', share_bp: 10001 }] } })), ['/subsidies/groups/0/share_bp']);
  const { clocks: _c, ...noClocks } = d;
  assert.deepEqual(fields(() => loadAssistanceRules(noClocks)), ['/clocks']);
});

const rules = loadAssistanceRules(shipped());
const burden = (id: string, inscp: number, hifp: number, maf = 0): SettlementBurden => ({ setl_id: id, setl_date: '2026-03-01', inscp_scp_amt: inscp, hifp_pay: hifp, hifmi_pay: 0, hifob_pay: 0, cvlserv_pay: 0, maf_pay: maf });

test('an amount explained to the fen: burden, deductible, ratio, cap', () => {
  // 低保边缘: deductible 1000 yuan, 60%
  const e = computeAssistance(rules, { groups: ['low_income_edge'], settlements: [burden('S1', 1_000_000, 600_000), burden('S2', 200_000, 120_000, 10_000)], outside: [{ description: '药店购药', accepted_fen: 50_000 }], year_paid_fen: 0, deductible_used_fen: 0 });
  assert.equal(e.identity, 'low_income_edge');
  assert.equal(e.burden_fen, 400_000 + 70_000 + 50_000);
  const line = (s: string) => e.lines.find((l) => l.step === s)!.amount_fen;
  assert.equal(line('deductible'), 100_000);
  assert.equal(line('ratio'), Math.floor((520_000 - 100_000) * 0.6));
  assert.equal(e.amount_fen, 252_000);
  assert.equal(e.lines.at(-1)!.step, 'amount');
  // a person of several groups is judged by the most favourable one
  assert.equal(groupFor(rules, ['low_income_edge', 'minimum_living'])!.identity, 'minimum_living');
  // no eligible group: nothing, with the reason
  const none = computeAssistance(rules, { groups: [], settlements: [burden('S1', 100, 0)], outside: [], year_paid_fen: 0, deductible_used_fen: 0 });
  assert.equal(none.amount_fen, 0);
  assert.ok(none.lines.some((l) => l.step === 'not_eligible'));
});

test('at the cap boundary: the room left is paid, not a fen more; at payment a later cap cuts it', () => {
  const cap = rules.groups.find((g) => g.identity === 'extreme_poverty')!.annual_cap_fen;
  const e = computeAssistance(rules, { groups: ['extreme_poverty'], settlements: [burden('S1', 10_000_000, 0)], outside: [], year_paid_fen: cap - 1, deductible_used_fen: 0 });
  assert.equal(e.amount_fen, 1);
  assert.equal(computeAssistance(rules, { groups: ['extreme_poverty'], settlements: [burden('S1', 10_000_000, 0)], outside: [], year_paid_fen: cap, deductible_used_fen: 0 }).amount_fen, 0);
  assert.deepEqual(payableNow(500, 1000, 700), { pay_fen: 300, cut_fen: 200 });
  assert.deepEqual(payableNow(500, 1000, 1000), { pay_fen: 0, cut_fen: 500 });
});

test('property: never above the cap\'s room nor the burden; the explanation adds up to the amount', () => {
  const s = fc.record({ inscp: fc.integer({ min: 0, max: 5_000_000 }), hifp: fc.integer({ min: 0, max: 5_000_000 }), maf: fc.integer({ min: 0, max: 1_000_000 }) });
  fc.assert(fc.property(
    fc.array(s, { maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 3 }),
    fc.constantFrom('extreme_poverty', 'minimum_living', 'low_income_edge', 'severe_disability', 'monitored'),
    fc.integer({ min: 0, max: 8_000_000 }), fc.integer({ min: 0, max: 200_000 }),
    (ss, outs, group, paid, dedUsed) => {
      const settlements = ss.map((x, i) => burden(`S${i}`, x.inscp, x.hifp, x.maf));
      const e = computeAssistance(rules, { groups: [group], settlements, outside: outs.map((o) => ({ description: 'x', accepted_fen: o })), year_paid_fen: paid, deductible_used_fen: dedUsed });
      const g = groupFor(rules, [group])!;
      const items = e.lines.filter((l) => l.step === 'settlement' || l.step === 'outside').reduce((a, l) => a + l.amount_fen, 0);
      assert.equal(items, e.burden_fen, 'the items add up to the burden');
      assert.equal(e.burden_fen, settlements.reduce((a, x) => a + remainingOf(x), 0) + outs.reduce((a, o) => a + o, 0));
      const at = (st: string) => e.lines.find((l) => l.step === st)!.amount_fen;
      assert.equal(at('ratio'), Math.floor(((e.burden_fen - at('deductible')) * g.ratio_bp) / 10_000), 'ratio on the burden less the deductible');
      assert.equal(e.amount_fen, Math.min(at('ratio'), at('cap')), 'the amount is the smaller of the ratio\'s and the cap\'s room');
      assert.ok(e.amount_fen + paid <= Math.max(g.annual_cap_fen, paid), 'the year never goes above the cap');
      assert.ok(e.amount_fen <= e.burden_fen);
      assert.equal(e.lines.at(-1)!.amount_fen, e.amount_fen);
    },
  ), { numRuns: 500 });
});

test('re-assistance: the year\'s burden above the threshold at its ratio, within its cap; subsidies by the largest share', () => {
  const ra = rules.reassistance!;
  const e = computeReassistance(rules, { groups: [], settlements: [burden('S1', 8_000_000, 3_000_000)], applications_paid_fen: 1_000_000, reassistance_paid_fen: 0 });
  assert.equal(e.burden_fen, 4_000_000);
  assert.equal(e.amount_fen, Math.min(Math.floor((4_000_000 - ra.burden_threshold_fen) * ra.ratio_bp / 10_000), ra.annual_cap_fen));
  assert.equal(computeReassistance(rules, { groups: [], settlements: [burden('S1', 8_000_000, 3_000_000)], applications_paid_fen: 0, reassistance_paid_fen: ra.annual_cap_fen }).amount_fen, 0);
  assert.deepEqual(subsidyFor(rules, ['minimum_living']), { identity: 'minimum_living', share_bp: 7000, amount_fen: 28_000 });
  assert.equal(subsidyFor(rules, ['minimum_living', 'extreme_poverty'])!.amount_fen, 40_000);
  assert.equal(subsidyFor(rules, ['low_income_edge']), null);
});
