import type { ExplainValue, Settlement } from '../../src/engine/settle.ts';
import { FUND_PAY_TYPES } from '../../src/engine/codes.ts';
import { yuan } from './api.ts';
import { usePrefs } from './i18n.tsx';
import { Badge } from './ui.tsx';

// A settlement explained to the person who paid it: the totals, what each fund paid, and every
// step the engine took, in plain words with the numbers it used. The page checks the same
// identities the engine does, so what is shown visibly adds up.

export type { Settlement };

/** A stored settlement as the settlement ledger lists it, with the engine's explanation. */
export interface StoredSettlement {
  setl_id: string;
  kind: 'settle' | 'cancel';
  status: 'settled' | 'cancelled';
  setl_time: string;
  mdtrt_id: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  med_type: string;
  explanation: Settlement;
}


/** Plain names for the numbers the engine's steps name most often; others keep the interface's field name. */
const TERMS: Record<string, { zh: string; en: string }> = {
  lines: { zh: '明细条数', en: 'fee lines' },
  medfee_sumamt: { zh: '医疗费用总额', en: 'total cost' },
  fulamt_ownpay_amt: { zh: '全自费', en: 'not covered at all' },
  overlmt_selfpay: { zh: '超限价自付', en: 'above the price limit' },
  preselfpay_amt: { zh: '先行自付', en: 'your first share of class-B items' },
  inscp_scp_amt: { zh: '政策范围内费用', en: 'covered amount' },
  ratio_bp: { zh: '支付比例', en: 'rate' },
  fund_pay: { zh: '基金支付', en: 'fund pays' },
  self_pay: { zh: '个人自付', en: 'you pay' },
  base: { zh: '计算基数', en: 'base' },
  deductible_remaining: { zh: '剩余起付线', en: 'deductible left' },
  act_pay_dedc: { zh: '本次起付线', en: 'deductible this time' },
  deductible: { zh: '起付线', en: 'deductible' },
  eligible: { zh: '可支付部分', en: 'eligible amount' },
  cap_room: { zh: '剩余年度限额', en: 'annual cap left' },
  hifp_pay: { zh: '统筹基金支付', en: 'pooled fund pays' },
  pool_prop_selfpay: { zh: '统筹内个人负担', en: 'your share within pooling' },
  hifmi_pay: { zh: '大病保险支付', en: 'critical illness pays' },
  maf_pay: { zh: '医疗救助支付', en: 'medical assistance pays' },
  acct_pay: { zh: '个人账户支付', en: 'personal account pays' },
  psn_cash_pay: { zh: '现金支付', en: 'cash' },
  psn_part_amt: { zh: '个人负担', en: 'your part' },
  hosp_part_amt: { zh: '医院负担', en: 'hospital bears' },
  identity: { zh: '身份', en: 'identity' },
  threshold: { zh: '起付标准', en: 'threshold' },
};

function show(key: string, v: ExplainValue, tr: (zh: string, en: string) => string): string {
  if (v === null) return '—';
  if (typeof v === 'boolean') return v ? tr('是', 'yes') : tr('否', 'no');
  if (typeof v === 'string') return v;
  if (key.endsWith('_bp')) return `${v / 100}%`;
  if (key === 'lines' || key === 'admissions' || key.endsWith('_no') || key.endsWith('_count')) return String(v);
  return `${yuan(v)} ${tr('元', 'yuan')}`;
}

export function SettlementExplanation({ settlement: s }: { settlement: Settlement }) {
  const { tr, lang } = usePrefs();
  const i = s.setlinfo;
  const funds = s.setldetail.filter((d) => d.fund_pay_type !== '310200' && d.fund_pay_type !== '999996');
  const fundSum = funds.reduce((n, d) => n + d.fund_payamt, 0);
  const addsUp = fundSum === i.fund_pay_sumamt && i.medfee_sumamt === i.fund_pay_sumamt + i.psn_part_amt + i.hosp_part_amt && i.psn_part_amt === i.acct_pay + i.psn_cash_pay;
  const term = (k: string): string => (TERMS[k] ? (lang === 'zh' ? TERMS[k].zh : TERMS[k].en) : k);
  const fundName = (code: string, fallback: string): string => {
    const f = (FUND_PAY_TYPES as Record<string, { zh: string; en: string }>)[code];
    return f ? (lang === 'zh' ? f.zh : f.en) : fallback;
  };
  return (
    <div className="explanation" data-testid="explanation">
      <dl className="totals">
        <div><dt>{tr('医疗费用总额', 'Total cost of care')}</dt><dd data-testid="medfee">{yuan(i.medfee_sumamt)}</dd></div>
        <div><dt>{tr('医保基金支付', 'Paid by the funds')}</dt><dd data-testid="fund-sum">{yuan(i.fund_pay_sumamt)}</dd></div>
        <div><dt>{tr('个人账户支付', 'From your personal account')}</dt><dd data-testid="acct-pay">{yuan(i.acct_pay)}</dd></div>
        <div><dt>{tr('个人现金支付', 'You paid in cash')}</dt><dd data-testid="cash-pay">{yuan(i.psn_cash_pay)}</dd></div>
        {i.hosp_part_amt > 0 && <div><dt>{tr('医院负担', 'Borne by the hospital')}</dt><dd data-testid="hosp-part">{yuan(i.hosp_part_amt)}</dd></div>}
      </dl>
      <p className="check" role="status" data-testid="adds-up" data-ok={addsUp}>
        {addsUp ? <Badge tone="ok">{tr('核对无误', 'Adds up')}</Badge> : <Badge tone="bad">{tr('金额不符', 'Does not add up')}</Badge>}{' '}
        {tr(
          `基金 ${yuan(i.fund_pay_sumamt)} + 个人账户 ${yuan(i.acct_pay)} + 现金 ${yuan(i.psn_cash_pay)}${i.hosp_part_amt ? ` + 医院 ${yuan(i.hosp_part_amt)}` : ''} = 总额 ${yuan(i.medfee_sumamt)} 元`,
          `funds ${yuan(i.fund_pay_sumamt)} + account ${yuan(i.acct_pay)} + cash ${yuan(i.psn_cash_pay)}${i.hosp_part_amt ? ` + hospital ${yuan(i.hosp_part_amt)}` : ''} = total ${yuan(i.medfee_sumamt)} yuan`,
        )}
      </p>
      <h3>{tr('各项基金支付', 'What each fund paid')}</h3>
      {funds.length === 0 ? (
        <p className="muted">{tr('本次没有基金支付。', 'No fund paid this time.')}</p>
      ) : (
        <table data-testid="funds">
          <thead>
            <tr>
              <th scope="col">{tr('基金', 'Fund')}</th>
              <th scope="col" className="num">{tr('政策范围内（元）', 'In scope (yuan)')}</th>
              <th scope="col" className="num">{tr('支付（元）', 'Paid (yuan)')}</th>
              <th scope="col" className="num">{tr('本年剩余额度', 'Left this year')}</th>
            </tr>
          </thead>
          <tbody>
            {funds.map((d) => (
              <tr key={d.fund_pay_type}>
                <td>{fundName(d.fund_pay_type, d.fund_pay_type_name)}</td>
                <td className="num">{yuan(d.inscp_scp_amt)}</td>
                <td className="num" data-testid="fund-amount">{yuan(d.fund_payamt)}</td>
                <td className="num">{d.crt_payb_lmt_amt === null ? tr('不限', 'no cap') : yuan(d.crt_payb_lmt_amt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{tr('计算过程', 'How it was worked out')}</h3>
      <ol className="steps">
        {s.steps.map((st, n) => (
          <li key={n}>
            <p>{lang === 'zh' ? st.zh : st.en}</p>
            <p className="muted small">
              {Object.entries(st.in).map(([k, v]) => `${term(k)} ${show(k, v, tr)}`).join('，')}
              {Object.keys(st.out).length > 0 && ' → '}
              {Object.entries(st.out).map(([k, v]) => `${term(k)} ${show(k, v, tr)}`).join('，')}
            </p>
          </li>
        ))}
      </ol>
      <p className="muted small">
        {tr('政策', 'Policy')} {s.policy_id} v{s.policy_version}
      </p>
    </div>
  );
}
