// The one place where the engine's fen and basis points meet the national interface's yuan
// numbers and fractions (2204 fee lines, 2206/2207/2303/2304 setlinfo and setldetail).
import type { ClassifiedFeeLine, FeeLine } from './catalog.ts';
import { invalid, YibaoError } from './errors.ts';
import { bpToFraction, CNT_DECIMALS, fenToYuan, formatYuan, MAX_CNT, MAX_LINE_FEN, yuanToFen, type Fen } from './money.ts';
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
  const count = countFromInterface(raw['cnt'], `${path}.cnt`);
  const sum = amount('det_item_fee_sumamt');
  const pric = amount('pric');
  if (Math.abs(sum) > MAX_LINE_FEN) {
    throw invalid(`${path}.det_item_fee_sumamt`, `单条明细金额不应超过 ${formatYuan(MAX_LINE_FEN as Fen)} 元`, `a line's total must be at most ${formatYuan(MAX_LINE_FEN as Fen)} yuan`);
  }
  if (pric < 0 || pric > MAX_LINE_FEN) {
    throw invalid(`${path}.pric`, `单价应在 0 至 ${formatYuan(MAX_LINE_FEN as Fen)} 元之间（退费用负数量表示）`, `the price must be from 0 to ${formatYuan(MAX_LINE_FEN as Fen)} yuan (a refund has a negative cnt)`);
  }
  if (Math.sign(sum) !== Math.sign(count.cnt) && sum !== 0) {
    throw invalid(`${path}.det_item_fee_sumamt`, '金额与数量符号不一致', 'amount and count have different signs');
  }
  // The total is price × count rounded to the fen: off by a whole fen or more is a wrong bill.
  const exact = BigInt(pric) * BigInt(count.tenThousandths);
  const diff = BigInt(sum) * 10000n - exact;
  if (diff >= 10000n || diff <= -10000n) {
    const shown = `${formatYuan(pric)} × ${count.cnt} ≠ ${formatYuan(sum)}`;
    throw new YibaoError('invalid', ['det_item_fee_sumamt', 'pric', 'cnt'].map((k) => ({
      field: `${path}.${k}`,
      zh: `明细金额应等于单价×数量（${shown}）`,
      en: `det_item_fee_sumamt must equal pric × cnt to the fen (${shown})`,
    })));
  }
  const init = raw['init_feedetl_sn'];
  if (count.cnt < 0 && (typeof init !== 'string' || init === '')) {
    throw invalid(`${path}.init_feedetl_sn`, '退费明细（数量为负）须填写原费用明细流水号', 'a refund line (negative cnt) names the original line in init_feedetl_sn');
  }
  const appr = raw['hosp_appr_flag'];
  return {
    feedetl_sn: text('feedetl_sn'),
    med_list_codg: text('med_list_codg'),
    det_item_fee_sumamt: sum,
    cnt: count.cnt,
    pric,
    hosp_appr_flag: typeof appr === 'string' ? appr : null,
    init_feedetl_sn: typeof init === 'string' && init !== '' ? init : null,
  };
}

// A count as decimal text only: no hex ("0x10"), no exponent ("1e21"), no Infinity, no "+".
const CNT_TEXT = new RegExp(`^(-)?(\\d{1,7})(?:\\.(\\d{1,${CNT_DECIMALS}}))?$`);

/** cnt as sent (a JSON number or decimal text) → the number and its exact ten-thousandths; refuses 0 and |cnt| > MAX_CNT. */
export function countFromInterface(value: unknown, field: string): { cnt: number; tenThousandths: number } {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = CNT_TEXT.exec(text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));
  const units = m ? Number(m[2]) * 10000 + Number((m[3] ?? '').padEnd(CNT_DECIMALS, '0')) : NaN;
  if (!m || units === 0 || units > MAX_CNT * 10000) {
    throw invalid(field, `数量应为非零十进制数，绝对值不超过 ${MAX_CNT}，至多 ${CNT_DECIMALS} 位小数`, `cnt must be a non-zero decimal number, at most ${MAX_CNT} in size with at most ${CNT_DECIMALS} decimals, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  const signed = m[1] ? -units : units;
  return { cnt: signed / 10000, tenThousandths: signed };
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
