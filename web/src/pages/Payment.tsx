import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, GaugeChart, LineChart } from 'echarts/charts';
import { api, ApiError, post, yuan, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, ErrorBox, Field, Query, RegionName } from '../ui.tsx';
import type { CaseGrouping, InstitutionPaymentYear, PaymentCase, PaymentCaseLine, PaymentGroupYear, PaymentRegion, PaymentStep, PaymentYearEnd, RegionPaymentYear } from '../types.ts';
import { Chart } from './Dashboard.tsx';
import { Simulator } from './PaymentSimulator.tsx';

echarts.use([BarChart, GaugeChart, LineChart]);

// The bureau's payment page (docs/payment.md, "Pages and routes"): a pooling region's year of
// DRG/DIP payment — the budget and how much of it the cases use, the rules, each hospital's
// case-mix index (CMI), the groups with the most cases and the largest losses, the outliers
// waiting for review, the months — then one hospital's own cases, and one case's group and why
// (the grouper's steps) with its payment explained step by step, in the page's language. The
// simulator pays the year again under changed rules (nothing stored); finance staff run the
// year-end settlement once for the region's year, then the page shows it.

/** The route that runs the year-end: the button shows to whoever /auth/me says may call it. */
const YEAR_END_ROUTE = 'POST /api/v1/payment/regions/:admdvs/years/:year/year-end';

type Tr = (zh: string, en: string) => string;

/** Ten-thousandths (a weight, a score, a CMI) as a decimal: 7810 → "0.7810". */
const e4 = (v: number | null): string => (v === null ? '—' : (v / 10000).toFixed(4));
/** Basis points as a percentage: 1234 → "12.34%". */
const pct = (bp: number | null): string => (bp === null ? '—' : `${(bp / 100).toFixed(2)}%`);

const KINDS: Record<string, { zh: string; en: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  normal: { zh: '正常病例', en: 'Normal', tone: 'ok' },
  high_cost: { zh: '高倍率', en: 'High-cost', tone: 'warn' },
  low_cost: { zh: '低倍率', en: 'Low-cost', tone: 'warn' },
  short_stay: { zh: '短住院', en: 'Short stay', tone: 'info' },
  death: { zh: '死亡', en: 'Death', tone: 'info' },
  transfer: { zh: '转院', en: 'Transfer', tone: 'info' },
  per_diem: { zh: '床日付费', en: 'Per diem', tone: 'info' },
  by_item: { zh: '按项目付费', en: 'By item', tone: 'info' },
  review: { zh: '特病单议', en: 'Expert review', tone: 'bad' },
};

function KindBadge({ kind }: { kind: string }): ReactNode {
  const { lang } = usePrefs();
  const k = KINDS[kind];
  return <Badge tone={k?.tone ?? 'info'}>{k ? (lang === 'zh' ? k.zh : k.en) : kind}</Badge>;
}

const METHOD = (m: 'drg' | 'dip' | null, tr: Tr): string => (m === 'drg' ? tr('按疾病诊断相关分组付费（DRG）', 'by diagnosis-related group (DRG)') : m === 'dip' ? tr('按病种分值付费（DIP）', 'by diagnosis-intervention packet (DIP)') : tr('按项目付费', 'by item'));
const LEVEL = (lv: string, tr: Tr): string => ({ '3': tr('三级', 'level 3'), '2': tr('二级', 'level 2'), '1': tr('一级', 'level 1') })[lv] ?? lv;
const INSUTYPE = (t: string, tr: Tr): string => ({ '310': tr('职工', 'employees'), '390': tr('居民', 'residents') })[t] ?? t;
const signed = (fen: number): string => (fen < 0 ? `−${yuan(-fen)}` : yuan(fen));

export function Payment({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const regions = useQuery({ queryKey: ['payment', 'regions'], queryFn: () => api<{ items: PaymentRegion[] }>('/api/v1/payment/regions') });
  const [admdvs, setAdmdvs] = useState('');
  const [year, setYear] = useState(0);
  const [hospital, setHospital] = useState<string | null>(null);
  const [setl, setSetl] = useState<string | null>(null);
  const items = regions.data?.items ?? [];
  // The first pooling region with payment rules, at its newest year.
  useEffect(() => {
    if (!admdvs && items[0]) {
      setAdmdvs(items[0].admdvs);
      setYear(items[0].year);
    }
  }, [admdvs, items]);
  const codes = [...new Set(items.map((i) => i.admdvs))];
  const years = items.filter((i) => i.admdvs === admdvs).map((i) => i.year);
  const choose = (a: string, y: number): void => {
    setAdmdvs(a);
    setYear(y);
    setHospital(null);
    setSetl(null);
  };
  return (
    <>
      <h1>{tr('DRG/DIP 支付', 'DRG/DIP payment')}</h1>
      <Query q={regions}>
        {() => items.length === 0 ? <Empty>{tr('您所在地区没有 DRG/DIP 支付规则。', 'No DRG/DIP payment rules in your regions.')}</Empty> : (
          <form className="card row filters" aria-label={tr('统筹区与年度', 'Pooling region and year')} onSubmit={(e) => e.preventDefault()}>
            <Field label={tr('统筹区', 'Pooling region')}>
              {(id) => (
                <select id={id} value={admdvs} onChange={(e) => choose(e.target.value, items.find((i) => i.admdvs === e.target.value)?.year ?? year)}>
                  {codes.map((c) => <option key={c} value={c}>{items.find((i) => i.admdvs === c)!.name}（{c}）</option>)}
                </select>
              )}
            </Field>
            <Field label={tr('年度', 'Year')}>
              {(id) => (
                <select id={id} value={year} onChange={(e) => choose(admdvs, Number(e.target.value))}>
                  {years.map((y) => <option key={y} value={y}>{y}</option>)}
                </select>
              )}
            </Field>
          </form>
        )}
      </Query>
      {admdvs && year > 0 && (
        <>
          <RegionYearSections key={`${admdvs}-${year}`} admdvs={admdvs} year={year} mayRunYearEnd={me.routes.includes(YEAR_END_ROUTE)} openHospital={(c) => { setHospital(c); setSetl(null); }} openCase={setSetl} />
          {hospital && <HospitalSection code={hospital} year={year} openCase={setSetl} close={() => setHospital(null)} />}
          {setl && <CasePanel setlId={setl} close={() => setSetl(null)} />}
        </>
      )}
    </>
  );
}

function gaugeOption(useBp: number, tr: Tr): echarts.EChartsCoreOption {
  return {
    series: [{
      type: 'gauge', min: 0, max: 100, radius: '95%',
      axisLine: { lineStyle: { width: 14, color: [[0.8, '#2e7d5b'], [0.95, '#b7791f'], [1, '#c0392b']] } },
      pointer: { width: 4 }, splitNumber: 5, axisLabel: { distance: 18, formatter: '{value}%' },
      detail: { formatter: useBp > 10000 ? tr('超过 100%', 'over 100%') : `${(useBp / 100).toFixed(2)}%`, fontSize: 18, offsetCenter: [0, '60%'] },
      data: [{ value: Math.min(useBp, 10000) / 100 }],
    }],
  };
}

function RegionYearSections({ admdvs, year, mayRunYearEnd, openHospital, openCase }: { admdvs: string; year: number; mayRunYearEnd: boolean; openHospital: (code: string) => void; openCase: (setl: string) => void }): ReactNode {
  const { tr } = usePrefs();
  const q = useQuery({ queryKey: ['payment', 'region', admdvs, year], queryFn: () => api<RegionPaymentYear>(`/api/v1/payment/regions/${admdvs}/years/${year}`) });
  return (
    <Query q={q}>
      {(d) => (
        <>
          <BudgetCard d={d} />
          <HospitalsCard d={d} openHospital={openHospital} />
          <Card title={tr('病例数最多的病组', 'Groups with the most cases')}><GroupsTable groups={d.top_groups} testid="top-groups" /></Card>
          <Card title={tr('亏损最大的病组', 'Groups with the largest losses')}>
            {d.loss_groups.length === 0 ? <Empty>{tr('本年度没有亏损的病组。', 'No group lost money this year.')}</Empty> : <GroupsTable groups={d.loss_groups} testid="loss-groups" />}
          </Card>
          <Card title={tr('待专家评议的病例（特病单议）', 'Outliers waiting for expert review')}>
            {d.review_cases.length === 0 ? <Empty>{tr('没有待评议的病例。', 'No case is waiting for review.')}</Empty> : <CasesTable cases={d.review_cases} openCase={openCase} testid="review-cases" />}
          </Card>
          <MonthsCard d={d} />
          {d.rules && <Simulator key={d.rules.rules_id} admdvs={admdvs} year={year} rules={d.rules} hospitalName={(c) => d.hospitals.find((h) => h.fixmedins_code === c)?.fixmedins_name ?? c} />}
          {d.rules && (d.year_end || mayRunYearEnd) && <YearEndCard d={d} mayRun={mayRunYearEnd} />}
        </>
      )}
    </Query>
  );
}

function BudgetCard({ d }: { d: RegionPaymentYear }): ReactNode {
  const { tr } = usePrefs();
  const r = d.rules;
  return (
    <Card title={tr(`${d.year} 年总额预算与使用`, `The ${d.year} budget and its use`)}>
      {!r ? <Empty>{tr('该统筹区本年度没有支付规则，住院按项目付费。', 'The region has no payment rules for the year: stays are paid by item.')}</Empty> : (
        <div className="payment-budget">
          <figure data-testid="budget-gauge" data-use-bp={d.totals.budget_use_bp ?? ''}>
            <Chart option={gaugeOption(d.totals.budget_use_bp ?? 0, tr)} label={tr(`DRG/DIP 预算使用 ${pct(d.totals.budget_use_bp)}`, `DRG/DIP budget used ${pct(d.totals.budget_use_bp)}`)} />
            <figcaption>{tr('已付医院 ÷ DRG/DIP 预算', 'paid to hospitals ÷ the DRG/DIP budget')}</figcaption>
          </figure>
          <div>
            <p>{tr('支付方式：', 'Paid ')}<strong data-testid="method">{METHOD(r.method, tr)}</strong></p>
            <dl className="totals" data-testid="rules">
              <div><dt>{tr('总额预算（元）', 'Global budget (yuan)')}</dt><dd>{yuan(r.budget_total_fen)}</dd></div>
              <div><dt>{tr('DRG/DIP 份额', 'DRG/DIP share')}</dt><dd>{pct(r.drg_dip_share_bp)}</dd></div>
              <div><dt>{tr('DRG/DIP 预算（元）', 'DRG/DIP budget (yuan)')}</dt><dd>{yuan(r.drg_dip_budget_fen)}</dd></div>
              <div><dt>{tr('已付医院（元）', 'Paid to hospitals (yuan)')}</dt><dd>{yuan(d.totals.hospital_payment_fen)}</dd></div>
              <div><dt>{tr('月度预付比例', 'Monthly advance share')}</dt><dd>{pct(r.advance_share_bp)}</dd></div>
              {Object.entries(r.base_rate_fen_by_insutype).map(([t, fen]) => (
                <div key={t}><dt>{tr(`基准费率（${INSUTYPE(t, tr)}，元）`, `Base rate (${INSUTYPE(t, tr)}, yuan)`)}</dt><dd>{yuan(fen)}</dd></div>
              ))}
              {r.method === 'dip' && (
                <div><dt>{tr('点值（元/分）', 'Point value (yuan per point)')}</dt><dd data-testid="point-value">{r.point_value_fen !== null ? yuan(r.point_value_fen) : tr('年终按预算确定', 'set from the budget at year end')}</dd></div>
              )}
              {Object.entries(r.hospital_coefficient_bp_by_level).map(([lv, bp]) => (
                <div key={lv}><dt>{tr(`${LEVEL(lv, tr)}医院系数`, `Coefficient, ${LEVEL(lv, tr)}`)}</dt><dd>{e4(bp)}</dd></div>
              ))}
            </dl>
            <dl className="totals">
              <div><dt>{tr('病例数', 'Cases')}</dt><dd data-testid="total-cases">{d.totals.cases}</dd></div>
              <div><dt>{tr('CMI（病例组合指数）', 'Case-mix index (CMI)')}</dt><dd>{e4(d.totals.cmi_e4)}</dd></div>
              <div><dt>{tr('支付标准合计（元）', 'Σ standard (yuan)')}</dt><dd>{yuan(d.totals.standard_fen)}</dd></div>
              <div><dt>{tr('结算时基金已付（元）', 'Fund paid at settlement (yuan)')}</dt><dd>{yuan(d.totals.basic_fund_paid_fen)}</dd></div>
              <div><dt>{tr('医院结余（元）', 'Hospitals\' surplus (yuan)')}</dt><dd>{signed(d.totals.surplus_fen)}</dd></div>
            </dl>
            <p className="hint">{r.weights_source ? tr(`权重：${r.weights_source}`, `Weights: ${r.weights_source}`) : r.source}</p>
          </div>
        </div>
      )}
    </Card>
  );
}

function HospitalsCard({ d, openHospital }: { d: RegionPaymentYear; openHospital: (code: string) => void }): ReactNode {
  const { tr } = usePrefs();
  const option = useMemo<echarts.EChartsCoreOption>(() => ({
    tooltip: { trigger: 'axis' }, grid: { left: 48, right: 16, top: 24, bottom: 64 },
    xAxis: { type: 'category', data: d.hospitals.map((h) => h.fixmedins_name), axisLabel: { interval: 0, rotate: d.hospitals.length > 4 ? 30 : 0 } },
    yAxis: { type: 'value', name: 'CMI' },
    series: [{ type: 'bar', name: 'CMI', data: d.hospitals.map((h) => h.cmi_e4 / 10000), itemStyle: { color: '#1f6f5c' } }],
  }), [d.hospitals]);
  return (
    <Card title={tr('医院与病例组合指数（CMI）', 'Hospitals and their case-mix index (CMI)')}>
      {d.hospitals.length === 0 ? <Empty>{tr('本年度还没有按 DRG/DIP 支付的病例。', 'No case paid by DRG/DIP this year yet.')}</Empty> : (
        <>
          <div className="scroll">
            <table data-testid="hospitals">
              <thead><tr>
                <th scope="col">{tr('医院', 'Hospital')}</th><th scope="col">{tr('等级', 'Level')}</th><th scope="col" className="num">{tr('病例数', 'Cases')}</th>
                <th scope="col" className="num">CMI</th><th scope="col" className="num">{tr('支付标准（元）', 'Standard (yuan)')}</th>
                <th scope="col" className="num">{tr('基金应付医院（元）', 'Hospital payment (yuan)')}</th><th scope="col" className="num">{tr('结余（元）', 'Surplus (yuan)')}</th><th scope="col">{tr('操作', 'Actions')}</th>
              </tr></thead>
              <tbody>
                {d.hospitals.map((h) => (
                  <tr key={h.fixmedins_code} data-testid="hospital" data-code={h.fixmedins_code}>
                    <td>{h.fixmedins_name}<br /><small className="muted">{h.fixmedins_code}</small></td>
                    <td className="nowrap">{LEVEL(h.hosp_lv, tr)}</td>
                    <td className="num nowrap">{h.cases}{h.cross_region_cases > 0 ? tr(`（异地 ${h.cross_region_cases}）`, ` (${h.cross_region_cases} cross-region)`) : ''}</td>
                    <td className="num" data-testid="cmi">{e4(h.cmi_e4)}</td>
                    <td className="num">{yuan(h.standard_fen)}</td>
                    <td className="num">{yuan(h.hospital_payment_fen)}</td>
                    <td className={`num ${h.surplus_fen < 0 ? 'bad' : ''}`}>{signed(h.surplus_fen)}</td>
                    <td><button type="button" className="secondary" onClick={() => openHospital(h.fixmedins_code)}>{tr(`${h.fixmedins_name}的病例`, `Cases of ${h.fixmedins_name}`)}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Chart option={option} label={tr('各医院 CMI 柱状图', 'Bar chart of each hospital\'s CMI')} onClick={(name) => {
            const h = d.hospitals.find((x) => x.fixmedins_name === name);
            if (h) openHospital(h.fixmedins_code);
          }} />
        </>
      )}
    </Card>
  );
}

function GroupsTable({ groups, testid }: { groups: PaymentGroupYear[]; testid: string }): ReactNode {
  const { tr } = usePrefs();
  if (groups.length === 0) return <Empty>{tr('没有病组。', 'No groups.')}</Empty>;
  return (
    <div className="scroll">
      <table data-testid={testid}>
        <thead><tr>
          <th scope="col">{tr('病组', 'Group')}</th><th scope="col" className="num">{tr('病例数', 'Cases')}</th><th scope="col" className="num">{tr('权重/分值', 'Weight / score')}</th>
          <th scope="col" className="num">{tr('例均费用（元）', 'Mean cost (yuan)')}</th><th scope="col" className="num">{tr('例均标准（元）', 'Mean standard (yuan)')}</th><th scope="col" className="num">{tr('结余（元）', 'Surplus (yuan)')}</th>
        </tr></thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.group_code} data-testid="group" data-code={g.group_code}>
              <td className="code">{g.group_code}</td><td className="num">{g.cases}</td><td className="num">{e4(g.weight_e4)}</td>
              <td className="num">{yuan(g.mean_cost_fen)}</td><td className="num">{yuan(g.mean_standard_fen)}</td><td className="num">{signed(g.surplus_fen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CasesTable({ cases, openCase, testid }: { cases: PaymentCaseLine[]; openCase: (setl: string) => void; testid: string }): ReactNode {
  const { tr } = usePrefs();
  return (
    <div className="scroll">
      <table data-testid={testid}>
        <thead><tr>
          <th scope="col">{tr('结算号', 'Settlement')}</th><th scope="col">{tr('出院日期', 'Discharged')}</th><th scope="col">{tr('病组', 'Group')}</th>
          <th scope="col" className="num">{tr('权重', 'Weight')}</th><th scope="col">{tr('类型', 'Kind')}</th><th scope="col" className="num">{tr('费用（元）', 'Cost (yuan)')}</th>
          <th scope="col" className="num">{tr('支付标准（元）', 'Standard (yuan)')}</th><th scope="col" className="num">{tr('基金应付医院（元）', 'Hospital payment (yuan)')}</th>
          <th scope="col" className="num">{tr('结余（元）', 'Surplus (yuan)')}</th><th scope="col">{tr('操作', 'Actions')}</th>
        </tr></thead>
        <tbody>
          {cases.map((c) => (
            <tr key={c.setl_id} data-testid="case" data-setl={c.setl_id}>
              <td className="code">{c.setl_id}{c.cross_region ? <> <Badge tone="info">{tr('异地', 'cross-region')}</Badge></> : null}</td>
              <td className="nowrap">{c.dscg_date}</td><td className="code">{c.group_code}</td><td className="num">{e4(c.weight_e4)}</td><td><KindBadge kind={c.kind} /></td>
              <td className="num">{yuan(c.total_cost_fen)}</td><td className="num">{yuan(c.standard_fen)}</td><td className="num">{signed(c.hospital_payment_fen)}</td>
              <td className="num">{signed(c.surplus_fen)}</td>
              <td><button type="button" className="secondary" onClick={() => openCase(c.setl_id)}>{tr(`查看 ${c.setl_id}`, `Open ${c.setl_id}`)}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MonthsCard({ d }: { d: RegionPaymentYear }): ReactNode {
  const { tr } = usePrefs();
  const option = useMemo<echarts.EChartsCoreOption>(() => ({
    tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 72, right: 48, top: 36, bottom: 32 },
    xAxis: { type: 'category', data: d.months.map((m) => m.month) },
    yAxis: [{ type: 'value', name: tr('元', 'yuan') }, { type: 'value', name: tr('病例', 'cases'), minInterval: 1 }],
    series: [
      { type: 'bar', name: tr('基金应付医院', 'Hospital payment'), data: d.months.map((m) => m.hospital_payment_fen / 100) },
      { type: 'bar', name: tr('结算时基金已付', 'Fund paid at settlement'), data: d.months.map((m) => m.basic_fund_paid_fen / 100) },
      { type: 'line', name: tr('病例数', 'Cases'), yAxisIndex: 1, data: d.months.map((m) => m.cases) },
    ],
  }), [d.months, tr]);
  return (
    <Card title={tr('按月', 'By month')}>
      {d.months.length === 0 ? <Empty>{tr('没有病例。', 'No cases.')}</Empty> : <Chart option={option} label={tr('各月基金应付医院与结算时已付', 'Hospital payment and fund paid at settlement by month')} />}
    </Card>
  );
}

/** The year-end's totals and DIP point value as the server stores them (JSON columns). */
interface YearEndTotals { cases: number; budget_fen: number; due_fen: number; paid_fen: number; balance_fen: number; adjustment_fen: number; budget_used_bp: number }
interface YearEndPointValue { point_value_fen: number; allowed_cost_fen: number; total_score_tt: number; explanation: PaymentStep[] }

function YearEndCard({ d, mayRun }: { d: RegionPaymentYear; mayRun: boolean }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const run = useMutation({
    mutationFn: () => post<RegionPaymentYear>(`/api/v1/payment/regions/${d.admdvs}/years/${d.year}/year-end`),
    onSuccess: (fresh) => {
      setConfirming(false);
      qc.setQueryData(['payment', 'region', d.admdvs, d.year], fresh);
      void qc.invalidateQueries({ queryKey: ['payment', 'institution'] });
      void qc.invalidateQueries({ queryKey: ['payment', 'case'] });
    },
    onError: (e) => {
      setConfirming(false);
      // Already run (by someone else since the page loaded): show theirs beside the message.
      if (e instanceof ApiError && e.status === 409) void qc.invalidateQueries({ queryKey: ['payment', 'region', d.admdvs, d.year] });
    },
  });
  return (
    <Card title={tr(`${d.year} 年终清算`, `Year-end settlement of ${d.year}`)}>
      <div data-testid="year-end-card">
        {run.isError && <ErrorBox error={run.error} />}
        {d.year_end ? <YearEndView ye={d.year_end} /> : mayRun && (
          <div data-testid="year-end-run">
            <p>{tr('年终清算按全年病例计算每家医院的应付金额（DIP 按预算确定点值），与结算时已付金额比较得出清算差额。', 'The year-end settlement works out what each hospital is due for the whole year (under DIP with the point value the budget allows) against what its settlements paid: the balance.')}</p>
            {!confirming ? (
              <button type="button" onClick={() => { run.reset(); setConfirming(true); }}>{tr('年终清算', 'Year-end settlement')}</button>
            ) : (
              <div className="state" role="group" aria-label={tr('确认年终清算', 'Confirm the year-end settlement')}>
                <p><strong>{tr(`该统筹区 ${d.year} 年的年终清算只能执行一次，执行后不能撤销。确定执行吗？`, `The year-end runs once for the region's ${d.year}: it cannot be undone. Run it?`)}</strong></p>
                <div className="row">
                  <button type="button" disabled={run.isPending} onClick={() => run.mutate()}>{run.isPending ? tr('正在清算…', 'Running…') : tr('确认执行', 'Run it')}</button>
                  <button type="button" className="secondary" disabled={run.isPending} onClick={() => setConfirming(false)}>{tr('取消', 'Cancel')}</button>
                </div>
              </div>
            )}
          </div>
        )}
      </div>
    </Card>
  );
}

function YearEndView({ ye }: { ye: PaymentYearEnd }): ReactNode {
  const { tr, lang } = usePrefs();
  const t = ye.totals as Partial<YearEndTotals>;
  const pv = ye.point_value as YearEndPointValue | null;
  const money = (fen: number | undefined, sign = false): string => (fen === undefined ? '—' : sign ? signed(fen) : yuan(fen));
  return (
    <>
      <p className="hint">{tr(`${ye.run_by} 于 ${ye.run_at.slice(0, 10)} 执行 · 规则第 ${ye.rules_version} 版`, `Run by ${ye.run_by} on ${ye.run_at.slice(0, 10)} · rules version ${ye.rules_version}`)}</p>
      <dl className="totals" data-testid="year-end-totals">
        <div><dt>{tr('病例数', 'Cases')}</dt><dd>{t.cases ?? '—'}</dd></div>
        <div><dt>{tr('DRG/DIP 预算（元）', 'DRG/DIP budget (yuan)')}</dt><dd>{money(t.budget_fen)}</dd></div>
        <div><dt>{tr('应付医院（元）', 'Due to hospitals (yuan)')}</dt><dd>{money(t.due_fen)}</dd></div>
        <div><dt>{tr('结算时已付（元）', 'Paid at settlement (yuan)')}</dt><dd>{money(t.paid_fen)}</dd></div>
        <div><dt>{tr('清算差额（元）', 'Balance (yuan)')}</dt><dd data-testid="year-end-balance">{money(t.balance_fen, true)}</dd></div>
        <div><dt>{tr('以前年度调整（元）', 'Earlier years\' adjustment (yuan)')}</dt><dd>{money(t.adjustment_fen, true)}</dd></div>
        <div><dt>{tr('预算使用', 'Budget used')}</dt><dd>{t.budget_used_bp === undefined ? '—' : pct(t.budget_used_bp)}</dd></div>
      </dl>
      {pv && (
        <>
          <h3>{tr('点值', 'The point value')}</h3>
          <dl className="totals" data-testid="year-end-point-value">
            <div><dt>{tr('点值（元/分）', 'Point value (yuan per point)')}</dt><dd>{yuan(pv.point_value_fen)}</dd></div>
            {pv.allowed_cost_fen > 0 && <div><dt>{tr('可分配费用（元）', 'Cost the budget allows (yuan)')}</dt><dd>{yuan(pv.allowed_cost_fen)}</dd></div>}
            {pv.total_score_tt > 0 && <div><dt>{tr('总分值', 'Total score')}</dt><dd>{e4(pv.total_score_tt)}</dd></div>}
          </dl>
          <ol className="steps">
            {pv.explanation.map((s, i) => <li key={i}><p>{lang === 'zh' ? s.zh : s.en}{s.fen !== undefined && <> <strong className="num">{signed(s.fen)}</strong></>}</p></li>)}
          </ol>
        </>
      )}
      <h3>{tr('各医院清算', 'Each hospital\'s line')}</h3>
      <div className="scroll">
        <table data-testid="year-end">
          <thead><tr>
            <th scope="col">{tr('医院', 'Hospital')}</th><th scope="col" className="num">{tr('病例数', 'Cases')}</th><th scope="col" className="num">CMI</th>
            <th scope="col" className="num">{tr('应付（元）', 'Due (yuan)')}</th><th scope="col" className="num">{tr('结算时已付（元）', 'Paid at settlement (yuan)')}</th>
            <th scope="col" className="num">{tr('清算差额（元）', 'Balance (yuan)')}</th><th scope="col" className="num">{tr('以前年度调整（元）', 'Earlier years (yuan)')}</th>
          </tr></thead>
          <tbody>
            {ye.lines.map((l) => (
              <tr key={l.fixmedins_code} data-testid="year-end-line" data-code={l.fixmedins_code}>
                <td>{l.fixmedins_name}<br /><small className="muted">{l.fixmedins_code}</small></td><td className="num">{l.cases}</td><td className="num">{e4(l.cmi_e4)}</td>
                <td className="num" data-testid="due">{yuan(l.due_fen)}</td><td className="num">{yuan(l.paid_fen)}</td>
                <td className={`num ${l.balance_fen < 0 ? 'bad' : ''}`} data-testid="balance">{signed(l.balance_fen)}</td><td className="num">{signed(l.adjustment_fen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Brings a section opened by a click into view once its data is there. */
function useScrolledTo(id: string, ready: boolean, key: string): void {
  useEffect(() => {
    if (ready) document.getElementById(id)?.scrollIntoView({ block: 'start' });
  }, [id, ready, key]);
}

function HospitalSection({ code, year, openCase, close }: { code: string; year: number; openCase: (setl: string) => void; close: () => void }): ReactNode {
  const { tr } = usePrefs();
  const q = useQuery({ queryKey: ['payment', 'institution', code, year], queryFn: () => api<InstitutionPaymentYear>(`/api/v1/payment/institutions/${code}/years/${year}`) });
  useScrolledTo('hospital-view', q.isSuccess, code);
  return (
    <Query q={q}>
      {(h) => (
        <Card id="hospital-view" title={tr(`${h.institution.fixmedins_name} ${year} 年病例与支付`, `${h.institution.fixmedins_name}: cases and payment of ${year}`)}
          actions={<button type="button" className="secondary" onClick={close}>{tr('关闭', 'Close')}</button>}>
          <p>{tr('统筹区', 'Pooling region')} <RegionName code={h.pooling_admdvs} /> · {METHOD(h.method, tr)}</p>
          <dl className="totals">
            <div><dt>{tr('病例数', 'Cases')}</dt><dd>{h.totals.cases}</dd></div>
            <div><dt>CMI</dt><dd>{e4(h.totals.cmi_e4)}</dd></div>
            <div><dt>{tr('基金应付医院（元）', 'Hospital payment (yuan)')}</dt><dd>{yuan(h.totals.hospital_payment_fen)}</dd></div>
            <div><dt>{tr('结算时基金已付（元）', 'Fund paid at settlement (yuan)')}</dt><dd>{yuan(h.totals.basic_fund_paid_fen)}</dd></div>
            <div><dt>{tr('结余（元）', 'Surplus (yuan)')}</dt><dd>{signed(h.totals.surplus_fen)}</dd></div>
            {h.year_end_line && <div><dt>{tr('年度清算差额（元）', 'Year-end balance (yuan)')}</dt><dd>{signed(h.year_end_line.balance_fen)}</dd></div>}
          </dl>
          <h3>{tr('病例', 'Cases')}</h3>
          {h.cases.length === 0 ? <Empty>{tr('没有病例。', 'No cases.')}</Empty> : <CasesTable cases={h.cases} openCase={openCase} testid="hospital-cases" />}
          <h3>{tr('病组', 'Groups')}</h3>
          <GroupsTable groups={h.groups} testid="hospital-groups" />
        </Card>
      )}
    </Query>
  );
}

function GroupingSteps({ g }: { g: CaseGrouping }): ReactNode {
  const { tr, lang } = usePrefs();
  return (
    <>
      <p>
        <strong className="code" data-testid="drg">{g.drg}</strong> {g.status === 'grouped' ? <Badge tone="ok">{tr('已入组', 'Grouped')}</Badge> : <Badge tone="warn">{tr('未能入组', 'Not grouped')}</Badge>}
        {' '}MDC {g.mdc ?? '—'} · ADRG {g.adrg ?? '—'} · {g.scheme} v{g.scheme_version}
      </p>
      <ol className="steps" data-testid="grouping-steps">
        {g.steps.map((s, i) => <li key={i}><p>{lang === 'zh' ? s.zh : s.en}</p></li>)}
      </ol>
      {g.cc.length > 0 && (
        <ul data-testid="complications">
          {g.cc.map((c) => (
            <li key={c.code}>
              <span className="code">{c.code}</span> {c.level}{' '}
              {c.counted ? tr('计入', 'counted') : c.excludedBy ? tr(`被排除（${c.excludedBy}）`, `excluded (${c.excludedBy})`) : tr('未计入', 'not counted')}
            </li>
          ))}
        </ul>
      )}
      {g.reason && <p className="hint">{g.reason}</p>}
    </>
  );
}

function PaymentSteps({ steps }: { steps: PaymentStep[] }): ReactNode {
  const { lang } = usePrefs();
  return (
    <ol className="steps" data-testid="payment-steps">
      {steps.map((s, i) => (
        <li key={i}><p>{lang === 'zh' ? s.zh : s.en}{s.fen !== undefined && <> <strong className="num">{signed(s.fen)}</strong></>}</p></li>
      ))}
    </ol>
  );
}

function CasePanel({ setlId, close }: { setlId: string; close: () => void }): ReactNode {
  const { tr } = usePrefs();
  const q = useQuery({ queryKey: ['payment', 'case', setlId], queryFn: () => api<PaymentCase>(`/api/v1/payment/cases/${encodeURIComponent(setlId)}`) });
  useScrolledTo('case-panel', q.isSuccess, setlId);
  return (
    <Card id="case-panel" title={tr(`病例 ${setlId}`, `Case ${setlId}`)} actions={<button type="button" className="secondary" onClick={close}>{tr('关闭', 'Close')}</button>}>
      <div data-testid="case-panel">
        <Query q={q}>
          {(c) => {
            const grouping = c.groupings[0];
            const price = c.payments.find((p) => p.superseded_at === null) ?? c.payments[0];
            const list = c.lists[0];
            return (
              <>
                <p>
                  {c.stay.psn_name}（{c.stay.psn_no}）· {c.stay.fixmedins_name} · {tr('参保地', 'insured in')} <RegionName code={c.stay.insuplc_admdvs} /> · {INSUTYPE(c.stay.insutype, tr)} · {tr('总费用', 'total cost')} {yuan(c.stay.medfee_fen)} {tr('元', 'yuan')}
                </p>
                {list && (
                  <p className="hint">
                    {tr(`结算清单第 ${list.version} 版`, `Settlement list version ${list.version}`)} · {tr('主要诊断', 'principal diagnosis')} <span className="code">{list.principal_diagnosis}</span>
                    {list.diagnoses.filter((x) => !x.maindiag).length > 0 && <> · {tr('其他诊断', 'other diagnoses')} {list.diagnoses.filter((x) => !x.maindiag).map((x) => x.diag_code).join(', ')}</>}
                    {list.main_procedure && <> · {tr('主要手术', 'main procedure')} <span className="code">{list.main_procedure}</span></>}
                  </p>
                )}
                <h3>{tr('分组及理由', 'Its group and why')}</h3>
                {grouping ? <GroupingSteps g={grouping} /> : <Empty>{tr('尚未分组。', 'Not grouped yet.')}</Empty>}
                <h3>{tr('支付说明', 'How it was paid')}</h3>
                {price ? (
                  <>
                    <p>
                      {price.group_code} · <KindBadge kind={price.kind} /> · {tr('权重', 'weight')} {e4(price.weight_e4)} · {tr('支付标准', 'standard')} {yuan(price.standard_fen)} · {tr('基金应付医院', 'hospital payment')} {signed(price.hospital_payment_fen)} {tr('元', 'yuan')}
                    </p>
                    <PaymentSteps steps={price.explanation} />
                  </>
                ) : <Empty>{tr('该病例尚未按 DRG/DIP 定价（按项目付费）。', 'Not priced by DRG/DIP yet (paid by item).')}</Empty>}
                {c.payments.length > 1 && (
                  <>
                    <h3>{tr('定价历史', 'Price history')}</h3>
                    <ul>
                      {c.payments.map((p) => (
                        <li key={p.id}>{p.priced_at.slice(0, 10)} {p.group_code} {signed(p.hospital_payment_fen)} {tr('元', 'yuan')} {p.superseded_at ? tr(`（${p.superseded_at.slice(0, 10)} 被替代）`, `(superseded ${p.superseded_at.slice(0, 10)})`) : tr('（现行）', '(current)')}</li>
                      ))}
                    </ul>
                  </>
                )}
              </>
            );
          }}
        </Query>
      </div>
    </Card>
  );
}
