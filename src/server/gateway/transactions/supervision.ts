import { classifyFeeLines, feeLineFromInterface, formatYuan, MAX_LINE_FEN, type Catalog, type Fen } from '../../../engine/index.ts';
import { invalid } from '../../../engine/errors.ts';
import { ageOn } from '../../../engine/idcard.ts';
import { fenToYuan, yuanToFen } from '../../../engine/money.ts';
import type { MedType } from '../../../engine/codes.ts';
import { RULE_TYPES, type ClaimView, type Finding, type LineView, type Stage } from '../../../engine/supervision/types.ts';
import { judgeAtStage } from '../../../app/supervision/judge-visit.ts';
import { poolingRegionOf } from '../../../store/cooperation/common.ts';
import { inputList, inputObject, optionalDate, optionalDateTime, optionalString, requiredString } from '../input.ts';
import type { GatewayContext, TransactionHandler } from '../types.ts';

// 3101 明细审核事前分析 and 3102 事中分析: the hospital's system sends the patient, the encounter
// and its orders (patient_dtos[].fsi_encounter_dtos[] with fsi_diagnose_dtos and fsi_order_dtos)
// and gets back every rule of the library that fires (result[]: rule_id, rule_name, vola_cont,
// sev_deg, the orders concerned in judge_result_detail_dtos). Nothing is stored: the hospital
// decides what to do; during settlement the same rules run inside 2207/2304 (blocking ones refuse).

type Obj = Record<string, unknown>;

/** sev_deg: 1 明确违规 (violation), 2 高度可疑 (suspect), 3 轻度可疑/提示 (hint). */
const SEV_DEG = { violation: '1', suspect: '2', hint: '3' } as const;
const TYPE_NO = Object.fromEntries(Object.keys(RULE_TYPES).map((t, i) => [t, String(i + 1).padStart(2, '0')]));

const CIVIL = (d: Date): string => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

async function encounterClaim(ctx: GatewayContext, patient: Obj, enc: Obj, path: string, docsCatalog: (admdvs: string) => Catalog): Promise<ClaimView> {
  const now = ctx.now();
  const ppath = path.replace(/\.fsi_encounter_dtos\[\d+\]$/, '');
  const psn_no = requiredString(patient, 'patn_id', ppath, 30);
  const gend = requiredString(patient, 'gend', ppath, 1);
  if (gend !== '1' && gend !== '2') throw invalid(`${ppath}.gend`, '取值应为 1（男）或 2（女）', `expected 1 (male) or 2 (female), got "${gend}"`);
  const brdy = optionalDate(patient, 'brdy', ppath, 'record', now);
  if (brdy === undefined) throw invalid(`${ppath}.brdy`, '必填（出生日期 yyyy-MM-dd）', 'required (date of birth yyyy-MM-dd)');
  const mdtrt_id = requiredString(enc, 'mdtrt_id', path, 30);
  const medins = optionalString(enc, 'medins_id', path, 30);
  if (medins !== undefined && medins !== ctx.institution.fixmedins_code) throw invalid(`${path}.medins_id`, `只能分析本机构 ${ctx.institution.fixmedins_code} 的就诊`, `only the calling institution's ${ctx.institution.fixmedins_code} encounters may be analysed`);
  const begin = optionalDateTime(enc, 'adm_date', path, 'care', now) ?? now;
  const end = optionalDateTime(enc, 'dscg_date', path, 'care', now) ?? null;
  if (end !== null && end < begin) throw invalid(`${path}.dscg_date`, '出院时间早于入院时间', 'dscg_date is before adm_date');
  const mdtrtType = optionalString(enc, 'med_mdtrt_type', path, 3) ?? '1';
  if (!['1', '2', '3'].includes(mdtrtType)) throw invalid(`${path}.med_mdtrt_type`, '取值应为 1（门诊）、2（住院）或 3（购药）', `expected 1 (outpatient), 2 (inpatient) or 3 (pharmacy), got "${mdtrtType}"`);
  const kind = ctx.institution.fixmedins_type === '2' || mdtrtType === '3' ? 'pharmacy' : mdtrtType === '2' ? 'inpatient' : 'outpatient';
  const med_type = (optionalString(enc, 'med_type', path, 6) ?? (kind === 'inpatient' ? '21' : kind === 'pharmacy' ? '41' : '11')) as MedType;
  const diagnoses = inputList(enc, 'fsi_diagnose_dtos', true);
  const dise_codes = diagnoses
    .map((d, i) => ({ code: requiredString(d, 'dise_codg', `${path}.fsi_diagnose_dtos[${i}]`, 30), main: optionalString(d, 'maindise_flag', `${path}.fsi_diagnose_dtos[${i}]`, 1) === '1' }))
    .sort((a, b) => Number(b.main) - Number(a.main))
    .map((d) => d.code);
  const orders = inputList(enc, 'fsi_order_dtos');
  if (orders.length === 0) throw invalid(`${path}.fsi_order_dtos`, '至少一条医嘱明细', 'at least one order is required');
  if (orders.length > 5000) throw invalid(`${path}.fsi_order_dtos`, '单次最多5000条', 'at most 5000 orders');
  const raw = orders.map((o, i) => {
    const p = `${path}.fsi_order_dtos[${i}]`;
    const pric = yuanToFen(o['pric'], `${p}.pric`, { min: 0, max: MAX_LINE_FEN });
    const line = feeLineFromInterface({
      feedetl_sn: requiredString(o, 'rx_id', p, 30), med_list_codg: requiredString(o, 'hilist_code', p, 50), cnt: o['cnt'], pric: formatYuan(pric),
      det_item_fee_sumamt: o['sumamt'] === undefined ? undefined : formatYuan(yuanToFen(o['sumamt'], `${p}.sumamt`, { min: -MAX_LINE_FEN, max: MAX_LINE_FEN })),
      hosp_appr_flag: optionalString(o, 'hosp_appr_flag', p, 3),
    }, p);
    const at = optionalDateTime(o, 'drord_begn_date', p, 'care', now);
    return { line, at: at === undefined ? null : CIVIL(at) };
  });
  const insuplc = optionalString(patient, 'poolarea', ppath, 6) ?? ctx.envelope.insuplc_admdvs ?? ctx.envelope.mdtrtarea_admvs;
  const treatment = await poolingRegionOf(ctx.db, ctx.institution.admdvs);
  const age = ageOn(brdy, CIVIL(begin).slice(0, 10));
  const classified = classifyFeeLines(docsCatalog(treatment), raw.map((r) => r.line), { gend, age }, { med_type });
  const lines: LineView[] = classified.map((c, i) => ({
    feedetl_sn: c.feedetl_sn, med_list_codg: c.med_list_codg, list_type: null, med_chrgitm_type: c.med_chrgitm_type, chrgitm_lv: c.chrgitm_lv, cnt: c.cnt, pric: c.pric,
    det_item_fee_sumamt: c.det_item_fee_sumamt, pric_uplmt_fen: c.pric_uplmt_amt, inscp_scp_amt: c.inscp_scp_amt, fulamt_ownpay_amt: c.fulamt_ownpay_amt,
    fee_ocur_time: raw[i]!.at, init_feedetl_sn: null,
  }));
  return {
    mdtrt_id, setl_id: null, kind, psn_no, gend, age, insutype: optionalString(enc, 'insutype', path, 6) ?? '', med_type, fixmedins_code: ctx.institution.fixmedins_code,
    fixmedins_type: ctx.institution.fixmedins_type, hosp_lv: ctx.institution.hosp_lv, mdtrtarea_admvs: treatment, insuplc_admdvs: insuplc,
    begntime: CIVIL(begin), endtime: end === null ? null : CIVIL(end), dise_codes, lines, fund_pay_sumamt: 0 as Fen,
  };
}

function resultEntry(f: Finding, taskId: string, n: number, lines: ReadonlyMap<string, LineView>): Obj {
  return {
    jr_id: `${taskId}-${n}`, rule_id: f.rule_code, rule_name: f.rule_name.zh, rule_name_en: f.rule_name.en, vola_cont: f.vola_cont.zh, vola_cont_en: f.vola_cont.en,
    patn_id: f.psn_no, mdtrt_id: f.mdtrt_id, vola_amt: fenToYuan(f.amount_fen), vola_amt_stas: f.amount_fen > 0 ? '1' : '0', sev_deg: SEV_DEG[f.severity],
    vola_evid: f.related.length > 0 ? `related mdtrt_id: ${f.related.join(', ')}` : '', vola_bhvr_type: TYPE_NO[f.rule_type], rule_type: f.rule_type, blocking: f.blocking ? '1' : '0', task_id: taskId,
    judge_result_detail_dtos: f.lines.map((sn, i) => ({ jrd_id: `${taskId}-${n}-${i + 1}`, patn_id: f.psn_no, mdtrt_id: f.mdtrt_id, rx_ids: [sn], vola_item_type: lines.get(sn)?.med_chrgitm_type ?? '', vola_amt: fenToYuan(lines.get(sn)?.det_item_fee_sumamt ?? (0 as Fen)) })),
  };
}

function analysis(infno: '3101' | '3102', zh: string, en: string, stage: Stage): TransactionHandler {
  return {
    infno, name: { zh, en }, requiresSignIn: true, writes: false,
    async handle(ctx) {
      const data = inputObject(ctx.envelope.input, 'data');
      const patients = inputList(data, 'patient_dtos');
      if (patients.length === 0) throw invalid('input.data.patient_dtos', '至少一名患者', 'at least one patient is required');
      if (patients.length > 100) throw invalid('input.data.patient_dtos', '单次最多100名患者', 'at most 100 patients');
      const taskId = optionalString(data, 'task_id', 'input.data', 40) ?? ctx.envelope.msgid;
      // rule_ids: only these rules (all when absent).
      const ids = data['rule_ids'];
      if (ids !== undefined && !(Array.isArray(ids) && ids.every((x) => typeof x === 'string'))) throw invalid('input.data.rule_ids', '应为规则编码的数组', 'expected an array of rule codes');
      const wanted = ids === undefined ? undefined : new Set(ids as string[]);
      const docs = await ctx.documents.compiled(ctx.db);
      const result: Obj[] = [];
      for (let i = 0; i < patients.length; i++) {
        const encounters = inputList(patients[i]!, 'fsi_encounter_dtos');
        for (let j = 0; j < encounters.length; j++) {
          const claim = await encounterClaim(ctx, patients[i]!, encounters[j]!, `input.data.patient_dtos[${i}].fsi_encounter_dtos[${j}]`, (a) => ctx.documents.catalogFor(docs, a));
          const byLine = new Map(claim.lines.map((l) => [l.feedetl_sn, l]));
          for (const f of await judgeAtStage(ctx.db, claim, stage, docs, ctx.documents)) {
            if (wanted && !wanted.has(f.rule_code)) continue;
            result.push(resultEntry(f, taskId, result.length + 1, byLine));
          }
        }
      }
      return { result };
    },
  };
}

export const preAnalysis = analysis('3101', '明细审核事前分析', 'claim review before settlement', 'before');
export const duringAnalysis = analysis('3102', '明细审核事中分析', 'claim review during settlement', 'during');
