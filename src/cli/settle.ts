// The policy simulator: `yibao settle` prices one claim file and explains every step;
// `yibao compare` settles a file of claims under two policy versions and reports what the
// change costs the funds and who pays more or less — what a bureau runs before changing a policy.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  applyIncrements,
  classifyFeeLines,
  diseaseLookupFromTable,
  EMPTY_ACCUMULATORS,
  feeDetailResult,
  feeLineFromInterface,
  formatYuan,
  loadCatalog,
  loadPolicy,
  selectPolicy,
  settle,
  settlementOutput,
  yuanToFen,
  type Accumulators,
  type Catalog,
  type DiseaseCodeLookup,
  type ExplainValue,
  type Fen,
  type Policy,
  type Settlement,
  type SettlementInput,
} from '../engine/index.ts';
import { CROSS_REGION_STATUSES, HOSP_LVS, IDENTITY_GROUPS, MED_TYPES, isCode, type IdentityGroup } from '../engine/codes.ts';
import { invalid } from '../engine/errors.ts';
import { projectRoot } from '../store/migrate.ts';

const ROOT = projectRoot();

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

let icd: DiseaseCodeLookup | undefined;
/** The ICD-10 medical-insurance table shipped in catalogs/icd, read once. */
export function diseaseLookup(): DiseaseCodeLookup {
  icd ??= diseaseLookupFromTable(readJson(path.join(ROOT, 'catalogs/icd/diagnoses.json')) as Record<string, string>);
  return icd;
}

/** Every policy document under a directory (default: the demo policies). */
export function loadPolicyDir(dir = path.join(ROOT, 'policies')): Policy[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadPolicy(readJson(path.join(dir, f)), diseaseLookup()));
}

/** The treatment region's demo catalog: the shared base plus the region's overrides when present. */
export function loadRegionCatalog(admdvs: string, dir = path.join(ROOT, 'catalogs')): Catalog {
  const base = readJson(path.join(dir, 'base.json'));
  const file = path.join(dir, `${admdvs}.json`);
  return loadCatalog(base, fs.existsSync(file) ? readJson(file) : undefined);
}

/** A claim file: the visit, the person, year-to-date amounts in yuan, and the 2204 fee lines. */
export interface ClaimFile {
  visit: {
    med_type: string;
    hosp_lv: string;
    mdtrtarea_admvs: string;
    insuplc_admdvs: string;
    cross_region_status?: string;
    dise_codes?: string[];
    admission_no_in_year?: number;
    acct_used_flag?: string;
    setl_date: string;
  };
  person: { psn_no?: string; insutype: string; psn_type: string; retiree?: boolean; identities?: string[]; gend: string; age: number };
  /** Year-to-date amounts in yuan, named as the engine's accumulators without the _fen suffix. */
  accumulators_yuan?: Record<string, number | string | Record<string, number | string>>;
  acct_balance?: number | string;
  feedetail: Record<string, unknown>[];
}

function accumulatorsFromYuan(raw: ClaimFile['accumulators_yuan']): Accumulators {
  const acc: Record<string, unknown> = { ...EMPTY_ACCUMULATORS };
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (k === 'admissions') {
      acc['admissions'] = Number(v);
      continue;
    }
    const key = `${k}_fen`;
    if (!(key in EMPTY_ACCUMULATORS)) throw invalid(`accumulators_yuan.${k}`, `未知的累计项：${k}`, `unknown accumulator: ${k}`);
    acc[key] =
      typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([id, y]) => [id, yuanToFen(y, `accumulators_yuan.${k}.${id}`)]))
        : yuanToFen(v, `accumulators_yuan.${k}`);
  }
  return acc as unknown as Accumulators;
}

/** Turn a claim file into the engine's input: classify on the treatment place's catalog. */
export function claimInput(claim: ClaimFile, catalog: Catalog, accumulators?: Accumulators): SettlementInput {
  const v = claim.visit;
  if (!isCode(MED_TYPES, v.med_type)) throw invalid('visit.med_type', `未知医疗类别 ${v.med_type}`, `unknown med_type ${v.med_type}`);
  if (!isCode(HOSP_LVS, v.hosp_lv)) throw invalid('visit.hosp_lv', `未知机构等级 ${v.hosp_lv}`, `unknown hosp_lv ${v.hosp_lv}`);
  const status = v.cross_region_status ?? (v.mdtrtarea_admvs === v.insuplc_admdvs ? 'local' : 'unfiled');
  if (!isCode(CROSS_REGION_STATUSES, status)) throw invalid('visit.cross_region_status', `未知异地状态 ${status}`, `unknown cross_region_status ${status}`);
  const identities = (claim.person.identities ?? []).map((id, i) => {
    if (!isCode(IDENTITY_GROUPS, id)) throw invalid(`person.identities.${i}`, `未知身份 ${id}`, `unknown identity group ${id}`);
    return id as IdentityGroup;
  });
  const lines = claim.feedetail.map((raw, i) => feeLineFromInterface(raw, `feedetail.${i}`));
  const classified = classifyFeeLines(catalog, lines, { gend: claim.person.gend, age: claim.person.age }, { med_type: v.med_type });
  return {
    visit: {
      med_type: v.med_type,
      hosp_lv: v.hosp_lv,
      mdtrtarea_admvs: v.mdtrtarea_admvs,
      insuplc_admdvs: v.insuplc_admdvs,
      cross_region_status: status,
      dise_codes: v.dise_codes ?? [],
      admission_no_in_year: v.admission_no_in_year ?? 1,
      acct_used_flag: v.acct_used_flag === '1',
    },
    person: { insutype: claim.person.insutype, psn_type: claim.person.psn_type, retiree: claim.person.retiree ?? claim.person.psn_type.startsWith('12'), identities },
    lines: classified,
    accumulators: accumulators ?? accumulatorsFromYuan(claim.accumulators_yuan),
    acct_balance_fen: yuanToFen(claim.acct_balance ?? 0, 'acct_balance'),
  };
}

function policyFor(claim: ClaimFile, policyFile: string | undefined): Policy {
  if (policyFile) return loadPolicy(readJson(policyFile), diseaseLookup());
  const p = selectPolicy(loadPolicyDir(), claim.visit.insuplc_admdvs, claim.person.insutype, claim.visit.setl_date);
  if (!p) throw invalid('visit.insuplc_admdvs', '没有适用的政策文件', `no demo policy for ${claim.visit.insuplc_admdvs}/${claim.person.insutype} on ${claim.visit.setl_date}`);
  return p;
}

/** Explanation values: keys ending in _bp are ratios, counts and codes stay as they are, amounts print in yuan. */
function show(key: string, v: ExplainValue): string {
  if (typeof v !== 'number') return String(v);
  if (key.endsWith('_bp')) return `${v / 100}%`;
  if (key === 'lines') return String(v);
  return formatYuan(v as Fen);
}

export function explainText(s: Settlement, classified: SettlementInput['lines']): string {
  const out: string[] = [];
  out.push(`政策 policy: ${s.policy_id} v${s.policy_version}  方案 scheme: ${s.scheme}`);
  out.push('', '费用明细分类 fee lines (catalog):');
  for (const l of classified) {
    out.push(
      `  ${l.feedetl_sn.padEnd(8)} ${l.med_list_codg.padEnd(28)} ${formatYuan(l.det_item_fee_sumamt).padStart(10)}  全自费 ${formatYuan(l.fulamt_ownpay_amt)}  超限价 ${formatYuan(l.overlmt_amt)}  先行自付 ${formatYuan(l.preselfpay_amt)}  范围内 ${formatYuan(l.inscp_scp_amt)}  — ${l.reason.zh} / ${l.reason.en}`,
    );
  }
  out.push('', '计算步骤 steps:');
  s.steps.forEach((st, i) => {
    const fmt = (r: Readonly<Record<string, ExplainValue>>) => Object.entries(r).map(([k, v]) => `${k}=${show(k, v)}`).join(' ');
    out.push(`  ${i + 1}. ${st.zh} / ${st.en}${st.rule ? `  [${st.rule}]` : ''}`);
    out.push(`       in:  ${fmt(st.in)}`);
    out.push(`       out: ${fmt(st.out)}`);
  });
  out.push('', '结算信息 setlinfo:');
  for (const [k, v] of Object.entries(s.setlinfo)) if (v !== 0 || ['medfee_sumamt', 'fund_pay_sumamt', 'psn_part_amt', 'psn_cash_pay'].includes(k)) out.push(`  ${k.padEnd(18)} ${formatYuan(v as Fen).padStart(12)}`);
  out.push('', '基金支付明细 setldetail:');
  for (const d of s.setldetail) out.push(`  ${d.fund_pay_type} ${d.fund_pay_type_name.padEnd(16)} ${formatYuan(d.fund_payamt).padStart(12)}${d.crt_payb_lmt_amt === null ? '' : `  剩余额度 remaining ${formatYuan(d.crt_payb_lmt_amt)}`}`);
  return out.join('\n');
}

export async function settleCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { policy: { type: 'string' }, claim: { type: 'string' }, catalog: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.claim) throw new Error('usage: yibao settle --claim C.json [--policy P.json] [--catalog DIR] [--json]');
  const claim = readJson(values.claim) as ClaimFile;
  const policy = policyFor(claim, values.policy);
  const catalog = loadRegionCatalog(claim.visit.mdtrtarea_admvs, values.catalog);
  const input = claimInput(claim, catalog);
  const s = settle(policy, input);
  if (values.json) {
    console.log(JSON.stringify({ policy_id: s.policy_id, policy_version: s.policy_version, feedetail: input.lines.map(feeDetailResult), ...settlementOutput(s), lines: s.lines, increments: s.increments, steps: s.steps }, null, 2));
  } else {
    console.log(explainText(s, input.lines));
  }
}

export interface CompareReport {
  claims: number;
  persons: number;
  refused: { from: number; to: number };
  fund_total_from: string;
  fund_total_to: string;
  fund_difference: string;
  patient_total_from: string;
  patient_total_to: string;
  persons_paying_more: number;
  persons_paying_less: number;
  persons_paying_same: number;
}

/** Settle the claims in order under both policies (each person's year accumulating separately) and compare. */
export function comparePolicies(from: Policy, to: Policy, claims: readonly ClaimFile[], catalogFor: (admdvs: string) => Catalog): CompareReport {
  const accFrom = new Map<string, Accumulators>();
  const accTo = new Map<string, Accumulators>();
  const psnFrom = new Map<string, number>();
  const psnTo = new Map<string, number>();
  let fundFrom = 0, fundTo = 0, refusedFrom = 0, refusedTo = 0;
  claims.forEach((claim, i) => {
    const who = claim.person.psn_no ?? `claim-${i + 1}`;
    const catalog = catalogFor(claim.visit.mdtrtarea_admvs);
    const run = (p: Policy, accs: Map<string, Accumulators>, psn: Map<string, number>): number | null => {
      const input = claimInput({ ...claim, visit: { ...claim.visit, insuplc_admdvs: p.admdvs } }, catalog, accs.get(who) ?? accumulatorsFromYuan(claim.accumulators_yuan));
      try {
        const s = settle(p, input);
        accs.set(who, applyIncrements(input.accumulators, s.increments));
        psn.set(who, (psn.get(who) ?? 0) + s.setlinfo.psn_part_amt);
        return s.setlinfo.fund_pay_sumamt;
      } catch {
        return null;
      }
    };
    const a = run(from, accFrom, psnFrom);
    const b = run(to, accTo, psnTo);
    if (a === null) refusedFrom++;
    else fundFrom += a;
    if (b === null) refusedTo++;
    else fundTo += b;
  });
  let more = 0, less = 0, same = 0, psnTotalFrom = 0, psnTotalTo = 0;
  const persons = new Set([...psnFrom.keys(), ...psnTo.keys()]);
  for (const who of persons) {
    const a = psnFrom.get(who) ?? 0;
    const b = psnTo.get(who) ?? 0;
    psnTotalFrom += a;
    psnTotalTo += b;
    if (b > a) more++;
    else if (b < a) less++;
    else same++;
  }
  return {
    claims: claims.length,
    persons: persons.size,
    refused: { from: refusedFrom, to: refusedTo },
    fund_total_from: formatYuan(fundFrom as Fen),
    fund_total_to: formatYuan(fundTo as Fen),
    fund_difference: formatYuan((fundTo - fundFrom) as Fen),
    patient_total_from: formatYuan(psnTotalFrom as Fen),
    patient_total_to: formatYuan(psnTotalTo as Fen),
    persons_paying_more: more,
    persons_paying_less: less,
    persons_paying_same: same,
  };
}

export async function compareCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, claims: { type: 'string' }, catalog: { type: 'string' } } });
  if (!values.from || !values.to || !values.claims) throw new Error('usage: yibao compare --from P1.json --to P2.json --claims claims.jsonl [--catalog DIR]');
  const from = loadPolicy(readJson(values.from), diseaseLookup());
  const to = loadPolicy(readJson(values.to), diseaseLookup());
  const claims = fs
    .readFileSync(values.claims, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ClaimFile);
  const catalogs = new Map<string, Catalog>();
  const catalogFor = (admdvs: string): Catalog => {
    let c = catalogs.get(admdvs);
    if (!c) catalogs.set(admdvs, (c = loadRegionCatalog(admdvs, values.catalog)));
    return c;
  };
  console.log(JSON.stringify({ from: from.policy_id, to: to.policy_id, ...comparePolicies(from, to, claims, catalogFor) }, null, 2));
}
