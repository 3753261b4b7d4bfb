import type { ReactNode } from 'react';
import type { ExplainValue, Settlement } from '../../src/engine/settle.ts';
import { FUND_PAY_TYPES } from '../../src/engine/codes.ts';
import { yuan } from './api.ts';
import { usePrefs } from './i18n.tsx';
import { Badge } from './ui.tsx';
import { plainWords } from '../../src/engine/explanation-words.ts';

// A settlement explained to the person who paid it: the totals, what each fund paid, and every
// step the engine took as a sentence (src/engine/explanation-words.ts), with the engine's own
// record one click away for staff. The page checks the same identities the engine does, so what
// is shown visibly adds up.

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


/** A value of a step for staff: the number as stored, with its unit read out. */
function technicalValue(key: string, v: ExplainValue, tr: (zh: string, en: string) => string): string {
  if (v === null) return '—';
  if (typeof v !== 'number') return String(v);
  if (key.endsWith('_bp')) return `${v} (${v / 100}%)`;
  if (key === 'lines' || key === 'admissions' || key.endsWith('_no') || key.endsWith('_count')) return String(v);
  return `${v} (${yuan(v)} ${tr('元', 'yuan')})`;
}

function TechnicalValues({ values }: { values: Readonly<Record<string, ExplainValue>> }) {
  const { tr } = usePrefs();
  return (
    <>
      {Object.entries(values).map(([k, v], n) => (
        <span key={k}>{n > 0 && tr('，', ', ')}<code>{k}</code> {technicalValue(k, v, tr)}</span>
      ))}
    </>
  );
}

/**
 * `technical`: the engine's own record of each step (rule paths, parameter keys, fen and basis
 * points) in a collapsible section, open on the staff pages; the insured person reads sentences.
 */
export function SettlementExplanation({ settlement: s, technical = 'closed' }: { settlement: Settlement; technical?: 'open' | 'closed' }): ReactNode {
  const { tr, lang } = usePrefs();
  const i = s.setlinfo;
  const funds = s.setldetail.filter((d) => d.fund_pay_type !== '310200' && d.fund_pay_type !== '999996');
  const fundSum = funds.reduce((n, d) => n + d.fund_payamt, 0);
  const addsUp = fundSum === i.fund_pay_sumamt && i.medfee_sumamt === i.fund_pay_sumamt + i.psn_part_amt + i.hosp_part_amt && i.psn_part_amt === i.acct_pay + i.psn_cash_pay;
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
      <ol className="steps" data-testid="steps">
        {s.steps.map((st, n) => {
          const words = plainWords(st);
          return <li key={n} data-step={st.step}>{lang === 'zh' ? words.zh : words.en}</li>;
        })}
      </ol>
      <details className="technical" data-testid="technical" open={technical === 'open'}>
        <summary>{tr('详细计算', 'Technical detail')}</summary>
        <p className="muted small">
          {tr('结算引擎的计算记录：政策规则路径、参数、金额（分）和比例（基点，1% = 100）。', "The engine's record: policy rule paths, parameters, amounts in fen and ratios in basis points (1% = 100).")}{' '}
          {tr('政策', 'Policy')} <code>{s.policy_id}</code> v{s.policy_version}
        </p>
        <ol className="technical-steps">
          {s.steps.map((st, n) => (
            <li key={n}>
              <p><strong>{lang === 'zh' ? st.zh : st.en}</strong> <code>{st.step}</code>{st.rule && <> · <code>{st.rule}</code></>}</p>
              <p className="muted small">
                <TechnicalValues values={st.in} />
                {Object.keys(st.out).length > 0 && ' → '}
                <TechnicalValues values={st.out} />
              </p>
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}
