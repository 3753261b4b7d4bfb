import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { RULE_TYPES } from '../../../src/engine/supervision/types.ts';
import { api, yuan, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Card, Empty, Field, Query } from '../ui.tsx';
import { Chart } from './Dashboard.tsx';
import { SupervisionTabs } from './Supervision.tsx';
import type { SharingReport } from '../types.ts';

echarts.use([BarChart]);

// The monthly expense-data sharing report of an agreement (协议数据共享, docs/supervision.md):
// pick an agreement with a data_sharing clause and a month; each member's insured people's
// settlements in the other members, by treatment member and institution and fund part, with the
// findings on them by rule type; a chart of what each member's people were paid elsewhere, one
// of the findings; CSV and XLSX of the same rows.

type Bi = { zh: string; en: string };
interface Agreement { agreement_no: string; name: string; members: string[]; clauses: { kind: string; begndate: string; enddate: string | null }[] }

const thisMonth = (): string => {
  const d = new Date(Date.now() + 8 * 3600_000);
  return d.toISOString().slice(0, 7);
};
const ruleName = (t: string, lang: 'zh' | 'en'): string => (RULE_TYPES as Record<string, Bi>)[t]?.[lang] ?? t;

export function SupervisionSharing({ me: _me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const agreements = useQuery({ queryKey: ['agreements'], queryFn: () => api<{ agreements: Agreement[] }>('/api/v1/agreements') });
  const sharing = (agreements.data?.agreements ?? []).filter((a) => a.clauses.some((c) => c.kind === 'data_sharing'));
  const [no, setNo] = useState('');
  const [month, setMonth] = useState(thisMonth());
  useEffect(() => {
    if (!no && sharing[0]) setNo(sharing[0].agreement_no);
  }, [no, sharing]);
  const valid = /^\d{4}-(0[1-9]|1[0-2])$/.test(month);
  return (
    <>
      <h1>{tr('协议数据共享月报', 'Monthly data-sharing report')}</h1>
      <SupervisionTabs here="sharing" />
      <Query q={agreements}>
        {() => sharing.length === 0 ? <Empty>{tr('没有含数据共享条款的协议。', 'No agreement has a data-sharing clause.')}</Empty> : (
          <form className="card row filters" aria-label={tr('协议与月份', 'Agreement and month')} onSubmit={(e) => e.preventDefault()}>
            <Field label={tr('协议', 'Agreement')}>
              {(id) => (
                <select id={id} value={no} onChange={(e) => setNo(e.target.value)}>
                  {sharing.map((a) => <option key={a.agreement_no} value={a.agreement_no}>{a.name}（{a.agreement_no}）</option>)}
                </select>
              )}
            </Field>
            <Field label={tr('月份', 'Month')} hint="yyyy-mm">
              {(id, hint) => <input id={id} type="month" aria-describedby={hint} value={month} onChange={(e) => setMonth(e.target.value)} />}
            </Field>
            {no && valid && (
              <div className="actions" data-testid="downloads">
                <a href={`/api/v1/supervision/sharing/${encodeURIComponent(no)}?month=${month}&format=csv`} download>{tr('下载 CSV', 'Download CSV')}</a>
                <a href={`/api/v1/supervision/sharing/${encodeURIComponent(no)}?month=${month}&format=xlsx`} download>{tr('下载 XLSX', 'Download XLSX')}</a>
              </div>
            )}
          </form>
        )}
      </Query>
      {no && valid && <Report key={`${no}-${month}`} no={no} month={month} />}
    </>
  );
}

function Report({ no, month }: { no: string; month: string }): ReactNode {
  const { tr, lang } = usePrefs();
  const q = useQuery({ queryKey: ['supervision', 'sharing', no, month], queryFn: () => api<SharingReport>(`/api/v1/supervision/sharing/${encodeURIComponent(no)}?month=${month}`) });
  return (
    <Query q={q}>
      {(report) => {
        // The parts nothing was paid from this month are left out of the tables (the downloads keep every column).
        const r = { ...report, fund_parts: report.fund_parts.filter((p) => report.totals.parts[p] !== 0) };
        return (
        <>
          <div className="totals" data-testid="sharing-totals">
            <div className="stat"><small>{tr('异地结算笔数', 'Settlements elsewhere')}</small><strong data-testid="total-count">{r.totals.setl_cnt}</strong></div>
            <div className="stat"><small>{tr('医疗费用（元）', 'Medical costs (yuan)')}</small><strong data-testid="total-medfee" data-fen={r.totals.medfee_sumamt}>{yuan(r.totals.medfee_sumamt)}</strong></div>
            <div className="stat"><small>{tr('基金支付（元）', 'Funds paid (yuan)')}</small><strong data-fen={r.totals.fund_pay_sumamt}>{yuan(r.totals.fund_pay_sumamt)}</strong></div>
            <div className="stat"><small>{tr('监管疑点', 'Findings')}</small><strong data-testid="total-findings">{r.totals.findings}</strong><span className="small">{yuan(r.totals.findings_amount_fen)} {tr('元', 'yuan')}</span></div>
          </div>
          {r.totals.setl_cnt === 0 ? <Empty>{tr(`${r.month} 没有成员之间的异地结算。`, `No settlement between members in ${r.month}.`)}</Empty> : <Charts r={r} />}
          {r.members.map((m) => (
            <Card key={m.admdvs} title={tr(`${m.name}（${m.admdvs}）参保人在其他成员地区的结算`, `${m.name} (${m.admdvs}): its insured people's settlements in the other members`)}>
              {m.institutions.length === 0 ? <Empty>{tr('本月没有。', 'None this month.')}</Empty> : (
                <div className="scroll" data-testid="member" data-admdvs={m.admdvs}>
                  <table data-testid="sharing-table">
                    <thead><tr>
                      <th scope="col">{tr('就医地', 'Treated in')}</th><th scope="col">{tr('机构', 'Institution')}</th>
                      <th scope="col" className="num">{tr('笔数', 'Settlements')}</th><th scope="col" className="num">{tr('人数', 'Persons')}</th>
                      <th scope="col" className="num">{tr('医疗费用', 'Costs')}</th>
                      {r.fund_parts.map((p) => <th key={p} scope="col" className="num">{r.fund_part_names[p]?.[lang] ?? p}</th>)}
                      <th scope="col">{tr('疑点（按规则类型）', 'Findings by rule type')}</th>
                    </tr></thead>
                    <tbody>
                      {m.institutions.map((i) => (
                        <tr key={`${i.treatment_admdvs}-${i.fixmedins_code}`} data-testid="sharing-row" data-code={i.fixmedins_code} data-count={i.setl_cnt} data-medfee={i.medfee_sumamt}>
                          <td>{i.treatment_name}</td><td>{i.fixmedins_name}<br /><small className="muted">{i.fixmedins_code}</small></td>
                          <td className="num">{i.setl_cnt}</td><td className="num">{i.psn_cnt}</td><td className="num">{yuan(i.medfee_sumamt)}</td>
                          {r.fund_parts.map((p) => <td key={p} className="num">{yuan(i.parts[p] ?? 0)}</td>)}
                          <td>{i.findings_by_rule_type.length === 0 ? '—' : i.findings_by_rule_type.map((f) => `${ruleName(f.rule_type, lang)} ${f.n}（${yuan(f.amount_fen)}）`).join('；')}</td>
                        </tr>
                      ))}
                      <tr data-testid="member-total">
                        <th scope="row" colSpan={2}>{tr('合计', 'Total')}</th>
                        <td className="num">{m.totals.setl_cnt}</td><td /><td className="num">{yuan(m.totals.medfee_sumamt)}</td>
                        {r.fund_parts.map((p) => <td key={p} className="num">{yuan(m.totals.parts[p] ?? 0)}</td>)}
                        <td>{tr(`${m.totals.findings} 条，${yuan(m.totals.findings_amount_fen)} 元`, `${m.totals.findings}, ${yuan(m.totals.findings_amount_fen)} yuan`)}</td>
                      </tr>
                    </tbody>
                  </table>
                </div>
              )}
            </Card>
          ))}
        </>
        );
      }}
    </Query>
  );
}

function Charts({ r }: { r: SharingReport }): ReactNode {
  const { tr, lang } = usePrefs();
  const withRows = r.members.filter((m) => m.totals.setl_cnt > 0);
  // What each member's people were paid elsewhere, stacked by fund part (yuan).
  const paid = useMemo((): echarts.EChartsCoreOption => ({
    tooltip: { trigger: 'axis' }, legend: { type: 'scroll', top: 0 }, grid: { left: 60, right: 16, bottom: 30, top: 50 },
    xAxis: { type: 'category', data: withRows.map((m) => m.name) }, yAxis: { type: 'value', name: tr('元', 'yuan') },
    series: r.fund_parts.filter((p) => withRows.some((m) => (m.totals.parts[p] ?? 0) > 0)).map((p) => ({
      type: 'bar', stack: 'parts', name: r.fund_part_names[p]?.[lang] ?? p, data: withRows.map((m) => (m.totals.parts[p] ?? 0) / 100),
    })),
  }), [r, lang]);
  const findings = useMemo((): echarts.EChartsCoreOption => ({
    tooltip: { trigger: 'axis' }, grid: { left: 140, right: 16, bottom: 30, top: 20 },
    xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: r.findings_by_rule_type.map((f) => ruleName(f.rule_type, lang)) },
    series: [{ type: 'bar', name: tr('疑点数', 'Findings'), data: r.findings_by_rule_type.map((f) => f.n) }],
  }), [r, lang]);
  return (
    <div className="row">
      <div style={{ flex: '1 1 360px', minWidth: 0 }}>
        <Card title={tr('各成员参保人异地结算的支付构成', "How each member's people were paid elsewhere")}>
          <Chart option={paid} label={tr('各成员参保人在其他成员地区的结算，按支付构成', "Each member's people's settlements elsewhere, by fund part")} />
        </Card>
      </div>
      <div style={{ flex: '1 1 360px', minWidth: 0 }}>
        <Card title={tr('监管疑点（按规则类型）', 'Findings by rule type')}>
          {r.findings_by_rule_type.length === 0 ? <Empty>{tr('这些结算上没有疑点。', 'No finding on these settlements.')}</Empty>
            : <Chart option={findings} label={tr('这些结算上的疑点，按规则类型', 'Findings on these settlements, by rule type')} />}
        </Card>
      </div>
    </div>
  );
}
