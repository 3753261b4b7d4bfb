// The sentences an insured person reads for each step of a settlement: every kind of step the
// engine emits has one, in Chinese and in English, and none shows a parameter key, a rule path
// or a raw number in fen or basis points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { diseaseLookupFromTable, loadPolicy, type Policy, type PolicyDocument } from './policy.ts';
import { settle, type ExplanationStep } from './settle.ts';
import { inScopeLine, residentPolicyDoc, settlementInput, type InputOptions } from './testing.ts';
import { plainWords, STEP_KINDS, yuanText } from './explanation-words.ts';
import type { Fen } from './money.ts';

const root = path.resolve(import.meta.dirname, '../..');
const readJson = (p: string): unknown => JSON.parse(fs.readFileSync(path.join(root, p), 'utf8'));
const lookup = diseaseLookupFromTable(readJson('catalogs/icd/diagnoses.json') as Record<string, string>);
const Y = (yuan: number): Fen => Math.round(yuan * 100) as Fen;

/** A line with its four parts: fully self-paid, above the price limit, first self-pay, in scope. */
const line = (sn: string, parts: { full?: number; over?: number; pre?: number; inscp?: number }, extra: Parameters<typeof inScopeLine>[2] = {}) => {
  const [full, over, pre, inscp] = [parts.full ?? 0, parts.over ?? 0, parts.pre ?? 0, parts.inscp ?? 0].map(Y) as [Fen, Fen, Fen, Fen];
  return inScopeLine(sn, (full + over + pre + inscp) as Fen, { fulamt_ownpay_amt: full, overlmt_amt: over, preselfpay_amt: pre, inscp_scp_amt: inscp, ...extra });
};

function residents(edit: (d: PolicyDocument) => void = () => {}): Policy {
  const d = residentPolicyDoc();
  edit(d);
  return loadPolicy(d, lookup);
}

/** The employees' twin of the test policy: personal account, civil-servant subsidy, large-amount subsidy, hospital bears over-limit amounts. */
const employees = residents((d) => {
  d.insutype = '310';
  d.two_diseases = null;
  d.personal_account = { covers_out_of_scope: false };
  d.civil_servant = { psn_types: ['1102'], ratio_bp: 5000, annual_cap_yuan: 10000 };
  d.serious_illness = { fund_pay_type: '330100', basis: 'over_pool_cap', deductible_yuan: 0, tiers: [{ from_yuan: 0, ratio_bp: 9000 }], annual_cap_yuan: 300000 };
  d.inpatient.annual_cap_yuan = 20000;
  d.inpatient.retiree_uplift_bp = 300;
  d.hospital_bears_overlimit = true;
});

/** Claims that between them make the engine emit every kind of step. */
const SCENARIOS: Array<{ name: string; policy: Policy; lines: ReturnType<typeof line>[]; o: InputOptions }> = [
  {
    name: 'resident outpatient elsewhere, two-diseases and separately paid drugs, on the minimum living allowance',
    policy: residents((d) => (d.cross_region.unfiled = { ratio_cut_bp: 2000, extra_preselfpay_bp: 1000 })),
    lines: [line('1', { full: 30, over: 5, pre: 2, inscp: 80 }), line('2', { inscp: 40 }, { two_diseases: 'hypertension' }), line('3', { inscp: 500 }, { separately_paid: true })],
    o: { status: 'unfiled', dise_codes: ['I10.x00'], identities: ['minimum_living'] },
  },
  {
    name: 'resident inpatient stay on the minimum living allowance (critical illness, assistance, re-assistance)',
    policy: residents(),
    lines: [line('1', { full: 800, inscp: 60000 })],
    o: { med_type: '21', hosp_lv: '3', identities: ['minimum_living'] },
  },
  {
    name: 'resident chronic-disease visit',
    policy: residents(),
    lines: [line('1', { inscp: 300 })],
    o: { med_type: '14', dise_codes: ['I10.x00'] },
  },
  {
    name: 'resident inpatient at a level the policy does not cover',
    policy: residents(),
    lines: [line('1', { inscp: 1000 })],
    o: { med_type: '21', hosp_lv: '9' },
  },
  {
    name: 'employee civil servant, retired, long stay beyond the pooled cap, personal account',
    policy: employees,
    lines: [line('1', { full: 100, over: 60, pre: 40, inscp: 40000 })],
    o: { med_type: '21', hosp_lv: '2', insutype: '310', psn_type: '1102', retiree: true, acct_used: true, balance_fen: Y(2000) },
  },
  {
    name: 'employee outpatient with an empty account',
    policy: employees,
    lines: [line('1', { inscp: 20 })],
    o: { insutype: '310', psn_type: '1101', acct_used: true, balance_fen: 0 },
  },
];

function stepsOf(): ExplanationStep[] {
  return SCENARIOS.flatMap((c) => settle(c.policy, settlementInput(c.lines, c.o)).steps);
}

/** What a sentence for the insured must not contain: keys, paths, unrendered values. */
function assertPlain(text: string, lang: 'zh' | 'en', where: string): void {
  assert.ok(text.length > 0, `${where}: empty`);
  assert.doesNotMatch(text, /_bp|bp\b/, `${where}: basis points shown: ${text}`);
  assert.doesNotMatch(text, /[A-Za-z0-9]+_[A-Za-z0-9]+/, `${where}: a snake_case key: ${text}`);
  assert.doesNotMatch(text, /\//, `${where}: a rule path: ${text}`);
  assert.doesNotMatch(text, /undefined|NaN|null|Infinity|true|false|\[object/, `${where}: an unrendered value: ${text}`);
  // Amounts are yuan: a raw fen figure would be a long run of digits without a separator.
  assert.doesNotMatch(text, /\d{4,}/, `${where}: a number not written as yuan (fen?): ${text}`);
  if (lang === 'zh') {
    assert.match(text, /[\u4e00-\u9fff]/, `${where}: not Chinese: ${text}`);
    assert.doesNotMatch(text, /[A-Za-z]/, `${where}: Latin letters in the Chinese sentence: ${text}`);
    assert.match(text, /。$/, `${where}: not a sentence: ${text}`);
  } else {
    assert.doesNotMatch(text, /[\u4e00-\u9fff]/, `${where}: Chinese in the English sentence: ${text}`);
    assert.match(text, /^[A-Z].*\.$/, `${where}: not a sentence: ${text}`);
  }
}

test('the sentences cover exactly the kinds of step the engine emits', () => {
  const source = fs.readFileSync(path.join(import.meta.dirname, 'settle.ts'), 'utf8');
  const emitted = new Set([...source.matchAll(/\bstep: '([a-z_]+)'/g)].map((m) => m[1]!));
  assert.ok(emitted.size >= 14, `the engine's step kinds: ${[...emitted].join(', ')}`);
  assert.deepEqual([...STEP_KINDS].sort(), [...emitted].sort());
});

test('every kind of step, as the engine emits it, reads as a plain sentence in Chinese and English', () => {
  const steps = stepsOf();
  assert.deepEqual([...new Set(steps.map((s) => s.step))].sort(), [...STEP_KINDS].sort(), 'the scenarios make the engine emit every kind');
  for (const s of steps) {
    const w = plainWords(s);
    assertPlain(w.zh, 'zh', `${s.step} (zh)`);
    assertPlain(w.en, 'en', `${s.step} (en)`);
  }
});

test('the sentences say what the numbers are, in yuan and percent', () => {
  const policy = residents((d) => {
    d.insutype = '310';
    d.two_diseases = null;
    d.personal_account = { covers_out_of_scope: true };
    d.serious_illness = null;
    d.tilts = [];
    d.outpatient = { deductible_yuan: 300, ratio_bp_by_lv: { '9': 6500, '1': 6500, '2': 6000, '3': 5500, '0': 5500 }, retiree_uplift_bp: 500, annual_cap_yuan: 2000, retiree_annual_cap_yuan: 3000 };
  });
  const s = settle(policy, settlementInput([line('1', { full: 20, inscp: 1300 })], { hosp_lv: '3', insutype: '310', psn_type: '1201', retiree: true, acct_used: true, balance_fen: Y(100) }));
  const words = (kind: string) => plainWords(s.steps.find((x) => x.step === kind)!);
  assert.deepEqual(words('deductible'), { zh: '本次起付线 300 元，已全部由您自付。', en: 'You paid the 300-yuan deductible.' });
  // (1,300 − 300) × (55% + 5 points) = 600.
  assert.equal(words('pooled_fund').zh, '扣除起付线后的 1,000 元，统筹基金按 60%（基本比例 55%，退休人员提高 5 个百分点）支付 600 元，您负担 400 元。');
  assert.equal(words('pooled_fund').en, 'Of the 1,000 yuan left after the deductible, the pooled fund paid 60% (the usual 55%, plus 5 points for retirees): 600 yuan, and your share is 400 yuan.');
  assert.equal(words('classify').zh, '本次 1 项费用共 1,320 元，其中医保范围内 1,300 元；医保不予支付、须全部自费 20 元。');
  assert.equal(words('personal_account').en, 'Of the 720 yuan that was yours, 100 yuan came from your personal account (balance before: 100 yuan).');
  assert.equal(words('cash').zh, '最后由您用现金等方式支付 620 元。');
});

test('a chronic-disease step names the disease, in English from its id', () => {
  const s = settle(residents(), settlementInput([line('1', { inscp: 300 })], { med_type: '14', dise_codes: ['I10.x00'] }));
  const w = plainWords(s.steps.find((x) => x.step === 'pooled_fund')!);
  assert.match(w.zh, /^按门诊慢特病（高血压）待遇，/);
  assert.match(w.en, /^Under the terms for high blood pressure, /);
});

test('explanations stored before a key existed still read as sentences', () => {
  for (const kind of STEP_KINDS) {
    const w = plainWords({ step: kind, zh: '旧', en: 'old', rule: '', in: {}, out: {} });
    assertPlain(w.zh, 'zh', `${kind} without data (zh)`);
    assertPlain(w.en, 'en', `${kind} without data (en)`);
  }
});

test('property: any settlement of generated claims reads plainly, step by step', () => {
  const amount = fc.integer({ min: 0, max: 300_000 }).map((f) => f / 100);
  const lineArb = fc.record({ full: amount, over: amount, pre: amount, inscp: fc.integer({ min: 0, max: 20_000_000 }).map((f) => f / 100), flag: fc.constantFrom('none', 'none', 'hypertension', 'diabetes', 'separate') });
  fc.assert(
    fc.property(
      fc.constantFrom(residents(), employees),
      fc.array(lineArb, { minLength: 1, maxLength: 6 }),
      fc.record({
        med_type: fc.constantFrom('11' as const, '14' as const, '21' as const, '23' as const),
        hosp_lv: fc.constantFrom('9' as const, '1' as const, '2' as const, '3' as const),
        status: fc.constantFrom('local' as const, 'unfiled' as const, 'referral_filed' as const, 'long_term_filed' as const),
        identities: fc.subarray(['minimum_living' as const]),
        retiree: fc.boolean(),
        civil: fc.boolean(),
        balance: fc.nat(500_000),
        admission: fc.integer({ min: 1, max: 3 }),
      }),
      (policy, ls, c) => {
        const lines = ls.map((l, i) => line(String(i + 1), l, { two_diseases: l.flag === 'hypertension' || l.flag === 'diabetes' ? l.flag : null, separately_paid: l.flag === 'separate' }));
        const s = settle(policy, settlementInput(lines, {
          med_type: c.med_type, hosp_lv: c.hosp_lv, status: c.status, identities: c.identities, retiree: c.retiree, admission: c.admission,
          dise_codes: ['I10.x00', 'E11.900'], insutype: policy.insutype, psn_type: c.civil ? '1102' : '1101', acct_used: true, balance_fen: c.balance,
        }));
        for (const st of s.steps) {
          const w = plainWords(st);
          assertPlain(w.zh, 'zh', `${st.step} (zh)`);
          assertPlain(w.en, 'en', `${st.step} (en)`);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('yuanText shows whole yuan without decimals and grouped thousands', () => {
  assert.equal(yuanText(30000), '300');
  assert.equal(yuanText(263714), '2,637.14');
  assert.equal(yuanText(30010), '300.10');
  assert.equal(yuanText(-150000000), '-1,500,000');
  assert.equal(yuanText(0), '0');
});
