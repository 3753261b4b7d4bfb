// The policy simulator: `yibao settle` prices one claim file and explains every step;
// `yibao compare` settles a file of claims under two policy versions and reports what the
// change costs the funds and who pays more or less — what a bureau runs before changing a policy.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { feeDetailResult, formatYuan, loadPolicy, selectPolicy, settle, settlementOutput, type Catalog, type ExplainValue, type Fen, type Policy, type Settlement, type SettlementInput } from '../engine/index.ts';
import { invalid } from '../engine/errors.ts';
import { claimInput, comparePolicies, type ClaimFile } from '../engine/simulator.ts';
import { diseaseLookup, loadPolicyDir, loadRegionCatalog } from '../store/shipped-documents.ts';

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

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
