// The one place where the engine's fen and basis points meet the national interface's yuan
// numbers and fractions (2204 fee lines, 2206/2207/2303/2304 setlinfo and setldetail).
import type { ClassifiedFeeLine, FeeLine } from './catalog.ts';
import { invalid } from './errors.ts';
import { bpToFraction, fenToYuan, yuanToFen, type Fen } from './money.ts';
import type { SetldetailLine, SetlinfoAmounts, Settlement } from './settle.ts';

/** What the interface shows for an item without a price limit (seen in 2204 outputs). */
export const NO_PRICE_LIMIT_YUAN = 999999;

/** A 2204/2301 feedetail entry as sent (yuan numbers or strings) → a FeeLine in fen. */
export function feeLineFromInterface(raw: Record<string, unknown>, path = 'feedetail'): FeeLine {
  const text = (k: string): string => {
    const v = raw[k];
    if (typeof v !== 'string' || v === '') throw invalid(`${path}.${k}`, `${k} 必填`, `${k} is required`);
    return v;
  };
  const amount = (k: string): Fen => {
    const v = raw[k];
    if (typeof v !== 'number' && typeof v !== 'string') throw invalid(`${path}.${k}`, `${k} 必填`, `${k} is required`);
    return yuanToFen(v, `${path}.${k}`);
  };
  const cntRaw = raw['cnt'];
  const cnt = typeof cntRaw === 'number' ? cntRaw : typeof cntRaw === 'string' ? Number(cntRaw) : NaN;
  if (!Number.isFinite(cnt) || cnt === 0) throw invalid(`${path}.cnt`, '数量必须是非零数', 'cnt must be a non-zero number');
  const sum = amount('det_item_fee_sumamt');
  if (Math.sign(sum) !== Math.sign(cnt) && sum !== 0) {
    throw invalid(`${path}.det_item_fee_sumamt`, '金额与数量符号不一致', 'amount and count have different signs');
  }
  const appr = raw['hosp_appr_flag'];
  const init = raw['init_feedetl_sn'];
  return {
    feedetl_sn: text('feedetl_sn'),
    med_list_codg: text('med_list_codg'),
    det_item_fee_sumamt: sum,
    cnt,
    pric: amount('pric'),
    hosp_appr_flag: typeof appr === 'string' ? appr : null,
    init_feedetl_sn: typeof init === 'string' && init !== '' ? init : null,
  };
}

/** A classified line as the 2204 output's `result[]` entry. */
export function feeDetailResult(line: ClassifiedFeeLine): Record<string, string | number | null> {
  return {
    feedetl_sn: line.feedetl_sn,
    det_item_fee_sumamt: fenToYuan(line.det_item_fee_sumamt),
    cnt: line.cnt,
    pric: fenToYuan(line.pric),
    chrgitm_lv: line.chrgitm_lv,
    med_chrgitm_type: line.med_chrgitm_type,
    selfpay_prop: bpToFraction(line.selfpay_prop),
    pric_uplmt_amt: line.pric_uplmt_amt === null ? NO_PRICE_LIMIT_YUAN : fenToYuan(line.pric_uplmt_amt),
    overlmt_amt: fenToYuan(line.overlmt_amt),
    fulamt_ownpay_amt: fenToYuan(line.fulamt_ownpay_amt),
    preselfpay_amt: fenToYuan(line.preselfpay_amt),
    inscp_scp_amt: fenToYuan(line.inscp_scp_amt),
    memo: line.reason.zh,
  };
}

/** setlinfo's amount fields in yuan; the caller adds the identifying fields (mdtrt_id, psn_no, …). */
export function setlinfoAmounts(s: SetlinfoAmounts): Record<keyof SetlinfoAmounts, number> {
  const out = {} as Record<keyof SetlinfoAmounts, number>;
  for (const k of Object.keys(s) as (keyof SetlinfoAmounts)[]) out[k] = fenToYuan(s[k]);
  return out;
}

export function setldetailEntry(d: SetldetailLine): Record<string, string | number | null> {
  return {
    fund_pay_type: d.fund_pay_type,
    fund_pay_type_name: d.fund_pay_type_name,
    inscp_scp_amt: fenToYuan(d.inscp_scp_amt),
    crt_payb_lmt_amt: d.crt_payb_lmt_amt === null ? null : fenToYuan(d.crt_payb_lmt_amt),
    fund_payamt: fenToYuan(d.fund_payamt),
    setl_proc_info: d.setl_proc_info === '' ? null : d.setl_proc_info,
  };
}

/** The settlement as the interface's output body: `{ setlinfo, setldetail }` amounts in yuan. */
export function settlementOutput(s: Settlement): { setlinfo: Record<string, number>; setldetail: Record<string, string | number | null>[] } {
  return { setlinfo: setlinfoAmounts(s.setlinfo), setldetail: s.setldetail.map(setldetailEntry) };
}
