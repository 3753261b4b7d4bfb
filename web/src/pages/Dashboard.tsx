import { useQuery, useQueryClient, useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, AriaComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api, post, yuan, type Me } from '../api.ts';
import { FUND_PAY_TYPES } from '../../../src/engine/codes.ts';
import { fenToYuan } from '../../../src/engine/money.ts';
import { usePrefs } from '../i18n.tsx';
import { Card, Empty, Field, Query, StatusBadge } from '../ui.tsx';
import type { DayFund, DayTotal, DirectRate, Flow, QueueCase, QueueMonth, RegionEnrollment, SettlementListRow } from '../types.ts';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, CanvasRenderer]);

// The supervisors' dashboard: enrollment rate by region (click a province to go down to its
// cities), queue deadlines kept by month (click a month for its cases), filtered by region and
// period. Money flows come from the settlement ledger once it is installed.

type RegionRow = RegionEnrollment;
type SettlementRow = SettlementListRow;

export function Chart({ option, label, onClick }: { option: echarts.EChartsCoreOption; label: string; onClick?: (name: string, seriesName?: string) => void }): ReactNode {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const handler = useRef(onClick);
  handler.current = onClick;
  useEffect(() => {
    if (!ref.current) return;
    const c = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (p) => handler.current?.(String(p.name), p.seriesName));
    const resize = (): void => c.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      c.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true, label: { description: label } }, animation: false, ...option }, true);
  }, [option, label]);
  return <div ref={ref} className="chart" role="img" aria-label={label} />;
}

export function Dashboard({ me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const year = new Date().getFullYear();
  const [within, setWithin] = useState<string>('');
  const [from, setFrom] = useState(`${year}-01-01`);
  const [to, setTo] = useState(`${year}-12-31`);
  const [month, setMonth] = useState<{ queue: string; month: string } | null>(null);
  const level = within ? 'city' : 'province';
  const enrollment = useQuery({
    queryKey: ['dash', 'enrollment', level, within],
    queryFn: () => api<{ refreshed_at: string | null; items: RegionRow[] }>(`/api/v1/dashboard/enrollment?${new URLSearchParams({ level, ...(within ? { region: within } : {}) })}`),
  });
  const provinces = useQuery({
    queryKey: ['dash', 'enrollment', 'province', ''],
    queryFn: () => api<{ items: RegionRow[] }>('/api/v1/dashboard/enrollment?level=province'),
  });
  const queues = useQuery({ queryKey: ['dash', 'queues', from, to], queryFn: () => api<{ items: QueueMonth[] }>(`/api/v1/dashboard/queues?${new URLSearchParams({ from, to })}`) });
  const cases = useQuery({
    queryKey: ['dash', 'cases', month?.queue, month?.month],
    queryFn: () => api<{ items: QueueCase[] }>(`/api/v1/dashboard/queues/items?${new URLSearchParams({ queue: month!.queue, month: month!.month })}`),
    enabled: month !== null,
  });
  const refresh = useMutation({ mutationFn: () => post('/api/v1/dashboard/refresh'), onSuccess: () => void qc.invalidateQueries({ queryKey: ['dash'] }) });

  const rows = enrollment.data?.items ?? [];
  // The figures are pre-aggregated (recounted every 10 minutes or on demand): say how old they are.
  const refreshedAt = enrollment.data?.refreshed_at;
  const asOf = refreshedAt ? new Date(refreshedAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' }) : undefined;
  const enrollOption: echarts.EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 24, bottom: 64 },
    xAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { rotate: 40, interval: 0 } },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: [{ name: tr('参保率', 'Enrollment rate'), type: 'bar', data: rows.map((r) => Math.round(r.rate * 1000) / 10), itemStyle: { color: '#0b6e4f' } }],
  };
  const months = [...new Set((queues.data?.items ?? []).map((m) => m.month))].sort();
  const pick = (q: 'filing' | 'recognition', f: (m: QueueMonth) => number): number[] => months.map((mo) => queues.data?.items.filter((m) => m.queue === q && m.month === mo).reduce((n, m) => n + f(m), 0) ?? 0);
  const queueOption: echarts.EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 40, right: 16, top: 24, bottom: 56 },
    xAxis: { type: 'category', data: months },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: tr('备案·按期', 'Filings on time'), type: 'bar', stack: 'f', data: pick('filing', (m) => m.on_time), itemStyle: { color: '#0b6e4f' } },
      { name: tr('备案·超期', 'Filings late'), type: 'bar', stack: 'f', data: pick('filing', (m) => m.late + m.overdue_pending), itemStyle: { color: '#b3261e' } },
      { name: tr('认定·按期', 'Recognitions on time'), type: 'bar', stack: 'r', data: pick('recognition', (m) => m.on_time), itemStyle: { color: '#2f6fb3' } },
      { name: tr('认定·超期', 'Recognitions late'), type: 'bar', stack: 'r', data: pick('recognition', (m) => m.late + m.overdue_pending), itemStyle: { color: '#c77700' } },
    ],
  };
  const decided = (queues.data?.items ?? []).reduce((n, m) => n + m.decided, 0);
  const onTime = (queues.data?.items ?? []).reduce((n, m) => n + m.on_time, 0);

  return (
    <>
      <h1>{tr('监管看板', 'Supervision dashboard')}</h1>
      <form className="card row filters" aria-label={tr('筛选', 'Filters')} onSubmit={(e) => e.preventDefault()}>
        <Field label={tr('地区', 'Region')}>
          {(id) => (
            <select id={id} value={within} onChange={(e) => setWithin(e.target.value)}>
              <option value="">{tr('全部（按省）', 'All (by province)')}</option>
              {(provinces.data?.items ?? []).map((r) => <option key={r.admdvs} value={r.admdvs}>{r.name}</option>)}
            </select>
          )}
        </Field>
        <Field label={tr('期限自', 'Due from')}>{(id) => <input id={id} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />}</Field>
        <Field label={tr('至', 'to')}>{(id) => <input id={id} type="date" value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
        {me.can.refresh_dashboard && (
          <div className="actions"><button type="button" className="secondary" onClick={() => refresh.mutate()} disabled={refresh.isPending}>{tr('刷新汇总', 'Refresh figures')}</button></div>
        )}
      </form>
      <div className="summary">
        <div className="stat"><span>{tr('参保人数', 'Enrolled')}</span><strong>{rows.reduce((n, r) => n + r.enrolled, 0).toLocaleString()}</strong></div>
        <div className="stat"><span>{tr('登记人数', 'Registered')}</span><strong>{rows.reduce((n, r) => n + r.registered, 0).toLocaleString()}</strong></div>
        <div className="stat" data-testid="refreshed-at"><span>{tr('汇总时间', 'Figures as of')}</span><strong className="when">{asOf ?? tr('尚未汇总', 'never counted')}</strong></div>
        <div className="stat"><span>{tr('审核按期率', 'Decided on time')}</span><strong>{decided === 0 ? '—' : `${Math.round((onTime / decided) * 1000) / 10}%`}</strong></div>
      </div>
      <Card title={level === 'province' ? tr('各省参保率（点击柱子查看各市）', 'Enrollment rate by province (click a bar for its cities)') : tr('各市参保率', 'Enrollment rate by city')}
        actions={within ? <button type="button" className="link" onClick={() => setWithin('')}>{tr('返回全部', 'Back to all')}</button> : undefined}>
        <Query q={enrollment}>
          {(d) => d.items.length === 0 ? <Empty>{tr('没有数据。请点“刷新汇总”。', 'No figures yet: refresh them.')}</Empty> : (
            <>
              <Chart option={enrollOption} label={tr('参保率柱状图', 'Bar chart of enrollment rates')} onClick={(name) => { const r = d.items.find((x) => x.name === name); if (r && level === 'province') setWithin(r.admdvs); }} />
              <details>
                <summary>{tr('数据表', 'As a table')}</summary>
                <table>
                  <thead><tr><th scope="col">{tr('地区', 'Region')}</th><th scope="col" className="num">{tr('登记', 'Registered')}</th><th scope="col" className="num">{tr('参保', 'Enrolled')}</th><th scope="col" className="num">{tr('参保率', 'Rate')}</th></tr></thead>
                  <tbody>{d.items.map((r) => <tr key={r.admdvs}><td>{r.name}</td><td className="num">{r.registered}</td><td className="num">{r.enrolled}</td><td className="num">{(r.rate * 100).toFixed(1)}%</td></tr>)}</tbody>
                </table>
              </details>
            </>
          )}
        </Query>
      </Card>
      <Card title={tr('审核期限执行情况（按期限月份，点击查看案件）', 'Queue deadlines kept, by month due (click for the cases)')}>
        <Query q={queues}>
          {(d) => d.items.length === 0 ? <Empty>{tr('此期间没有到期的审核。', 'No deadline fell in this period.')}</Empty> : (
            <Chart option={queueOption} label={tr('审核期限柱状图', 'Bar chart of deadlines kept')} onClick={(name, series) => setMonth({ queue: series?.startsWith(tr('认定', 'Recognitions')) ? 'recognition' : 'filing', month: name })} />
          )}
        </Query>
        {month && (
          <Query q={cases}>
            {(d) => (
              <div className="scroll" data-testid="drilldown">
                <h3>{month.month} · {month.queue === 'filing' ? tr('备案', 'filings') : tr('认定', 'recognitions')}</h3>
                <table>
                  <thead><tr><th scope="col">{tr('编号', 'No.')}</th><th scope="col">{tr('参保地', 'Insured in')}</th><th scope="col">{tr('期限', 'Due')}</th><th scope="col">{tr('办结', 'Decided')}</th><th scope="col">{tr('状态', 'Status')}</th></tr></thead>
                  <tbody>{d.items.map((c) => <tr key={c.no}><td>{c.no}</td><td>{c.insuplc_admdvs}</td><td>{c.review_due}</td><td>{c.decided_on ?? '—'} {c.on_time === false ? tr('（超期）', '(late)') : ''}</td><td><StatusBadge status={c.status} /></td></tr>)}</tbody>
                </table>
              </div>
            )}
          </Query>
        )}
      </Card>
      <Money from={from} to={to} />
    </>
  );
}

const pct = (r: number | null): string => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);

/** Settlements and fund payments by day and fund type, cross-region flows, the direct-settlement rate. */
function Money({ from, to }: { from: string; to: string }) {
  const { tr, lang } = usePrefs();
  const [day, setDay] = useState<string | null>(null);
  const params = new URLSearchParams({ from, to }).toString();
  const byDay = useQuery({ queryKey: ['dash', 'settlements', from, to], queryFn: () => api<{ totals: DayTotal[]; funds: DayFund[] }>(`/api/v1/dashboard/settlements?${params}`) });
  const flows = useQuery({ queryKey: ['dash', 'flows', from, to], queryFn: () => api<{ items: Flow[] }>(`/api/v1/dashboard/flows?${params}`) });
  const direct = useQuery({ queryKey: ['dash', 'direct', from, to], queryFn: () => api<DirectRate>(`/api/v1/dashboard/direct-settlement?${params}`) });
  const list = useQuery({ queryKey: ['dash', 'day', day], queryFn: () => api<{ items: SettlementRow[] }>(`/api/v1/dashboard/settlements/items?day=${day}`), enabled: day !== null });
  const fundName = (code: string): string => {
    const f = (FUND_PAY_TYPES as Record<string, { zh: string; en: string }>)[code];
    return f ? (lang === 'zh' ? f.zh : f.en) : code;
  };
  const days = byDay.data?.totals.map((t) => t.day) ?? [];
  const fundTypes = [...new Set(byDay.data?.funds.map((f) => f.fund_pay_type) ?? [])].sort();
  const dayOption: echarts.EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 64, right: 48, top: 24, bottom: 64 },
    xAxis: { type: 'category', data: days },
    yAxis: [{ type: 'value', name: tr('元', 'yuan') }, { type: 'value', name: tr('笔', 'count'), minInterval: 1 }],
    series: [
      ...fundTypes.map((ft) => ({
        name: fundName(ft), type: 'bar', stack: 'fund',
        data: days.map((d) => fenToYuan(byDay.data?.funds.find((f) => f.day === d && f.fund_pay_type === ft)?.fund_fen ?? 0)),
      })),
      { name: tr('结算笔数', 'Settlements'), type: 'line', yAxisIndex: 1, data: byDay.data?.totals.map((t) => t.settlements) ?? [] },
    ],
  };
  return (
    <>
      <div className="summary">
        <div className="stat"><span>{tr('直接结算率', 'Settled directly')}</span><strong data-testid="direct-rate">{pct(direct.data?.rate ?? null)}</strong></div>
        <div className="stat"><span>{tr('异地就医直接结算率', 'Cross-region, settled directly')}</span><strong>{pct(direct.data?.cross_region_rate ?? null)}</strong></div>
        <div className="stat"><span>{tr('结算笔数', 'Settlements')}</span><strong>{(byDay.data?.totals.reduce((n, t) => n + t.settlements, 0) ?? 0).toLocaleString()}</strong></div>
        <div className="stat"><span>{tr('基金支付（元）', 'Funds paid (yuan)')}</span><strong>{yuan(byDay.data?.totals.reduce((n, t) => n + t.fund_fen, 0) ?? 0)}</strong></div>
      </div>
      <Card title={tr('每日结算与基金支付（按基金类型，点击某日查看明细）', 'Settlements and fund payments by day and fund (click a day for its list)')}>
        <Query q={byDay}>
          {(d) => d.totals.length === 0 ? <Empty>{tr('此期间没有结算。', 'No settlements in this period.')}</Empty> : (
            <Chart option={dayOption} label={tr('每日基金支付柱状图', 'Bar chart of fund payments by day')} onClick={(name) => setDay(name)} />
          )}
        </Query>
        {day && (
          <Query q={list}>
            {(d) => (
              <div className="scroll" data-testid="settlement-drilldown">
                <h3>{day} · {tr(`${d.items.length} 笔结算`, `${d.items.length} settlements`)}</h3>
                <table>
                  <thead><tr><th scope="col">{tr('结算号', 'Settlement')}</th><th scope="col">{tr('机构', 'Institution')}</th><th scope="col">{tr('参保地 → 就医地', 'Insured → treated')}</th><th scope="col" className="num">{tr('总额', 'Total')}</th><th scope="col" className="num">{tr('基金', 'Funds')}</th></tr></thead>
                  <tbody>{d.items.map((r) => <tr key={r.setl_id}><td>{r.setl_id}{r.kind === 'cancel' ? tr('（撤销）', ' (cancel)') : ''}</td><td>{r.fixmedins_name ?? r.fixmedins_code}</td><td>{r.insuplc_admdvs} → {r.mdtrtarea_admvs}</td><td className="num">{yuan(r.medfee_fen)}</td><td className="num">{yuan(r.fund_fen)}</td></tr>)}</tbody>
                </table>
              </div>
            )}
          </Query>
        )}
      </Card>
      <Card title={tr('跨地区就医资金流向（谁为谁的参保人看病，多少钱）', 'Cross-region flows (who treats whose insured, how much)')}>
        <Query q={flows}>
          {(d) => d.items.length === 0 ? <Empty>{tr('此期间没有跨地区结算。', 'No cross-region settlement in this period.')}</Empty> : (
            <div className="scroll">
              <table data-testid="flows">
                <thead><tr><th scope="col">{tr('参保地', 'Insured in')}</th><th scope="col">{tr('就医地', 'Treated in')}</th><th scope="col" className="num">{tr('笔数', 'Count')}</th><th scope="col" className="num">{tr('医疗费用（元）', 'Cost (yuan)')}</th><th scope="col" className="num">{tr('基金支付（元）', 'Funds (yuan)')}</th></tr></thead>
                <tbody>{d.items.map((f) => <tr key={f.insured + f.treated}><td>{f.insured_name}</td><td>→ {f.treated_name}</td><td className="num">{f.settlements}</td><td className="num">{yuan(f.medfee_fen)}</td><td className="num">{yuan(f.fund_fen)}</td></tr>)}</tbody>
              </table>
            </div>
          )}
        </Query>
      </Card>
    </>
  );
}
