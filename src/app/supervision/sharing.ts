// The monthly expense-data sharing report of an agreement (协议数据共享, issue 15 §4): the
// agreement's data_sharing clause has its members share, month by month, what each member's
// insured people were paid in the other members — by treatment member, institution and fund
// part — and what the after-settlement scan found on those settlements, by rule type. Every
// member reads every member's rows. Settlements in force are counted (a cancelled one is not),
// on the China day they were settled; amounts are in fen.
import { invalid } from '../../engine/errors.ts';
import { getAgreement } from '../../store/cooperation/agreements.ts';
import type { Queryable } from '../../store/db.ts';
import { dataSharingClause, FUND_PARTS, regionNames, sharingFindings, sharingRows, type FundPart } from '../../store/supervision/sharing.ts';

export { FUND_PARTS, type FundPart };

/** The fund parts' names, for the page and the exports' headers. */
export const FUND_PART_NAMES: Record<FundPart, { zh: string; en: string }> = {
  hifp_pay: { zh: '基本医疗保险统筹基金', en: 'pooled fund' },
  cvlserv_pay: { zh: '公务员医疗补助', en: 'civil-servant subsidy' },
  hifmi_pay: { zh: '居民大病保险', en: 'critical-illness insurance' },
  hifob_pay: { zh: '职工大额医疗补助', en: 'large-amount supplement' },
  maf_pay: { zh: '医疗救助', en: 'medical assistance' },
  hifes_pay: { zh: '企业补充医疗保险', en: 'enterprise supplement' },
  oth_pay: { zh: '其他支付', en: 'other' },
  acct_pay: { zh: '个人账户', en: 'personal account' },
  psn_cash_pay: { zh: '个人现金', en: 'cash' },
  hosp_part_amt: { zh: '医院负担', en: 'borne by the hospital' },
};

export interface SharingFigures {
  setl_cnt: number;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  parts: Record<FundPart, number>;
  findings: number;
  findings_amount_fen: number;
}

export interface RuleTypeFigures {
  rule_type: string;
  n: number;
  amount_fen: number;
}

export interface SharingInstitution extends SharingFigures {
  treatment_admdvs: string;
  treatment_name: string;
  fixmedins_code: string;
  fixmedins_name: string;
  psn_cnt: number;
  findings_by_rule_type: RuleTypeFigures[];
}

export interface SharingMember {
  admdvs: string;
  name: string;
  totals: SharingFigures;
  by_treatment: Array<SharingFigures & { treatment_admdvs: string; treatment_name: string }>;
  institutions: SharingInstitution[];
  findings_by_rule_type: RuleTypeFigures[];
}

export interface SharingReport {
  agreement_no: string;
  agreement_name: string;
  month: string;
  /** The month's first and last day (China time). */
  from: string;
  to: string;
  fund_parts: FundPart[];
  members: SharingMember[];
  totals: SharingFigures;
  findings_by_rule_type: RuleTypeFigures[];
}

const zero = (): SharingFigures => ({ setl_cnt: 0, medfee_sumamt: 0, fund_pay_sumamt: 0, parts: Object.fromEntries(FUND_PARTS.map((p) => [p, 0])) as Record<FundPart, number>, findings: 0, findings_amount_fen: 0 });

function add(to: SharingFigures, x: SharingFigures): void {
  to.setl_cnt += x.setl_cnt;
  to.medfee_sumamt += x.medfee_sumamt;
  to.fund_pay_sumamt += x.fund_pay_sumamt;
  for (const p of FUND_PARTS) to.parts[p] += x.parts[p];
  to.findings += x.findings;
  to.findings_amount_fen += x.findings_amount_fen;
}

function addRuleType(list: RuleTypeFigures[], rule_type: string, n: number, amount_fen: number): void {
  const row = list.find((r) => r.rule_type === rule_type);
  if (row) {
    row.n += n;
    row.amount_fen += amount_fen;
  } else list.push({ rule_type, n, amount_fen });
}

const byCount = (a: RuleTypeFigures, b: RuleTypeFigures): number => b.n - a.n || a.rule_type.localeCompare(b.rule_type);

/** A month `yyyy-mm` as its first day and the next month's first day, China time. */
export function monthBounds(month: unknown): { from: Date; to: Date; first: string; last: string } {
  const m = typeof month === 'string' ? /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month) : null;
  if (!m || Number(m[1]) < 2000 || Number(m[1]) > 2100) throw invalid('month', '月份应为 yyyy-mm（2000 至 2100 年）', 'month must be yyyy-mm (years 2000 to 2100)');
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  const lastDay = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return { from: new Date(`${month as string}-01T00:00:00+08:00`), to: new Date(`${next}-01T00:00:00+08:00`), first: `${month as string}-01`, last: `${month as string}-${String(lastDay).padStart(2, '0')}` };
}

/** The report of an agreement's month; refused naming the field when the month is malformed or the agreement shares no data then. */
export async function sharingReport(q: Queryable, agreementNo: string, month: unknown): Promise<SharingReport> {
  const bounds = monthBounds(month);
  const agreement = await getAgreement(q, agreementNo); // 404 naming agreement_no
  const clause = await dataSharingClause(q, agreementNo);
  if (!clause) throw invalid('agreement_no', `协议 ${agreementNo} 没有数据共享（data_sharing）条款`, `agreement ${agreementNo} has no data_sharing clause`);
  if (clause.begndate > bounds.last || (clause.enddate !== null && clause.enddate < bounds.first)) {
    throw invalid('month', `数据共享条款 ${clause.begndate} 至 ${clause.enddate ?? '长期'} 有效，${month as string} 不在其内`, `the data_sharing clause runs ${clause.begndate} to ${clause.enddate ?? 'open-ended'}; ${month as string} is outside it`);
  }
  const [rows, findings] = await Promise.all([sharingRows(q, agreementNo, bounds.from, bounds.to), sharingFindings(q, agreementNo, bounds.from, bounds.to)]);
  const names = await regionNames(q, agreement.members);
  const nameOf = (code: string): string => names.get(code) ?? code;
  const key = (x: { insured_admdvs: string; treatment_admdvs: string; fixmedins_code: string }): string => `${x.insured_admdvs}|${x.treatment_admdvs}|${x.fixmedins_code}`;
  const findingsOf = new Map<string, RuleTypeFigures[]>();
  for (const f of findings) {
    const list = findingsOf.get(key(f)) ?? [];
    list.push({ rule_type: f.rule_type, n: f.n, amount_fen: f.amount_fen });
    findingsOf.set(key(f), list);
  }

  const totals = zero();
  const overall: RuleTypeFigures[] = [];
  const members: SharingMember[] = agreement.members.map((admdvs) => {
    const mine = rows.filter((r) => r.insured_admdvs === admdvs);
    const institutions: SharingInstitution[] = mine.map((r) => {
      const byType = (findingsOf.get(key(r)) ?? []).sort(byCount);
      return {
        treatment_admdvs: r.treatment_admdvs, treatment_name: nameOf(r.treatment_admdvs), fixmedins_code: r.fixmedins_code, fixmedins_name: r.fixmedins_name, psn_cnt: r.psn_cnt,
        setl_cnt: r.setl_cnt, medfee_sumamt: r.medfee_sumamt, fund_pay_sumamt: r.fund_pay_sumamt, parts: r.parts,
        findings: byType.reduce((s, f) => s + f.n, 0), findings_amount_fen: byType.reduce((s, f) => s + f.amount_fen, 0), findings_by_rule_type: byType,
      };
    });
    const memberTotals = zero();
    const byTreatment = new Map<string, SharingFigures & { treatment_admdvs: string; treatment_name: string }>();
    const memberTypes: RuleTypeFigures[] = [];
    for (const i of institutions) {
      add(memberTotals, i);
      const t = byTreatment.get(i.treatment_admdvs) ?? { ...zero(), treatment_admdvs: i.treatment_admdvs, treatment_name: i.treatment_name };
      add(t, i);
      byTreatment.set(i.treatment_admdvs, t);
      for (const f of i.findings_by_rule_type) {
        addRuleType(memberTypes, f.rule_type, f.n, f.amount_fen);
        addRuleType(overall, f.rule_type, f.n, f.amount_fen);
      }
    }
    add(totals, memberTotals);
    return { admdvs, name: nameOf(admdvs), totals: memberTotals, by_treatment: [...byTreatment.values()], institutions, findings_by_rule_type: memberTypes.sort(byCount) };
  });
  return {
    agreement_no: agreement.agreement_no, agreement_name: agreement.name, month: month as string, from: bounds.first, to: bounds.last,
    fund_parts: [...FUND_PARTS], members, totals, findings_by_rule_type: overall.sort(byCount),
  };
}

type Cell = string | number | null;

const yuanCell = (fen: number): number => fen / 100;

/** The report as one table for CSV/XLSX: a row per insured member, treatment member and institution, then each member's total; amounts in yuan. */
export function sharingTable(r: SharingReport, ruleTypeName: (t: string) => string): { header: string[]; rows: Cell[][] } {
  const header = [
    '协议 agreement', '月份 month', '参保地 insured', '参保地名称 insured name', '就医地 treatment', '就医地名称 treatment name', '机构 fixmedins_code', '机构名称 fixmedins_name',
    '结算笔数 settlements', '人数 persons', '医疗费用（元） medfee', '基金支付（元） fund paid',
    ...FUND_PARTS.map((p) => `${FUND_PART_NAMES[p].zh}（元） ${p}`),
    '疑点数 findings', '疑点金额（元） findings amount', '疑点（按规则类型） findings by rule type',
  ];
  const figures = (f: SharingFigures): Cell[] => [yuanCell(f.medfee_sumamt), yuanCell(f.fund_pay_sumamt), ...FUND_PARTS.map((p) => yuanCell(f.parts[p]))];
  const types = (list: RuleTypeFigures[]): string => list.map((t) => `${ruleTypeName(t.rule_type)} ${t.n} / ${(t.amount_fen / 100).toFixed(2)}`).join('; ');
  const rows: Cell[][] = [];
  for (const m of r.members) {
    for (const i of m.institutions) {
      rows.push([r.agreement_no, r.month, m.admdvs, m.name, i.treatment_admdvs, i.treatment_name, i.fixmedins_code, i.fixmedins_name, i.setl_cnt, i.psn_cnt, ...figures(i), i.findings, yuanCell(i.findings_amount_fen), types(i.findings_by_rule_type)]);
    }
    rows.push([r.agreement_no, r.month, m.admdvs, m.name, '合计 total', null, null, null, m.totals.setl_cnt, null, ...figures(m.totals), m.totals.findings, yuanCell(m.totals.findings_amount_fen), types(m.findings_by_rule_type)]);
  }
  return { header, rows };
}
