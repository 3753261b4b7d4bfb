// Builders for tests and the bench: a complete, valid policy document to vary, a small
// catalog, and inputs with sensible defaults. Pure data; no test framework here.
import type { ChrgitmLv, IdentityGroup, MedType, HospLv, CrossRegionStatus } from './codes.ts';
import type { CatalogItem, ClassifiedFeeLine, RegionDefaults } from './catalog.ts';
import type { PolicyDocument } from './policy.ts';
import { EMPTY_ACCUMULATORS, type Accumulators, type SettlementInput } from './settle.ts';
import type { Bp, Fen } from './money.ts';

/** A resident (390) policy with every section present; tests change what they exercise. */
export function residentPolicyDoc(): PolicyDocument {
  return {
    policy_id: 'test-390',
    version: 1,
    admdvs: '360100',
    region_name: '测试市',
    insutype: '390',
    effective_from: '2026-01-01',
    effective_to: '2026-12-31',
    source: 'test',
    rounding: { fund: 'down', assistance: 'half_up' },
    outpatient: { deductible_yuan: 0, ratio_bp_by_lv: { '9': 7000, '1': 6000, '2': 5000, '3': 4000, '0': 5000 }, retiree_uplift_bp: 0, annual_cap_yuan: 400 },
    chronic: { diseases: [{ id: 'hypertension', name: '高血压', dise_codes: ['I10'], deductible_yuan: 0, ratio_bp: 7000, annual_cap_yuan: 3000 }] },
    two_diseases: { ratio_bp: 5000, diseases: [{ id: 'hypertension', name: '高血压', dise_codes: ['I10'], annual_cap_yuan: 400 }, { id: 'diabetes', name: '糖尿病', dise_codes: ['E11'], annual_cap_yuan: 500 }] },
    separately_paid: { ratio_bp: 7000, annual_cap_yuan: null },
    inpatient: { deductible_yuan_by_admission: [{ '1': 100, '2': 400, '3': 600 }], ratio_bp_by_lv: { '1': 9000, '2': 8000, '3': 6000 }, retiree_uplift_bp: 0, annual_cap_yuan: 100000, referral_out: { deductible_yuan: 2000 } },
    serious_illness: { fund_pay_type: '390200', basis: 'burden', deductible_yuan: 17000, tiers: [{ from_yuan: 17000, ratio_bp: 6000 }], annual_cap_yuan: 250000 },
    civil_servant: null,
    assistance: {
      groups: [{ identity: 'minimum_living', deductible_yuan: 0, ratio_bp: 7000, annual_cap_yuan: 50000, outpatient: { ratio_bp: 5000, annual_cap_yuan: 1000 } }],
      reassistance: { identities: ['minimum_living'], burden_threshold_yuan: 10000, ratio_bp: 5000, annual_cap_yuan: 20000 },
    },
    tilts: [{ identities: ['minimum_living'], serious_illness_deductible_cut_bp: 5000, serious_illness_ratio_plus_bp: 500, serious_illness_no_cap: true }],
    personal_account: null,
    hospital_bears_overlimit: false,
    cross_region: {
      long_term_filed: { ratio_cut_bp: 0, extra_preselfpay_bp: 0 },
      referral_filed: { ratio_cut_bp: 1000, extra_preselfpay_bp: 0 },
      emergency: { ratio_cut_bp: 0, extra_preselfpay_bp: 0 },
      temporary_filed: { ratio_cut_bp: 1000, extra_preselfpay_bp: 0 },
      in_province_unfiled: { ratio_cut_bp: 1000, extra_preselfpay_bp: 0 },
      unfiled: { ratio_cut_bp: 2000, extra_preselfpay_bp: 0 },
    },
  };
}

export const TEST_DEFAULTS: RegionDefaults = {
  selfpay_prop_bp: { drug: 500 as Bp, service: 1000 as Bp, consumable: 2000 as Bp },
  preselfpay_rounding: 'half_up',
};

export function item(code: string, lv: ChrgitmLv, extra: Partial<CatalogItem> = {}): CatalogItem {
  return {
    med_list_codg: code,
    name: code,
    list_type: 'drug',
    med_chrgitm_type: '09',
    chrgitm_lv: lv,
    selfpay_prop_bp: null,
    pric_uplmt_fen: null,
    restrict: null,
    two_diseases: null,
    separately_paid: false,
    ...extra,
  };
}

/** A line already classified as fully in scope (甲类), for settlement tests. */
export function inScopeLine(sn: string, amount: Fen, extra: Partial<ClassifiedFeeLine> = {}): ClassifiedFeeLine {
  return {
    feedetl_sn: sn,
    med_list_codg: 'X',
    det_item_fee_sumamt: amount,
    cnt: 1,
    pric: amount,
    chrgitm_lv: '01',
    med_chrgitm_type: '09',
    selfpay_prop: 0 as Bp,
    pric_uplmt_amt: null,
    fulamt_ownpay_amt: 0 as Fen,
    overlmt_amt: 0 as Fen,
    preselfpay_amt: 0 as Fen,
    inscp_scp_amt: amount,
    two_diseases: null,
    separately_paid: false,
    reason: { zh: '甲类', en: 'class A' },
    ...extra,
  };
}

export interface InputOptions {
  med_type?: MedType;
  hosp_lv?: HospLv;
  admdvs?: string;
  status?: CrossRegionStatus;
  dise_codes?: string[];
  admission?: number;
  continues_admission?: boolean;
  deductible_paid_this_stay_fen?: number;
  insutype?: string;
  psn_type?: string;
  retiree?: boolean;
  identities?: IdentityGroup[];
  acc?: Accumulators;
  acct_used?: boolean;
  balance_fen?: number;
}

export function settlementInput(lines: readonly ClassifiedFeeLine[], o: InputOptions = {}): SettlementInput {
  return {
    visit: {
      med_type: o.med_type ?? '11',
      hosp_lv: o.hosp_lv ?? '1',
      mdtrtarea_admvs: o.admdvs ?? '360100',
      insuplc_admdvs: o.admdvs ?? '360100',
      cross_region_status: o.status ?? 'local',
      dise_codes: o.dise_codes ?? [],
      admission_no_in_year: o.admission ?? 1,
      ...(o.continues_admission !== undefined ? { continues_admission: o.continues_admission } : {}),
      ...(o.deductible_paid_this_stay_fen !== undefined ? { deductible_paid_this_stay_fen: o.deductible_paid_this_stay_fen as Fen } : {}),
      acct_used_flag: o.acct_used ?? false,
    },
    person: { insutype: o.insutype ?? '390', psn_type: o.psn_type ?? '1501', retiree: o.retiree ?? false, identities: o.identities ?? [] },
    lines,
    accumulators: o.acc ?? EMPTY_ACCUMULATORS,
    acct_balance_fen: (o.balance_fen ?? 0) as Fen,
  };
}
