import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, GaugeChart } from 'echarts/charts';
import { fenToYuan } from '../../../src/engine/money.ts';
import { api, post, yuan, type Me } from '../api.ts';
import { SettlementExplanation, type StoredSettlement } from '../explanation.tsx';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, ErrorBox, Field, Query, RegionName } from '../ui.tsx';
import type { AdvanceFunds, ApplicationReview, ClearingApplication, ClearingDispute, InstitutionPaymentStatement, ClearingRun, ClearingStatement, ClearingStatementDetail, Positions } from '../types.ts';
import { Chart } from './Dashboard.tsx';

echarts.use([BarChart, GaugeChart]);

// The finance staff's clearing page (docs/clearing.md, "The finance page and the REST routes"):
// pick a month and a level, preview and run the monthly clearing (the code `yibao clear` runs),
// the month's statements per pair of regions with their state and the confirmations of the
// sides the user covers, a statement's settlements and a settlement's explanation, exports,
// the year's advance funds as gauges with their warnings, and the net positions by month. Each
// section is its own component fed by the month and level.

type Level = 'province' | 'city';
type Tr = (zh: string, en: string) => string;

const STATES: Record<string, { zh: string; en: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  drafted: { zh: '待双方确认', en: 'Drafted', tone: 'info' },
  confirmed_by_insured: { zh: '参保地已确认', en: 'Confirmed by the insured side', tone: 'warn' },
  confirmed_by_treatment: { zh: '就医地已确认', en: 'Confirmed by the treatment side', tone: 'warn' },
  confirmed: { zh: '双方已确认', en: 'Confirmed by both', tone: 'ok' },
  paid: { zh: '已支付', en: 'Paid', tone: 'ok' },
  disputed: { zh: '有争议', en: 'Disputed', tone: 'bad' },
  paid_in_part: { zh: '部分支付（争议待处理）', en: 'Paid in part (disputes open)', tone: 'warn' },
};

const DISPUTE_STATES: Record<string, { zh: string; en: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  open: { zh: '争议中', en: 'Contested', tone: 'bad' },
  withdrawn: { zh: '已撤回', en: 'Withdrawn', tone: 'ok' },
  upheld: { zh: '争议成立', en: 'Upheld', tone: 'warn' },
};

function StateBadge({ state }: { state: string }): ReactNode {
  const { lang } = usePrefs();
  const s = STATES[state];
  return <Badge tone={s?.tone ?? 'info'}>{s ? (lang === 'zh' ? s.zh : s.en) : state}</Badge>;
}

/** Whether the user's regions cover a region: the region itself or one above it (regionsCover on the server). */
const covers = (me: Me, admdvs: string): boolean => me.regions.some((r) => admdvs.startsWith(r.replace(/(00)+$/, '')));

type Side = 'insured' | 'treatment';
const isPaid = (s: ClearingStatement): boolean => s.state === 'paid' || s.state === 'paid_in_part';

/** The sides the user covers that have not confirmed an unpaid statement: they may confirm it, or contest lines of it. */
function openSides(me: Me, s: ClearingStatement): Side[] {
  if (isPaid(s)) return [];
  const out: Side[] = [];
  if (s.insured_confirmed_by === null && covers(me, s.insured_admdvs)) out.push('insured');
  if (s.treatment_confirmed_by === null && covers(me, s.treatment_admdvs)) out.push('treatment');
  return out;
}

/** This month in China time, as YYYY-MM (the demo's settlements lie before it; its first run collects them). */
function thisMonth(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
}

export function Clearing({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const [month, setMonth] = useState(thisMonth());
  const [level, setLevel] = useState<Level>('province');
  const [open, setOpen] = useState<number | null>(null);
  return (
    <>
      <h1>{tr('清算', 'Clearing')}</h1>
      <form className="card row filters" aria-label={tr('清算月份与层级', 'Clearing month and level')} onSubmit={(e) => e.preventDefault()}>
        <Field label={tr('清算月份', 'Clearing month')}>{(id) => <input id={id} type="month" value={month} onChange={(e) => { setMonth(e.target.value); setOpen(null); }} />}</Field>
        <Field label={tr('清算层级', 'Level')}>
          {(id) => (
            <select id={id} value={level} onChange={(e) => { setLevel(e.target.value as Level); setOpen(null); }}>
              <option value="province">{tr('省间', 'Between provinces')}</option>
              <option value="city">{tr('省内市间', 'Between cities of a province')}</option>
            </select>
          )}
        </Field>
      </form>
      {month && (
        <>
          <RunSection month={month} level={level} />
          <StatementsSection me={me} month={month} level={level} open={open} setOpen={setOpen} />
          <DisputesSection me={me} />
          <InstitutionsSection month={month} />
          <AdvanceFundsSection year={Number(month.slice(0, 4))} />
          <PositionsSection level={level} to={month} />
        </>
      )}
    </>
  );
}

/** Preview (dry run), then run: POST /clearing/runs, the code `yibao clear` runs. */
function RunSection({ month, level }: { month: string; level: Level }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const [preview, setPreview] = useState<ClearingRun | null>(null);
  const run = useMutation({
    mutationFn: (dry_run: boolean) => post<ClearingRun>('/api/v1/clearing/runs', { month, level, dry_run }),
    onSuccess: (r) => {
      setPreview(r);
      if (!r.dry_run) void qc.invalidateQueries({ queryKey: ['clearing'] });
    },
  });
  const shown = preview && preview.month === month.replace('-', '') && preview.level === level ? preview : null;
  return (
    <Card title={tr('月度清算', 'Monthly clearing run')}>
      <p className="hint">{tr('先预览（不保存），确认无误后执行。已执行过的月份返回已存的清算单，不会重复生成。', 'Preview first (nothing is stored), then run. A month run before returns its stored statements and builds nothing again.')}</p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => run.mutate(true)} disabled={run.isPending}>{tr('预览清算', 'Preview the run')}</button>
        <button type="button" onClick={() => run.mutate(false)} disabled={run.isPending || !shown}>{tr('执行清算', 'Run clearing')}</button>
      </div>
      {run.isError && <ErrorBox error={run.error} />}
      {shown && (
        <div data-testid="run-result" role="status">
          <p>
            {shown.dry_run ? tr('预览：', 'Preview: ') : shown.built ? tr('已执行：', 'Run: ') : tr('此前已执行，以下为已存结果：', 'Run before; as stored: ')}
            {tr(`${shown.statements.length} 张清算单`, `${shown.statements.length} statements`)}
          </p>
          {shown.positions.length > 0 && (
            <ul>{shown.positions.map((p) => <li key={p.admdvs}><RegionName code={p.admdvs} /> {p.net_fen >= 0 ? tr('应收', 'receives') : tr('应付', 'pays')} {yuan(Math.abs(p.net_fen))} {tr('元', 'yuan')}</li>)}</ul>
          )}
        </div>
      )}
    </Card>
  );
}

function StatementsSection({ me, month, level, open, setOpen }: { me: Me; month: string; level: Level; open: number | null; setOpen: (id: number | null) => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ['clearing', 'statements', month, level],
    queryFn: () => api<{ items: ClearingStatement[] }>(`/api/v1/clearing/statements?${new URLSearchParams({ month, level })}`),
  });
  const confirm = useMutation({
    mutationFn: (v: { id: number; side: 'insured' | 'treatment' }) => post<ClearingStatement>(`/api/v1/clearing/statements/${v.id}/confirm`, { side: v.side }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['clearing'] }),
  });
  const opened = open === null ? undefined : list.data?.items.find((s) => s.id === open);
  const sideName = (side: 'insured' | 'treatment'): string => (side === 'insured' ? tr('参保地', 'insured side') : tr('就医地', 'treatment side'));
  return (
    <Card title={tr('本月清算单', "The month's statements")}>
      {confirm.isError && <ErrorBox error={confirm.error} />}
      <Query q={list}>
        {(d) => d.items.length === 0 ? <Empty>{tr('本月此层级没有您所在地区的清算单。请先执行清算。', 'No statement of your regions for this month and level. Run the clearing first.')}</Empty> : (
          <div className="scroll">
            <table data-testid="statements">
              <thead><tr>
                <th scope="col">{tr('清算单', 'Statement')}</th><th scope="col">{tr('参保地 → 就医地', 'Insured → treatment')}</th><th scope="col" className="num">{tr('笔数', 'Lines')}</th>
                <th scope="col" className="num">{tr('金额（元）', 'Amount (yuan)')}</th><th scope="col">{tr('状态', 'State')}</th><th scope="col">{tr('操作', 'Actions')}</th>
              </tr></thead>
              <tbody>
                {d.items.map((s) => (
                  <tr key={s.id} data-testid="statement" data-id={s.id} data-state={s.state}>
                    <td>{s.id}</td>
                    <td><RegionName code={s.insured_admdvs} /> → <RegionName code={s.treatment_admdvs} /></td>
                    <td className="num">{s.totals.count}{s.totals.adjustments_count > 0 ? tr(`（调整 ${s.totals.adjustments_count}）`, ` (${s.totals.adjustments_count} adj.)`) : ''}</td>
                    <td className="num">{yuan(s.amount_fen)}</td>
                    <td><StateBadge state={s.state} /></td>
                    <td className="actions">
                      {openSides(me, s).map((side) => (
                        <button key={side} type="button" disabled={confirm.isPending} onClick={() => confirm.mutate({ id: s.id, side })}>
                          {tr(`确认（${sideName(side)}）`, `Confirm (${sideName(side)})`)}
                        </button>
                      ))}
                      <button type="button" className="secondary" aria-expanded={open === s.id} onClick={() => setOpen(open === s.id ? null : s.id)}>
                        {tr(`明细 ${s.id}`, `Lines of ${s.id}`)}
                      </button>
                      <a href={`/api/v1/clearing/statements/${s.id}/export?format=csv`} download>CSV</a>{' '}
                      <a href={`/api/v1/clearing/statements/${s.id}/export?format=xlsx`} download>XLSX</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="hint">{lang === 'zh' ? '双方确认后即过账支付：参保地基金向就医地支付清算金额。' : 'Once both sides confirm, the payment is posted: the insured side pays the treatment side the amount.'}</p>
          </div>
        )}
      </Query>
      {opened && <StatementLines me={me} statement={opened} />}
    </Card>
  );
}

/** A statement's settlements; one click shows a settlement's explanation. A side that has not confirmed may contest lines. */
function StatementLines({ me, statement }: { me: Me; statement: ClearingStatement }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const id = statement.id;
  const [setl, setSetl] = useState<string | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const sides = openSides(me, statement);
  const detail = useQuery({ queryKey: ['clearing', 'statement', id], queryFn: () => api<ClearingStatementDetail>(`/api/v1/clearing/statements/${id}`) });
  const one = useQuery({
    queryKey: ['clearing', 'settlement', id, setl],
    queryFn: () => api<StoredSettlement>(`/api/v1/clearing/statements/${id}/settlements/${encodeURIComponent(setl!)}`),
    enabled: setl !== null,
  });
  const contest = useMutation({
    mutationFn: () => post(`/api/v1/clearing/statements/${id}/disputes`, { side: sides[0], setl_ids: picked, reason }),
    onSuccess: () => {
      setPicked([]);
      setReason('');
      void qc.invalidateQueries({ queryKey: ['clearing'] });
    },
  });
  const toggle = (x: string): void => setPicked(picked.includes(x) ? picked.filter((p) => p !== x) : [...picked, x]);
  return (
    <div className="scroll" data-testid="statement-lines">
      <Query q={detail}>
        {(s) => (
          <>
            <h3>{tr(`清算单 ${s.id}：${s.lines.length} 笔结算`, `Statement ${s.id}: ${s.lines.length} settlements`)}</h3>
            <table>
              <thead><tr>
                {sides.length > 0 && <th scope="col">{tr('争议', 'Contest')}</th>}
                <th scope="col">{tr('结算号', 'Settlement')}</th><th scope="col">{tr('时间', 'Time')}</th><th scope="col">{tr('机构', 'Institution')}</th>
                <th scope="col">{tr('参保地 → 就医地', 'Insured → treated')}</th><th scope="col" className="num">{tr('清算金额（元）', 'Cleared (yuan)')}</th><th scope="col">{tr('争议状态', 'Dispute')}</th>
              </tr></thead>
              <tbody>
                {s.lines.map((l) => (
                  <tr key={l.setl_id} data-testid="line" data-dispute={l.dispute_state ?? ''}>
                    {sides.length > 0 && (
                      <td>{l.dispute_state === null && <input type="checkbox" aria-label={tr(`对 ${l.setl_id} 提出争议`, `Contest ${l.setl_id}`)} checked={picked.includes(l.setl_id)} onChange={() => toggle(l.setl_id)} />}</td>
                    )}
                    <td>
                      <button type="button" className="link" aria-expanded={setl === l.setl_id} onClick={() => setSetl(setl === l.setl_id ? null : l.setl_id)}>{l.setl_id}</button>
                      {l.kind === 'cancel' ? tr('（撤销）', ' (cancel)') : l.kind === 'recovery' ? tr('（追回）', ' (recovery)') : ''}{l.adjustment ? tr('（调整）', ' (adjustment)') : ''}
                    </td>
                    <td>{new Date(l.setl_time).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' })}</td>
                    <td>{l.fixmedins_name ?? l.fixmedins_code}</td>
                    <td>{l.insuplc_admdvs} → {l.mdtrtarea_admvs}</td>
                    <td className="num">{yuan(l.amount_fen)}</td>
                    <td>{l.dispute_state && <DisputeBadge state={l.dispute_state} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {sides.length > 0 && (
              <form className="row" onSubmit={(e) => { e.preventDefault(); contest.mutate(); }}>
                <Field label={tr('争议理由', 'Reason for the contest')}>{(fid) => <input id={fid} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}</Field>
                <button type="submit" className="secondary" disabled={contest.isPending || picked.length === 0 || reason.trim() === ''}>
                  {tr(`对所选 ${picked.length} 笔提出争议`, `Contest the ${picked.length} selected`)}
                </button>
              </form>
            )}
            {contest.isError && <ErrorBox error={contest.error} />}
          </>
        )}
      </Query>
      {setl !== null && <Query q={one}>{(x) => <SettlementExplanation settlement={x.explanation} technical="open" />}</Query>}
    </div>
  );
}

function DisputeBadge({ state }: { state: string }): ReactNode {
  const { lang } = usePrefs();
  const s = DISPUTE_STATES[state];
  return <Badge tone={s?.tone ?? 'info'}>{s ? (lang === 'zh' ? s.zh : s.en) : state}</Badge>;
}

/** The dispute list of the user's regions: the side that raised a contest may withdraw it, the other side may concede it. */
function DisputesSection({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ['clearing', 'disputes'], queryFn: () => api<{ disputes: ClearingDispute[] }>('/api/v1/clearing/disputes') });
  const resolve = useMutation({
    mutationFn: (v: { id: number; side: Side; outcome: 'withdrawn' | 'upheld' }) => post(`/api/v1/clearing/disputes/${v.id}/resolve`, { side: v.side, outcome: v.outcome }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['clearing'] }),
  });
  const regionOf = (d: ClearingDispute, side: string): string => (side === 'insured' ? d.insured_admdvs : d.treatment_admdvs);
  const other = (side: string): Side => (side === 'insured' ? 'treatment' : 'insured');
  return (
    <Card title={tr('清算争议', 'Disputes')}>
      {resolve.isError && <ErrorBox error={resolve.error} />}
      <Query q={list}>
        {(d) => d.disputes.length === 0 ? <Empty>{tr('没有争议。', 'No disputes.')}</Empty> : (
          <div className="scroll">
            <table data-testid="disputes">
              <thead><tr>
                <th scope="col">{tr('清算单', 'Statement')}</th><th scope="col">{tr('结算号', 'Settlement')}</th><th scope="col" className="num">{tr('金额（元）', 'Amount (yuan)')}</th>
                <th scope="col">{tr('提出方', 'Raised by')}</th><th scope="col">{tr('理由', 'Reason')}</th><th scope="col">{tr('状态', 'State')}</th><th scope="col">{tr('操作', 'Actions')}</th>
              </tr></thead>
              <tbody>
                {d.disputes.map((x) => (
                  <tr key={x.id} data-testid="dispute" data-state={x.state}>
                    <td>{x.statement_id}（{x.month}）</td>
                    <td>{x.setl_id}</td>
                    <td className="num">{yuan(x.amount_fen)}</td>
                    <td><RegionName code={regionOf(x, x.side)} /></td>
                    <td>{x.reason}{x.note ? ` — ${x.note}` : ''}</td>
                    <td><DisputeBadge state={x.state} /></td>
                    <td className="actions">
                      {x.state === 'open' && covers(me, regionOf(x, x.side)) && (
                        <button type="button" className="secondary" disabled={resolve.isPending} onClick={() => resolve.mutate({ id: x.id, side: x.side as Side, outcome: 'withdrawn' })}>{tr('撤回争议', 'Withdraw')}</button>
                      )}
                      {x.state === 'open' && covers(me, regionOf(x, other(x.side))) && (
                        <button type="button" disabled={resolve.isPending} onClick={() => resolve.mutate({ id: x.id, side: other(x.side), outcome: 'upheld' })}>{tr('认可争议（不予支付）', 'Concede (not paid)')}</button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="hint">{tr('争议中的结算暂不支付，其余照常支付；撤回后补付，认可后不付，由就医地撤销该结算。', 'Contested settlements wait while the rest is paid; withdrawn, they are paid; conceded, they are not, and the treatment side cancels the settlement.')}</p>
          </div>
        )}
      </Query>
    </Card>
  );
}

const APPLICATION_STATES: Record<string, { zh: string; en: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  applied: { zh: '待审核', en: 'Applied', tone: 'info' },
  approved: { zh: '已批准支付', en: 'Approved and paid', tone: 'ok' },
  refused: { zh: '不予批准', en: 'Refused', tone: 'bad' },
  cancelled: { zh: '已撤销', en: 'Cancelled', tone: 'warn' },
};

/** Institutions' clearing applications (3203) of the user's regions: review against the settlements, approve (pays less the reserve), refuse, release the reserve; a month's payment statement. */
function InstitutionsSection({ month }: { month: string }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const [open, setOpen] = useState<number | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const list = useQuery({ queryKey: ['clearing', 'applications'], queryFn: () => api<{ items: ClearingApplication[] }>('/api/v1/clearing/applications') });
  const review = useQuery({ queryKey: ['clearing', 'application', open], queryFn: () => api<ApplicationReview>(`/api/v1/clearing/applications/${open}`), enabled: open !== null });
  const statement = useQuery({
    queryKey: ['clearing', 'payment-statement', shown, month],
    queryFn: () => api<InstitutionPaymentStatement>(`/api/v1/clearing/institutions/${encodeURIComponent(shown!)}/statement?${new URLSearchParams({ month })}`),
    enabled: shown !== null,
  });
  const act = useMutation({
    mutationFn: (v: { id: number; what: 'approve' | 'refuse' | 'release' }) =>
      post(`/api/v1/clearing/applications/${v.id}/${v.what}`, v.what === 'refuse' ? { reasons: tr('与平台结算数据不符', 'does not match the settlements') } : {}),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['clearing'] }),
  });
  const state = (x: string): ReactNode => {
    const s = APPLICATION_STATES[x];
    return <Badge tone={s?.tone ?? 'info'}>{s ? (lang === 'zh' ? s.zh : s.en) : x}</Badge>;
  };
  return (
    <Card title={tr('定点机构清算申请与支付', "Institutions' clearing applications and payments")}>
      {act.isError && <ErrorBox error={act.error} />}
      <Query q={list}>
        {(d) => d.items.length === 0 ? <Empty>{tr('您所在地区的机构尚无清算申请（3203）。', 'No clearing application (3203) from the institutions of your regions.')}</Empty> : (
          <div className="scroll">
            <table data-testid="applications">
              <thead><tr>
                <th scope="col">{tr('申请号', 'Application')}</th><th scope="col">{tr('机构', 'Institution')}</th><th scope="col">{tr('期间', 'Period')}</th>
                <th scope="col" className="num">{tr('申请基金（元）', 'Claimed fund (yuan)')}</th><th scope="col" className="num">{tr('平台基金（元）', 'Platform fund (yuan)')}</th>
                <th scope="col" className="num">{tr('已付 / 保证金（元）', 'Paid / reserve (yuan)')}</th><th scope="col">{tr('状态', 'State')}</th><th scope="col">{tr('操作', 'Actions')}</th>
              </tr></thead>
              <tbody>
                {d.items.map((a) => (
                  <tr key={a.id} data-testid="application" data-id={a.id} data-state={a.state}>
                    <td>{a.clr_appy_evt_id}</td>
                    <td>{a.fixmedins_name}</td>
                    <td>{a.begndate} – {a.enddate}</td>
                    <td className="num">{yuan(a.claimed.fund_appy_sum)}</td>
                    <td className="num">{yuan(a.platform.fund_pay_sumamt)}</td>
                    <td className="num">{a.paid_fen === null ? '—' : `${yuan(a.paid_fen)} / ${yuan(a.reserve_fen ?? 0)}`}</td>
                    <td>{state(a.state)}{a.released_at ? tr('（保证金已返还）', ' (reserve released)') : ''}</td>
                    <td className="actions">
                      <button type="button" className="secondary" aria-expanded={open === a.id} onClick={() => setOpen(open === a.id ? null : a.id)}>{tr(`审核 ${a.id}`, `Review ${a.id}`)}</button>
                      {a.state === 'applied' && <button type="button" disabled={act.isPending} onClick={() => act.mutate({ id: a.id, what: 'approve' })}>{tr('批准并支付', 'Approve and pay')}</button>}
                      {a.state === 'applied' && <button type="button" className="secondary" disabled={act.isPending} onClick={() => act.mutate({ id: a.id, what: 'refuse' })}>{tr('不予批准', 'Refuse')}</button>}
                      {a.state === 'approved' && !a.released_at && (a.reserve_fen ?? 0) > 0 && (
                        <button type="button" className="secondary" disabled={act.isPending} onClick={() => act.mutate({ id: a.id, what: 'release' })}>{tr('返还保证金', 'Release the reserve')}</button>
                      )}
                      <button type="button" className="link" onClick={() => setShown(shown === a.fixmedins_code ? null : a.fixmedins_code)}>{tr('本月支付单', "The month's payment statement")}</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Query>
      {open !== null && (
        <Query q={review}>
          {(r) => (
            <div data-testid="application-review">
              <p>{tr(`${r.setl_ids.length} 笔结算；应付 ${yuan(r.payable_fen)} 元，保证金 ${r.reserve_bp / 100}%：支付 ${yuan(r.paid_fen)} 元，暂扣 ${yuan(r.reserve_fen)} 元。`,
                `${r.setl_ids.length} settlements; payable ${yuan(r.payable_fen)} yuan, reserve ${r.reserve_bp / 100}%: pays ${yuan(r.paid_fen)} yuan, withholds ${yuan(r.reserve_fen)} yuan.`)}</p>
              {r.mismatches.length === 0 ? <p>{tr('申请与平台结算数据一致。', 'The claim matches the settlements.')}</p> : (
                <ul data-testid="mismatches">{r.mismatches.map((m) => <li key={m.field}>{m.field}: {tr('申请', 'claimed')} {m.unit === 'fen' ? yuan(m.claimed) : m.claimed}, {tr('平台', 'platform')} {m.unit === 'fen' ? yuan(m.platform) : m.platform}</li>)}</ul>
              )}
            </div>
          )}
        </Query>
      )}
      {shown !== null && (
        <Query q={statement}>
          {(st) => (
            <dl className="facts" data-testid="payment-statement">
              <dt>{tr('机构', 'Institution')}</dt><dd>{st.fixmedins_name}（{st.month}）</dd>
              <dt>{tr('本月申请', 'Applied this month')}</dt><dd>{st.applied.count}：{yuan(st.applied.claimed_fen)}</dd>
              <dt>{tr('本月批准', 'Approved this month')}</dt><dd>{st.approved.count}：{yuan(st.approved.approved_fen)}</dd>
              <dt>{tr('已支付', 'Paid')}</dt><dd>{yuan(st.paid_fen)}</dd>
              <dt>{tr('暂扣保证金', 'Withheld')}</dt><dd>{yuan(st.withheld_fen)}</dd>
              <dt>{tr('返还保证金', 'Released')}</dt><dd>{yuan(st.released_fen)}</dd>
              <dt>{tr('月末保证金余额', 'Reserve held at month end')}</dt><dd>{yuan(st.reserve_held_fen)}</dd>
              <dt>{tr('月末尚欠机构', 'Still owed at month end')}</dt><dd>{yuan(st.balance_owed_fen)}</dd>
            </dl>
          )}
        </Query>
      )}
    </Card>
  );
}

const GAUGE_COLORS = (yellowBp: number, redBp: number): [number, string][] => [[yellowBp / 10000, '#0b6e4f'], [redBp / 10000, '#c77700'], [1, '#b3261e']];

function gaugeOption(rateBp: number, yellowBp: number, redBp: number, tr: Tr): echarts.EChartsCoreOption {
  const pct = Math.min(rateBp, 10000) / 100;
  return {
    series: [{
      type: 'gauge', min: 0, max: 100, radius: '95%',
      axisLine: { lineStyle: { width: 14, color: GAUGE_COLORS(yellowBp, redBp) } },
      pointer: { width: 4 }, splitNumber: 5, axisLabel: { distance: 18, formatter: '{value}%' },
      detail: { formatter: rateBp > 10000 ? tr('超过 100%', 'over 100%') : '{value}%', fontSize: 18, offsetCenter: [0, '60%'] },
      data: [{ value: Math.round(pct * 10) / 10 }],
    }],
  };
}

/** The year's advance funds: a gauge of each one's use rate, then the warnings raised (yellow 70%, red 90%). */
function AdvanceFundsSection({ year }: { year: number }): ReactNode {
  const { tr, lang } = usePrefs();
  const q = useQuery({ queryKey: ['clearing', 'advance-funds', year], queryFn: () => api<AdvanceFunds>(`/api/v1/clearing/advance-funds?year=${year}`) });
  return (
    <Card title={tr(`${year} 年预付金使用率`, `Advance funds of ${year}: use rate`)}>
      <Query q={q}>
        {(d) => (
          <>
            {d.funds.length === 0 ? <Empty>{tr('本年度没有您所在地区的预付金。', 'No advance fund of your regions this year.')}</Empty> : (
              <div className="gauges">
                {d.funds.map((f) => (
                  <figure key={f.insured_admdvs + f.treatment_admdvs} data-testid="gauge" data-level={f.level}>
                    <Chart option={gaugeOption(f.rate_bp, d.yellow_bp, d.red_bp, tr)} label={tr(`${f.insured_admdvs} → ${f.treatment_admdvs} 预付金使用率 ${f.rate_bp / 100}%`, `${f.insured_admdvs} → ${f.treatment_admdvs} advance fund used ${f.rate_bp / 100}%`)} />
                    <figcaption>
                      <RegionName code={f.insured_admdvs} /> → <RegionName code={f.treatment_admdvs} />{' '}
                      {f.level === 'red' ? <Badge tone="bad">{tr('红色预警', 'Red')}</Badge> : f.level === 'yellow' ? <Badge tone="warn">{tr('黄色预警', 'Yellow')}</Badge> : <Badge tone="ok">{tr('正常', 'Normal')}</Badge>}
                      <br />{tr('已用', 'Used')} {yuan(f.consumed_fen)} / {yuan(f.size_fen)} {tr('元', 'yuan')}
                    </figcaption>
                  </figure>
                ))}
              </div>
            )}
            {d.warnings.length > 0 && (
              <ul data-testid="warnings">
                {d.warnings.map((w) => (
                  <li key={`${w.insured_admdvs}${w.treatment_admdvs}${w.level}`}>
                    <Badge tone={w.level === 'red' ? 'bad' : 'warn'}>{w.level === 'red' ? tr('红色', 'Red') : tr('黄色', 'Yellow')}</Badge>{' '}
                    {w.insured_admdvs} → {w.treatment_admdvs}: {tr('使用率', 'use rate')} {w.rate_bp / 100}%
                    {w.top_up_by ? (lang === 'zh' ? `，请于 ${w.top_up_by} 前补足` : `; top up by ${w.top_up_by}`) : ''}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Query>
    </Card>
  );
}

/** The twelve months up to the chosen one: each region's net position (+ receives, − pays). */
function PositionsSection({ level, to }: { level: Level; to: string }): ReactNode {
  const { tr } = usePrefs();
  const q = useQuery({ queryKey: ['clearing', 'positions', level, to], queryFn: () => api<Positions>(`/api/v1/clearing/positions?${new URLSearchParams({ level, to })}`) });
  return (
    <Card title={tr('各月轧差头寸（正为应收，负为应付）', 'Net positions by month (+ receives, − pays)')}>
      <Query q={q}>
        {(d) => {
          if (d.months.length === 0) return <Empty>{tr('这段时间没有清算单。', 'No statements in these months.')}</Empty>;
          const months = d.months.map((m) => m.month);
          const regions = [...new Set(d.months.flatMap((m) => m.positions.map((p) => p.admdvs)))].sort();
          const option: echarts.EChartsCoreOption = {
            tooltip: { trigger: 'axis' }, legend: { bottom: 0 }, grid: { left: 72, right: 16, top: 24, bottom: 56 },
            xAxis: { type: 'category', data: months }, yAxis: { type: 'value', name: tr('元', 'yuan') },
            series: regions.map((r) => ({ name: r, type: 'bar', data: d.months.map((m) => fenToYuan(m.positions.find((p) => p.admdvs === r)?.net_fen ?? 0)) })),
          };
          return <Chart option={option} label={tr('各月轧差头寸柱状图', 'Bar chart of net positions by month')} />;
        }}
      </Query>
    </Card>
  );
}
