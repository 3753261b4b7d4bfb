// Property tests over generated policies and claims: the identities hold, caps and deductibles
// are never exceeded across a year, a bigger bill never lowers the patient's share, and
// settling is deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClassifiedFeeLine } from './catalog.ts';
import type { CrossRegionStatus, HospLv, IdentityGroup, MedType } from './codes.ts';
import { loadPolicy, type Policy, type PolicyDocument } from './policy.ts';
import { applyIncrements, checkIdentities, settle, EMPTY_ACCUMULATORS, type Accumulators, type Settlement } from './settle.ts';
import { inScopeLine, residentPolicyDoc, settlementInput, type InputOptions } from './testing.ts';
import type { Fen } from './money.ts';

const anyCode = (): boolean => true;
const ratio = fc.integer({ min: 0, max: 10000 });
const yuan = (max: number) => fc.integer({ min: 0, max });
const rounding = fc.constantFrom('down' as const, 'half_up' as const, 'half_even' as const);

/** A generated policy: the resident template with every number drawn, or its employee twin. */
const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    employee: fc.boolean(),
    fundR: rounding,
    aR: rounding,
    outDed: yuan(500),
    outRatios: fc.array(ratio, { minLength: 5, maxLength: 5 }),
    uplift: fc.integer({ min: 0, max: 1000 }),
    outCap: yuan(5000),
    chronicRatio: ratio,
    chronicCap: yuan(5000),
    chronicDed: yuan(300),
    twoRatio: ratio,
    twoCaps: fc.tuple(yuan(600), yuan(600)),
    sepRatio: ratio,
    sepCap: fc.option(yuan(50000), { nil: null }),
    admDeds: fc.array(fc.tuple(yuan(300), yuan(300), yuan(300)), { minLength: 1, maxLength: 5 }),
    ipRatios: fc.tuple(ratio, ratio, ratio),
    ipCap: yuan(150000),
    siDed: yuan(20000),
    siSteps: fc.uniqueArray(fc.integer({ min: 1, max: 200000 }), { maxLength: 3 }),
    siRatios: fc.array(fc.integer({ min: 0, max: 9500 }), { minLength: 4, maxLength: 4 }),
    siCap: fc.option(yuan(300000), { nil: null }),
    tiltCut: ratio,
    tiltPlus: fc.integer({ min: 0, max: 500 }),
    tiltNoCap: fc.boolean(),
    aRatio: ratio,
    aDed: yuan(3000),
    aCap: yuan(60000),
    raThreshold: yuan(20000),
    raRatio: ratio,
    raCap: yuan(30000),
    cut: fc.integer({ min: 0, max: 3000 }),
    extra: fc.integer({ min: 0, max: 3000 }),
    hospBears: fc.boolean(),
    acctAll: fc.boolean(),
  })
  .map((g) => {
    const d: PolicyDocument = residentPolicyDoc();
    const lv = ['9', '1', '2', '3', '0'] as const;
    d.rounding = { fund: g.fundR, assistance: g.aR };
    d.outpatient = {
      deductible_yuan: g.outDed,
      ratio_bp_by_lv: Object.fromEntries(lv.map((l, i) => [l, Math.min(g.outRatios[i]!, 10000 - g.uplift)])),
      retiree_uplift_bp: g.uplift,
      annual_cap_yuan: g.outCap,
    };
    d.chronic.diseases[0] = { ...d.chronic.diseases[0]!, ratio_bp: g.chronicRatio, annual_cap_yuan: g.chronicCap, deductible_yuan: g.chronicDed };
    d.two_diseases = { ratio_bp: g.twoRatio, diseases: d.two_diseases!.diseases.map((x, i) => ({ ...x, annual_cap_yuan: g.twoCaps[i]! })) };
    d.separately_paid = { ratio_bp: g.sepRatio, annual_cap_yuan: g.sepCap };
    // Deductibles by admission must not rise: sort each level descending.
    const cols = [0, 1, 2].map((c) => g.admDeds.map((t) => t[c]!).sort((a, b) => b - a));
    d.inpatient = {
      deductible_yuan_by_admission: g.admDeds.map((_, i) => ({ '1': cols[0]![i]!, '2': cols[1]![i]!, '3': cols[2]![i]! })),
      ratio_bp_by_lv: { '1': g.ipRatios[0], '2': g.ipRatios[1], '3': g.ipRatios[2] },
      retiree_uplift_bp: 0,
      annual_cap_yuan: g.ipCap,
      referral_out: { deductible_yuan: 2000 },
    };
    const starts = [g.siDed, ...g.siSteps.map((s) => g.siDed + s).sort((a, b) => a - b)];
    d.serious_illness = {
      fund_pay_type: g.employee ? '330100' : '390200',
      basis: g.employee ? 'over_pool_cap' : 'burden',
      deductible_yuan: g.siDed,
      tiers: starts.map((s, i) => ({ from_yuan: s, ratio_bp: g.siRatios[i]! })),
      annual_cap_yuan: g.siCap,
    };
    d.tilts = [{ identities: ['minimum_living'], serious_illness_deductible_cut_bp: g.tiltCut, serious_illness_ratio_plus_bp: g.tiltPlus, serious_illness_no_cap: g.tiltNoCap }];
    d.assistance = {
      groups: [
        { identity: 'minimum_living', deductible_yuan: g.aDed, ratio_bp: g.aRatio, annual_cap_yuan: g.aCap, outpatient: { ratio_bp: g.aRatio, annual_cap_yuan: Math.floor(g.aCap / 10) } },
        { identity: 'extreme_poverty', deductible_yuan: 0, ratio_bp: 10000, annual_cap_yuan: g.aCap, outpatient: null },
      ],
      reassistance: { identities: ['minimum_living', 'extreme_poverty'], burden_threshold_yuan: g.raThreshold, ratio_bp: g.raRatio, annual_cap_yuan: g.raCap },
    };
    d.cross_region.unfiled = { ratio_cut_bp: g.cut, extra_preselfpay_bp: g.extra };
    d.hospital_bears_overlimit = g.hospBears;
    if (g.employee) {
      d.insutype = '310';
      d.two_diseases = null;
      d.personal_account = { covers_out_of_scope: g.acctAll };
      d.civil_servant = { psn_types: ['1102'], ratio_bp: 5000, annual_cap_yuan: 10000 };
    }
    return loadPolicy(d, anyCode);
  });

/** A classified line split into its four parts at random. */
const lineArb: fc.Arbitrary<ClassifiedFeeLine> = fc
  .record({
    parts: fc.tuple(fc.nat(20000), fc.nat(20000), fc.nat(20000), fc.nat(2_000_000)),
    flag: fc.constantFrom('none', 'none', 'none', 'hypertension', 'diabetes', 'separate'),
  })
  .map(({ parts: [full, over, pre, inscp], flag }) =>
    inScopeLine('x', (full + over + pre + inscp) as Fen, {
      fulamt_ownpay_amt: full as Fen,
      overlmt_amt: over as Fen,
      preselfpay_amt: pre as Fen,
      inscp_scp_amt: inscp as Fen,
      two_diseases: flag === 'hypertension' || flag === 'diabetes' ? flag : null,
      separately_paid: flag === 'separate',
    }),
  );

const claimArb = fc.record({
  lines: fc.array(lineArb, { minLength: 1, maxLength: 12 }).map((ls) => ls.map((l, i) => ({ ...l, feedetl_sn: String(i + 1) }))),
  med_type: fc.constantFrom<MedType>('11', '13', '14', '21', '22', '23', '24', '41'),
  hosp_lv: fc.constantFrom<HospLv>('9', '1', '2', '3', '0'),
  status: fc.constantFrom<CrossRegionStatus>('local', 'local', 'unfiled', 'referral_filed', 'emergency', 'in_province_unfiled'),
  diabetic: fc.boolean(),
  admission: fc.integer({ min: 1, max: 7 }),
});

const personArb = fc.record({
  retiree: fc.boolean(),
  civil: fc.boolean(),
  identities: fc.subarray<IdentityGroup>(['minimum_living', 'extreme_poverty']),
  acct_used: fc.boolean(),
  balance: fc.nat(500_000),
});

type Claim = typeof claimArb extends fc.Arbitrary<infer C> ? C : never;
type Person = typeof personArb extends fc.Arbitrary<infer P> ? P : never;

function options(policy: Policy, c: Claim, p: Person, acc: Accumulators): InputOptions {
  return {
    med_type: c.med_type,
    hosp_lv: c.hosp_lv,
    status: c.status,
    admission: c.admission,
    dise_codes: c.med_type === '14' ? ['I10.x00'] : c.diabetic ? ['E11.900', 'I10.x00'] : [],
    insutype: policy.insutype,
    psn_type: p.civil ? '1102' : '1101',
    retiree: p.retiree,
    identities: p.identities,
    acc,
    acct_used: p.acct_used,
    balance_fen: p.balance,
  };
}

function payments(s: Settlement) {
  return s.setlinfo;
}

test('property: every settlement satisfies the identities, pays no negative amount and spreads exactly over lines', () => {
  fc.assert(
    fc.property(policyArb, claimArb, personArb, (policy, claim, person) => {
      const s = settle(policy, settlementInput(claim.lines, options(policy, claim, person, EMPTY_ACCUMULATORS)));
      checkIdentities(s.setlinfo, s.setldetail); // settle asserts them too; checked again from outside
      const info = payments(s);
      assert.equal(s.lines.reduce((a, l) => a + l.fund_pay_fen, 0), info.fund_pay_sumamt);
      assert.equal(s.lines.reduce((a, l) => a + l.psn_part_fen, 0), info.psn_part_amt);
      assert.equal(s.lines.reduce((a, l) => a + l.hosp_part_fen, 0), info.hosp_part_amt);
      assert.ok(info.acct_pay <= Math.max(0, person.balance));
      assert.equal(info.balc, person.balance - info.acct_pay);
    }),
    { numRuns: 400 },
  );
});

test('property: across a year of claims no cap or deductible is exceeded', () => {
  fc.assert(
    fc.property(policyArb, fc.array(claimArb, { minLength: 5, maxLength: 30 }), personArb, (policy, claims, person) => {
      let acc = EMPTY_ACCUMULATORS;
      const o = policy.outpatient;
      const maxOutDed = Math.max(o.deductible_fen, ...Object.values(o.deductible_fen_by_lv).map((v) => v ?? 0));
      for (const claim of claims) {
        const s = settle(policy, settlementInput(claim.lines, options(policy, claim, person, acc)));
        acc = applyIncrements(acc, s.increments);
        assert.ok(acc.outpatient_deductible_used_fen <= maxOutDed, 'outpatient deductible');
        assert.ok(acc.outpatient_pool_paid_fen <= (person.retiree ? o.retiree_annual_cap_fen : o.annual_cap_fen), 'outpatient cap');
        assert.ok(acc.inpatient_pool_paid_fen <= policy.inpatient.annual_cap_fen, 'inpatient cap');
        for (const d of policy.chronic) {
          assert.ok((acc.chronic_paid_fen[d.id] ?? 0) <= d.annual_cap_fen, 'chronic cap');
          assert.ok((acc.chronic_deductible_used_fen[d.id] ?? 0) <= d.deductible_fen, 'chronic deductible');
        }
        for (const d of policy.two_diseases?.diseases ?? []) assert.ok((acc.two_diseases_paid_fen[d.id] ?? 0) <= d.annual_cap_fen, 'two-diseases cap');
        const sp = policy.separately_paid;
        if (sp && sp.annual_cap_fen !== null) assert.ok(acc.separately_paid_fen <= sp.annual_cap_fen, 'separately paid cap');
        const si = policy.serious_illness!;
        const uncapped = policy.tilts.some((t) => t.serious_illness_no_cap && t.identities.some((i) => person.identities.includes(i)));
        if (si.annual_cap_fen !== null && !uncapped) assert.ok(acc.serious_paid_fen <= si.annual_cap_fen, 'serious illness cap');
        if (policy.civil_servant) assert.ok(acc.civil_servant_paid_fen <= policy.civil_servant.annual_cap_fen, 'civil servant cap');
        const group = policy.assistance!.groups.find((g) => person.identities.includes(g.identity));
        if (group) {
          assert.ok(acc.assistance_paid_fen <= group.annual_cap_fen, 'assistance cap');
          assert.ok(acc.assistance_deductible_used_fen <= group.deductible_fen, 'assistance deductible');
          if (group.outpatient) assert.ok(acc.outpatient_assistance_paid_fen <= group.outpatient.annual_cap_fen, 'outpatient assistance cap');
        } else {
          assert.equal(acc.assistance_paid_fen + acc.outpatient_assistance_paid_fen, 0, 'no identity, no assistance');
        }
        assert.ok(acc.reassistance_paid_fen <= policy.assistance!.reassistance!.annual_cap_fen, 're-assistance cap');
      }
    }),
    { numRuns: 150 },
  );
});

test('property: a bigger bill never lowers what the patient pays', () => {
  fc.assert(
    fc.property(policyArb, claimArb, personArb, fc.nat({ max: 12 }), fc.integer({ min: 1, max: 500_000 }), fc.constantFrom('inscp', 'full', 'pre'), (policy, claim, person, which, delta, part) => {
      const i = which % claim.lines.length;
      const l = claim.lines[i]!;
      const bigger = { ...l, det_item_fee_sumamt: (l.det_item_fee_sumamt + delta) as Fen };
      if (part === 'inscp') bigger.inscp_scp_amt = (l.inscp_scp_amt + delta) as Fen;
      else if (part === 'full') bigger.fulamt_ownpay_amt = (l.fulamt_ownpay_amt + delta) as Fen;
      else bigger.preselfpay_amt = (l.preselfpay_amt + delta) as Fen;
      const lines2 = claim.lines.map((x, j) => (j === i ? bigger : x));
      const opts = options(policy, claim, { ...person, acct_used: false }, EMPTY_ACCUMULATORS);
      const a = settle(policy, settlementInput(claim.lines, opts));
      const b = settle(policy, settlementInput(lines2, opts));
      assert.ok(b.setlinfo.psn_part_amt >= a.setlinfo.psn_part_amt, `patient paid ${a.setlinfo.psn_part_amt} then ${b.setlinfo.psn_part_amt}`);
      assert.ok(b.setlinfo.fund_pay_sumamt >= a.setlinfo.fund_pay_sumamt, 'funds never pay less for more');
    }),
    { numRuns: 400 },
  );
});

test('property: settling is deterministic and leaves its input untouched', () => {
  fc.assert(
    fc.property(policyArb, claimArb, personArb, (policy, claim, person) => {
      const input = settlementInput(claim.lines, options(policy, claim, person, EMPTY_ACCUMULATORS));
      const before = JSON.stringify(input);
      const a = settle(policy, input);
      settle(policy, settlementInput(claim.lines.slice(0, 1), options(policy, claim, person, EMPTY_ACCUMULATORS)));
      const b = settle(policy, input);
      assert.deepEqual(a, b);
      assert.equal(JSON.stringify(input), before);
    }),
    { numRuns: 200 },
  );
});

test('property: a charge and its refund cancel out', () => {
  fc.assert(
    fc.property(policyArb, claimArb, personArb, lineArb, (policy, claim, person, extraLine) => {
      const charge = { ...extraLine, feedetl_sn: 'c' };
      const neg = (n: number): Fen => (n === 0 ? 0 : -n) as Fen;
      const refund = {
        ...charge,
        feedetl_sn: 'r',
        det_item_fee_sumamt: neg(charge.det_item_fee_sumamt),
        fulamt_ownpay_amt: neg(charge.fulamt_ownpay_amt),
        overlmt_amt: neg(charge.overlmt_amt),
        preselfpay_amt: neg(charge.preselfpay_amt),
        inscp_scp_amt: neg(charge.inscp_scp_amt),
      };
      const opts = options(policy, claim, person, EMPTY_ACCUMULATORS);
      const plain = settle(policy, settlementInput(claim.lines, opts));
      const netted = settle(policy, settlementInput([...claim.lines, charge, refund], opts));
      assert.deepEqual(netted.setlinfo, plain.setlinfo);
      assert.deepEqual(netted.increments, plain.increments);
    }),
    { numRuns: 200 },
  );
});
