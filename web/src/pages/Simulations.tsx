import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import type { ReportRow, SimulationReport } from '../../../src/engine/simulation-report.ts';
import type { ExplanationStep } from '../../../src/engine/settle.ts';
import { plainWords } from '../../../src/engine/explanation-words.ts';
import { api, post, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, ErrorBox, Field, Query } from '../ui.tsx';
import { Chart } from './Dashboard.tsx';

echarts.use([BarChart]);

// The bureau's simulator over its stored settlements (docs/simulator.md): a stored policy, or a
// draft pasted as JSON, priced over a period of the region's real settlements in the persons'
// order, against what was paid — run in the background (POST /api/v1/simulations), followed
// while it runs, then read: what each fund, level and month costs, who pays more or less by
// identity group, and the claims that change most with both explanations side by side.

interface PolicySummary { file: string; policy_id: string; version: number; admdvs: string; region_name: string; insutype: string }
interface Run {
  id: string; admdvs: string; insutype: string; period: { from: string; to: string }; draft: string; baseline: string;
  status: 'running' | 'done' | 'failed'; progress: { done: number; total: number }; error: string | null; requested_by: string; started_at: string; finished_at: string | null;
  result?: { seconds: number; report: SimulationReport };
}

type Tr = (zh: string, en: string) => string;

const STATUS: Record<Run['status'], { zh: string; en: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  running: { zh: '运行中', en: 'running', tone: 'info' },
  done: { zh: '已完成', en: 'done', tone: 'ok' },
  failed: { zh: '失败', en: 'failed', tone: 'bad' },
};

export function Simulations({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const year = new Date().getFullYear();
  const policies = useQuery({ queryKey: ['policies'], queryFn: () => api<{ items: PolicySummary[] }>('/api/v1/policies'), staleTime: Infinity });
  const mine = (policies.data?.items ?? []).filter((p) => me.regions.includes('000000') || me.regions.includes(p.admdvs));
  const [file, setFile] = useState('');
  const chosen = mine.find((p) => p.file === file) ?? mine[0];
  const [draftText, setDraftText] = useState('');
  const [baseline, setBaseline] = useState<'paid' | 'stored'>('paid');
  const [from, setFrom] = useState(`${year}-01-01`);
  const [to, setTo] = useState(`${year}-12-31`);
  const [open, setOpen] = useState<string | null>(null);
  const admdvs = chosen?.admdvs ?? '';
  const runs = useQuery({
    queryKey: ['simulations', admdvs],
    queryFn: () => api<{ items: Run[] }>(`/api/v1/simulations?admdvs=${admdvs}`),
    enabled: admdvs !== '',
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'running') ? 1000 : false),
  });
  const start = useMutation({
    mutationFn: () => {
      let draft: unknown = chosen?.file;
      if (draftText.trim() !== '') {
        try { draft = JSON.parse(draftText); } catch { throw new Error(tr('草案不是合法的 JSON', 'The draft is not valid JSON')); }
      }
      const admdvsOfDraft = typeof draft === 'object' && draft !== null ? String((draft as { admdvs?: unknown }).admdvs ?? '') : admdvs;
      return post<Run>('/api/v1/simulations', { admdvs: admdvsOfDraft, draft, baseline: baseline === 'stored' ? chosen?.file : null, from, to });
    },
    onSuccess: (r) => {
      setOpen(r.id);
      void qc.invalidateQueries({ queryKey: ['simulations'] });
    },
  });
  return (
    <>
      <h1>{tr('政策测算：历史结算回放', 'Policy simulation over the stored settlements')}</h1>
      <Card title={tr('新建测算', 'New simulation')}>
        <form className="row filters" aria-label={tr('测算参数', 'Simulation inputs')} onSubmit={(e) => { e.preventDefault(); start.mutate(); }}>
          <Field label={tr('政策', 'Policy')}>
            {(id) => (
              <select id={id} value={chosen?.file ?? ''} onChange={(e) => setFile(e.target.value)}>
                {mine.map((p) => <option key={p.file} value={p.file}>{p.policy_id} v{p.version} · {p.region_name} {p.insutype}</option>)}
              </select>
            )}
          </Field>
          <Field label={tr('对照', 'Against')}>
            {(id) => (
              <select id={id} value={baseline} onChange={(e) => setBaseline(e.target.value as 'paid' | 'stored')}>
                <option value="paid">{tr('实际支付', 'what was paid')}</option>
                <option value="stored">{tr('所选政策的现行版本（重算）', 'the stored version, re-settled')}</option>
              </select>
            )}
          </Field>
          <Field label={tr('开始日期', 'From')}>{(id) => <input id={id} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />}</Field>
          <Field label={tr('结束日期', 'To')}>{(id) => <input id={id} type="date" value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
          <div className="field"><button type="submit" disabled={start.isPending || !chosen}>{tr('开始测算', 'Start')}</button></div>
        </form>
        <Field label={tr('草案（JSON，可选；留空则测算所选政策）', 'Draft (JSON, optional; empty: the chosen policy itself)')}>
          {(id) => <textarea id={id} rows={4} value={draftText} onChange={(e) => setDraftText(e.target.value)} data-testid="draft" />}
        </Field>
        <div className="actions">
          <button type="button" className="secondary" disabled={!chosen} onClick={() => chosen && void api<unknown>(`/api/v1/policies/${chosen.file}`).then((d) => setDraftText(JSON.stringify(d, null, 2)))}>
            {tr('载入所选政策作为草案', 'Load the chosen policy as the draft')}
          </button>
        </div>
        {start.isError && <ErrorBox error={start.error} />}
      </Card>
      <Card title={tr('测算记录', 'Simulations')}>
        <Query q={runs}>
          {(d) => d.items.length === 0 ? <Empty>{tr('本地区还没有测算。', 'No simulation in this region yet.')}</Empty> : (
            <div className="scroll">
              <table data-testid="runs">
                <thead><tr><th scope="col">#</th><th scope="col">{tr('草案', 'Draft')}</th><th scope="col">{tr('对照', 'Against')}</th><th scope="col">{tr('期间', 'Period')}</th><th scope="col">{tr('状态', 'Status')}</th><th scope="col">{tr('进度', 'Progress')}</th><th scope="col"><span className="sr-only">{tr('操作', 'Actions')}</span></th></tr></thead>
                <tbody>
                  {d.items.map((r) => (
                    <tr key={r.id} data-testid="run" data-status={r.status}>
                      <td>{r.id}</td><td>{r.draft}</td><td>{r.baseline === 'stored' ? tr('实际支付', 'what was paid') : r.baseline}</td><td className="nowrap">{r.period.from} — {r.period.to}</td>
                      <td><Badge tone={STATUS[r.status].tone}>{tr(STATUS[r.status].zh, STATUS[r.status].en)}</Badge>{r.error && <small className="muted"> {r.error}</small>}</td>
                      <td><progress max={Math.max(r.progress.total, 1)} value={r.progress.done} aria-label={tr('进度', 'Progress')} /> {r.progress.done} / {r.progress.total}</td>
                      <td><button type="button" className="link" onClick={() => setOpen(r.id)}>{tr('查看', 'Open')}</button></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Query>
      </Card>
      {open && <RunReport id={open} />}
    </>
  );
}

function RunReport({ id }: { id: string }): ReactNode {
  const { tr } = usePrefs();
  const run = useQuery({
    queryKey: ['simulation', id],
    queryFn: () => api<Run>(`/api/v1/simulations/${id}`),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
  });
  return (
    <Query q={run}>
      {(r) => r.status === 'running' ? <Card title={tr(`测算 ${r.id}`, `Simulation ${r.id}`)}><p role="status">{tr(`运行中：已回放 ${r.progress.done} / ${r.progress.total} 笔结算`, `Running: ${r.progress.done} of ${r.progress.total} settlements replayed`)}</p></Card>
        : r.status === 'failed' || !r.result ? <Card title={tr(`测算 ${r.id}`, `Simulation ${r.id}`)}><p className="state error" role="alert">{r.error}</p></Card>
        : <Report run={r} report={r.result.report} tr={tr} />}
    </Query>
  );
}

function pairChart(rows: ReportRow[], tr: Tr): echarts.EChartsCoreOption {
  return {
    tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 72, right: 16, top: 32, bottom: 48 },
    xAxis: { type: 'category', data: rows.map((x) => x.key) },
    yAxis: { type: 'value', name: tr('元', 'yuan') },
    series: [
      { type: 'bar', name: tr('对照', 'against'), data: rows.map((x) => Number(x.from)), itemStyle: { color: '#8a99a6' } },
      { type: 'bar', name: tr('草案', 'draft'), data: rows.map((x) => Number(x.to)), itemStyle: { color: '#1f6f5c' } },
    ],
  };
}

function Rows({ rows, title, testid }: { rows: ReportRow[]; title: string; testid: string }): ReactNode {
  const { tr } = usePrefs();
  return (
    <div className="scroll">
      <table data-testid={testid}>
        <caption>{title}</caption>
        <thead><tr><th scope="col">{tr('项目', 'Item')}</th><th scope="col" className="num">{tr('笔数', 'Claims')}</th><th scope="col" className="num">{tr('对照（元）', 'Against (yuan)')}</th><th scope="col" className="num">{tr('草案（元）', 'Draft (yuan)')}</th><th scope="col" className="num">{tr('差额（元）', 'Difference (yuan)')}</th></tr></thead>
        <tbody>{rows.map((x) => <tr key={x.key}><td>{x.name}</td><td className="num">{x.claims}</td><td className="num">{x.from}</td><td className="num">{x.to}</td><td className="num">{x.difference}</td></tr>)}</tbody>
      </table>
    </div>
  );
}

function Steps({ steps }: { steps: readonly ExplanationStep[] | null }): ReactNode {
  const { lang, tr } = usePrefs();
  if (!steps) return <p className="muted">{tr('不予结算', 'Refused')}</p>;
  return <ol className="steps">{steps.map((st, n) => { const w = plainWords(st); return <li key={n}>{lang === 'zh' ? w.zh : w.en}</li>; })}</ol>;
}

function Report({ run, report: r, tr }: { run: Run; report: SimulationReport; tr: Tr }): ReactNode {
  const months = useMemo(() => pairChart(r.by_month, tr), [r.by_month, tr]);
  const funds = useMemo(() => pairChart(r.by_fund_type, tr), [r.by_fund_type, tr]);
  return (
    <Card title={tr(`测算 ${run.id}：${run.draft}`, `Simulation ${run.id}: ${run.draft}`)} actions={<a href={`/api/v1/simulations/${run.id}/report.csv`} download>{tr('下载 CSV', 'Download CSV')}</a>}>
      <div data-testid="simulation-report">
        <dl className="totals">
          <div><dt>{tr('结算笔数 / 人数', 'Claims / persons')}</dt><dd>{r.claims} / {r.persons}</dd></div>
          <div><dt>{tr('基金支出（对照 → 草案）', 'Funds pay (against → draft)')}</dt><dd>{r.fund.from} → {r.fund.to}</dd></div>
          <div><dt>{tr('基金支出差额', 'Difference to the funds')}</dt><dd data-testid="fund-difference">{r.fund.difference}</dd></div>
          <div><dt>{tr('个人负担差额', 'Difference to the patients')}</dt><dd>{r.patient.difference}</dd></div>
          <div><dt>{tr('用时', 'Time')}</dt><dd>{run.result?.seconds} s</dd></div>
        </dl>
        <h3>{tr('按月基金支出', 'Fund cost by month')}</h3>
        <Chart option={months} label={tr('按月基金支出柱状图：对照与草案', 'Bar chart of the fund cost by month: against and draft')} />
        <h3>{tr('按基金类型', 'By fund type')}</h3>
        <Chart option={funds} label={tr('按基金类型柱状图：对照与草案', 'Bar chart by fund type: against and draft')} />
        <Rows rows={r.by_fund_type} title={tr('按基金类型', 'By fund type')} testid="by-fund-type" />
        <Rows rows={r.by_hosp_lv} title={tr('按医疗机构等级', 'By hospital level')} testid="by-hosp-lv" />
        <Rows rows={r.by_insutype} title={tr('按险种', 'By insurance type')} testid="by-insutype" />
        <h3>{tr('每人个人负担的变化（元）', "Change in what each person pays (yuan)")}</h3>
        <div className="scroll">
          <table data-testid="groups">
            <thead><tr><th scope="col">{tr('人群', 'Group')}</th><th scope="col" className="num nowrap">{tr('人数', 'Persons')}</th><th scope="col" className="num nowrap">{tr('多付', 'More')}</th><th scope="col" className="num nowrap">{tr('少付', 'Less')}</th><th scope="col" className="num nowrap">{tr('不变', 'Same')}</th><th scope="col" className="num nowrap">{tr('合计变化', 'Change')}</th>{r.buckets.map((b) => <th key={b} scope="col" className="num">{b}</th>)}</tr></thead>
            <tbody>{r.persons_by_group.map((g) => <tr key={g.group}><td>{g.name}</td><td className="num">{g.persons}</td><td className="num">{g.more}</td><td className="num">{g.less}</td><td className="num">{g.same}</td><td className="num">{g.change}</td>{g.buckets.map((n, i) => <td key={i} className="num">{n}</td>)}</tr>)}</tbody>
          </table>
        </div>
        <h3>{tr('变化最大的结算', 'The claims that change most')}</h3>
        {r.largest.length === 0 ? <Empty>{tr('没有结算发生变化。', 'No claim changes.')}</Empty> : r.largest.map((c) => (
          <details key={c.setl_id} data-testid="largest">
            <summary>{c.setl_id} · {c.psn_no} · {c.setl_time.slice(0, 10)} · {tr('医疗费', 'bill')} {c.medfee} · {tr('基金', 'funds')} {c.from.fund} → {c.to.fund}</summary>
            <div className="side-by-side">
              <div><h4>{tr('对照', 'Against')}</h4><Steps steps={c.from.steps} /></div>
              <div><h4>{tr('草案', 'Draft')}</h4><Steps steps={c.to.steps} /></div>
            </div>
          </details>
        ))}
      </div>
    </Card>
  );
}
