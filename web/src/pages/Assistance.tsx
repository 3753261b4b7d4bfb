import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { yuanToFen } from '../../../src/engine/money.ts';
import { api, post, yuan, type Me } from '../api.ts';
import type { AssistanceApplication, AssistanceApplicationRow, AssistanceApplied, ReassistanceScan, SubsidyReport } from '../api-types.ts';
import type { StoredSettlement } from '../explanation.tsx';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, ErrorBox, Field, Query, RegionName } from '../ui.tsx';

// Medical assistance (医疗救助, docs/service-network.md "Medical assistance"): the staff page —
// the queue of the caller's regions with each step's deadline and the whole path's (10 working
// days), one application with its amount explained to the fen, its notice and objections and
// the moves the server says the caller may make; the re-assistance scan and its proposals; the
// contribution-subsidy run (preview, then apply). And for the person (or a grid worker acting
// for them) a component to apply and follow, which the portal mounts and the one-window page may.

const TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info'> = {
  proposed: 'info', pending_review: 'warn', public_notice: 'info', objection_review: 'bad', approved: 'warn', paid: 'ok', rejected: 'bad', dismissed: 'info',
};
const CHANNEL: Record<string, { zh: string; en: string }> = {
  online: { zh: '网上申请', en: 'online' }, window: { zh: '窗口申请', en: 'at a window' }, proxy: { zh: '网格员代办', en: 'by proxy' }, system: { zh: '系统建议', en: 'proposed by the scan' },
};
const GROUP: Record<string, { zh: string; en: string }> = {
  extreme_poverty: { zh: '特困人员', en: 'extreme poverty' }, minimum_living: { zh: '低保对象', en: 'minimum living allowance' }, low_income_edge: { zh: '低保边缘', en: 'near the allowance' },
  relapse_poverty: { zh: '返贫致贫', en: 'fallen into poverty' }, monitored: { zh: '防返贫监测', en: 'monitored' }, severe_disability: { zh: '重度残疾', en: 'severe disability' }, orphan: { zh: '孤儿', en: 'orphan' },
};
const chinaDay = (offsetDays = 0): string => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

function StateBadge({ a }: { a: Pick<AssistanceApplicationRow, 'state' | 'state_name'> }): ReactNode {
  const { lang } = usePrefs();
  return <Badge tone={TONE[a.state] ?? 'info'}>{lang === 'zh' ? a.state_name.zh : a.state_name.en}</Badge>;
}

function Due({ a }: { a: AssistanceApplicationRow }): ReactNode {
  const { tr } = usePrefs();
  const open = a.step_due_on !== null;
  const tone = a.overdue ? 'bad' : open && a.step_due_on! <= chinaDay(1) ? 'warn' : 'info';
  return (
    <span data-testid="deadline" data-tone={tone}>
      {open ? <Badge tone={tone}>{a.step_due_on}{a.overdue ? tr('（已逾期）', ' (overdue)') : ''}</Badge> : '—'}
      <small className="hint"> {tr(`全程 ${a.due_on} 前`, `whole path by ${a.due_on}`)}</small>
    </span>
  );
}

export function Assistance({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const [tab, setTab] = useState<'queue' | 'proposals' | 'subsidies'>('queue');
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <h1>{tr('医疗救助', 'Medical assistance')}</h1>
      <p className="hint">{tr('依申请救助：受理 → 审核（按规则计算）→ 公示（可提出异议）→ 支付，全程 10 个工作日内办结。', 'On application: received → reviewed (computed by the rules) → public notice (objections) → paid, within 10 working days.')}</p>
      <div role="tablist" className="tabs" aria-label={tr('医疗救助', 'Medical assistance')}>
        <button role="tab" type="button" aria-selected={tab === 'queue'} onClick={() => setTab('queue')}>{tr('救助办件', 'Applications')}</button>
        <button role="tab" type="button" aria-selected={tab === 'proposals'} onClick={() => setTab('proposals')}>{tr('再救助建议', 'Re-assistance')}</button>
        <button role="tab" type="button" aria-selected={tab === 'subsidies'} onClick={() => setTab('subsidies')}>{tr('资助参保', 'Contribution subsidies')}</button>
      </div>
      {tab === 'queue' && <Queue type="assistance" open={open} setOpen={setOpen} />}
      {tab === 'proposals' && <><ScanForm me={me} /><Queue type="reassistance" open={open} setOpen={setOpen} /></>}
      {tab === 'subsidies' && <Subsidies me={me} />}
      {open && tab !== 'subsidies' && <Detail no={open} />}
    </>
  );
}

function Queue({ type, open, setOpen }: { type: 'assistance' | 'reassistance'; open: string | null; setOpen: (no: string | null) => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ['assistance', 'queue', type], queryFn: () => api<{ items: AssistanceApplicationRow[] }>(`/api/v1/assistance/queue?type=${type}`) });
  const pass = useMutation({
    mutationFn: () => post<{ items: { application_no: string; paid_fen: number }[] }>('/api/v1/assistance/notice-pass', {}),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['assistance'] }),
  });
  return (
    <Card title={type === 'assistance' ? tr('救助申请队列', 'Applications') : tr('再救助建议与办件', 'Re-assistance proposals and cases')}
      actions={type === 'assistance' ? <button type="button" className="secondary" onClick={() => pass.mutate()} disabled={pass.isPending}>{tr('处理公示期满（支付）', 'End notices that ran out (pay)')}</button> : undefined}>
      {pass.isError && <ErrorBox error={pass.error} />}
      {pass.data && <p role="status">{tr(`已支付 ${pass.data.items.length} 件`, `${pass.data.items.length} paid`)}</p>}
      <Query q={list}>
        {(d) => d.items.length === 0 ? <Empty>{tr('暂无办件。', 'Nothing here.')}</Empty> : (
          <div className="scroll">
            <table data-testid={`assistance-${type}`}>
              <thead><tr>
                <th scope="col">{tr('申请编号', 'Application')}</th><th scope="col">{tr('申请人', 'Person')}</th><th scope="col">{tr('渠道', 'Channel')}</th>
                <th scope="col">{tr('状态', 'State')}</th><th scope="col">{tr('金额（元）', 'Amount (yuan)')}</th><th scope="col">{tr('办理期限', 'Deadline')}</th><th scope="col">{tr('操作', 'Actions')}</th>
              </tr></thead>
              <tbody>
                {d.items.map((a) => (
                  <tr key={a.application_no} data-testid="assistance-row" data-no={a.application_no} data-state={a.state}>
                    <td>{a.application_no}</td>
                    <td>{a.psn_name} <small className="hint"><RegionName code={a.region} /></small></td>
                    <td>{lang === 'zh' ? CHANNEL[a.channel]?.zh : CHANNEL[a.channel]?.en}</td>
                    <td><StateBadge a={a} /></td>
                    <td>{a.paid_fen !== null ? yuan(a.paid_fen) : a.computed_fen !== null ? yuan(a.computed_fen) : '—'}</td>
                    <td className={a.overdue ? 'bad' : undefined}><Due a={a} /></td>
                    <td><button type="button" className="secondary" aria-expanded={open === a.application_no} aria-label={tr(`查看 ${a.application_no}`, `Open ${a.application_no}`)} onClick={() => setOpen(open === a.application_no ? null : a.application_no)}>{tr('查看', 'Open')}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Query>
    </Card>
  );
}

/** The amount explained to the fen: each line of the rules' computation, the last one the amount. */
export function AssistanceExplained({ a }: { a: Pick<AssistanceApplication, 'explanation'> }): ReactNode {
  const { tr, lang } = usePrefs();
  if (!a.explanation) return <Empty>{tr('审核后显示按规则计算的金额。', 'The amount computed by the rules shows after the review.')}</Empty>;
  const e = a.explanation;
  return (
    <table data-testid="assistance-explanation">
      <caption>{tr(`规则 ${e.rules.rules_id} 第 ${e.rules.version} 版`, `rules ${e.rules.rules_id} v${e.rules.version}`)}{e.identity ? ` · ${lang === 'zh' ? GROUP[e.identity]?.zh ?? e.identity : GROUP[e.identity]?.en ?? e.identity}` : ''}</caption>
      <thead><tr><th scope="col">{tr('计算步骤', 'Step')}</th><th scope="col" className="num">{tr('金额（元）', 'Yuan')}</th></tr></thead>
      <tbody>
        {e.lines.map((l, i) => (
          <tr key={i} data-step={l.step} className={l.step === 'amount' || l.step === 'paid' ? 'total' : undefined}>
            <td>{lang === 'zh' ? l.zh : l.en}{l.rule ? <small className="hint"> {l.rule}</small> : null}</td>
            <td className="num">{yuan(l.amount_fen)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const MOVE_WORDS: Record<string, { zh: string; en: string }> = {
  approve: { zh: '审核通过并公示', en: 'Approve and publish' }, reject: { zh: '不予通过', en: 'Reject' }, object: { zh: '记录异议', en: 'Record an objection' },
  uphold_objection: { zh: '异议成立', en: 'Uphold the objection' }, dismiss_objection: { zh: '异议不成立', en: 'Dismiss the objection' },
  pay: { zh: '支付', en: 'Pay' }, end_notice: { zh: '公示期满', en: 'End the notice' }, confirm: { zh: '确认立项', en: 'Confirm' }, dismiss: { zh: '不予立项', en: 'Dismiss' },
};

function Detail({ no }: { no: string }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['assistance', 'one', no], queryFn: () => api<AssistanceApplication>(`/api/v1/assistance/applications/${no}`) });
  const preview = useQuery({ queryKey: ['assistance', 'preview', no], queryFn: () => api<AssistanceApplication['explanation']>(`/api/v1/assistance/applications/${no}/preview`), enabled: q.data?.state === 'pending_review' });
  const [reason, setReason] = useState('');
  const [objector, setObjector] = useState('');
  const [accepted, setAccepted] = useState<Record<number, string>>({});
  const act = useMutation({
    mutationFn: async (move: string): Promise<AssistanceApplication> => {
      const base = `/api/v1/assistance/applications/${no}`;
      if (move === 'approve' || move === 'reject') {
        const outside = q.data?.form.outside ?? [];
        return post(`${base}/review`, { decision: move, reason: reason || null, ...(move === 'approve' ? { outside_accepted_fen: outside.map((o, i) => (accepted[i] !== undefined && accepted[i] !== '' ? yuanToFen(accepted[i], `outside_accepted_fen[${i}]`) : o.amount_fen)) } : {}) });
      }
      if (move === 'object') return post(`${base}/objections`, { objector, reason });
      if (move === 'uphold_objection' || move === 'dismiss_objection') return post(`${base}/objections/resolve`, { resolution: move === 'uphold_objection' ? 'upheld' : 'dismissed', reason });
      if (move === 'confirm' || move === 'dismiss') return post(`${base}/proposal`, { decision: move, reason: reason || null });
      return post(`${base}/pay`);
    },
    onSuccess: () => { setReason(''); setObjector(''); void qc.invalidateQueries({ queryKey: ['assistance'] }); },
  });
  return (
    <Query q={q}>
      {(a) => (
        <Card title={tr(`救助申请 ${a.application_no}`, `Application ${a.application_no}`)} actions={<StateBadge a={a} />} id="assistance-detail">
          <dl className="facts">
            <dt>{tr('申请人', 'Person')}</dt><dd>{a.psn_name}（{a.psn_no}）</dd>
            <dt>{tr('渠道', 'Channel')}</dt><dd>{lang === 'zh' ? CHANNEL[a.channel]?.zh : CHANNEL[a.channel]?.en}{a.proxy_username ? ` · ${a.proxy_username} · ${a.consent_ref}` : ''}</dd>
            <dt>{tr('全程期限', 'Whole path by')}</dt><dd data-testid="due-on">{a.due_on}</dd>
            {a.notice_starts_on && <><dt>{tr('公示期', 'Public notice')}</dt><dd>{a.notice_starts_on} — {a.notice_ends_on}</dd></>}
            {a.paid_at && <><dt>{tr('已支付', 'Paid')}</dt><dd>{yuan(a.paid_fen ?? 0)} {tr('元', 'yuan')}{a.payment_transfer ? tr(`（转账 #${a.payment_transfer}）`, ` (transfer #${a.payment_transfer})`) : ''}</dd></>}
            {a.decision_reason && <><dt>{tr('理由', 'Reason')}</dt><dd>{a.decision_reason}</dd></>}
          </dl>
          <h3>{tr('申请的负担', 'The burden applied for')}</h3>
          <ul>
            {a.form.setl_ids.map((s) => <li key={s}>{tr('结算', 'Settlement')} {s}</li>)}
            {a.form.outside.map((o, i) => (
              <li key={i}>
                {o.description} · {yuan(o.amount_fen)} {tr('元', 'yuan')} · {o.paid_on} · {o.materials.map((m) => m.ref).join('、')}
                {a.moves.includes('approve') && (
                  <Field label={tr('审核认定金额（元）', 'Accepted (yuan)')}>
                    {(id) => <input id={id} inputMode="decimal" value={accepted[i] ?? ''} placeholder={(o.amount_fen / 100).toFixed(2)} onChange={(e) => setAccepted({ ...accepted, [i]: e.target.value })} />}
                  </Field>
                )}
              </li>
            ))}
          </ul>
          <h3>{tr('救助金额计算（精确到分）', 'The amount, explained to the fen')}</h3>
          <AssistanceExplained a={a.state === 'pending_review' && preview.data ? { explanation: preview.data } : a} />
          {a.objections.length > 0 && (
            <>
              <h3>{tr('公示异议', 'Objections')}</h3>
              <ul data-testid="objections">
                {a.objections.map((o) => <li key={o.id}>{o.objector}：{o.reason}{o.resolution ? ` — ${o.resolution === 'upheld' ? tr('成立', 'upheld') : tr('不成立', 'dismissed')}（${o.resolution_reason}）` : tr('（待复核）', ' (under review)')}</li>)}
              </ul>
            </>
          )}
          {a.moves.length > 0 && (
            <form className="actions" onSubmit={(e: FormEvent) => e.preventDefault()}>
              {a.moves.includes('object') && (
                <Field label={tr('异议人', 'Objector')}>{(id) => <input id={id} value={objector} onChange={(e) => setObjector(e.target.value)} />}</Field>
              )}
              <Field label={tr('理由 / 意见', 'Reason')}>{(id) => <textarea id={id} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
              {a.moves.filter((m) => MOVE_WORDS[m]).map((m) => (
                <button key={m} type="button" className={m === 'reject' || m === 'uphold_objection' || m === 'dismiss' ? 'secondary' : undefined} disabled={act.isPending} onClick={() => act.mutate(m)}>
                  {lang === 'zh' ? MOVE_WORDS[m]!.zh : MOVE_WORDS[m]!.en}
                </button>
              ))}
            </form>
          )}
          {act.isError && <ErrorBox error={act.error} />}
          <details>
            <summary>{tr('办理记录', 'History')}</summary>
            <ol>{a.events.map((e, i) => <li key={i}>{new Date(e.at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai' })} · {e.actor} · {MOVE_WORDS[e.move] ? (lang === 'zh' ? MOVE_WORDS[e.move]!.zh : MOVE_WORDS[e.move]!.en) : e.move}{e.comment ? ` · ${e.comment}` : ''}</li>)}</ol>
          </details>
        </Card>
      )}
    </Query>
  );
}

function RegionYear({ me, onRun, label, busy }: { me: Me; onRun: (admdvs: string, year: number) => void; label: string; busy: boolean }): ReactNode {
  const { tr } = usePrefs();
  const regions = me.regions.filter((r) => r !== '000000');
  const [admdvs, setAdmdvs] = useState(regions.find((r) => r.endsWith('00') && !r.endsWith('0000')) ?? '430200');
  const [year, setYear] = useState(chinaDay().slice(0, 4));
  return (
    <form className="row" onSubmit={(e) => { e.preventDefault(); onRun(admdvs, Number(year)); }}>
      <Field label={tr('统筹区', 'Pooling region')}>{(id) => <input id={id} value={admdvs} pattern="[0-9]{6}" onChange={(e) => setAdmdvs(e.target.value)} />}</Field>
      <Field label={tr('年度', 'Year')}>{(id) => <input id={id} value={year} inputMode="numeric" onChange={(e) => setYear(e.target.value)} />}</Field>
      <button type="submit" disabled={busy}>{label}</button>
    </form>
  );
}

function ScanForm({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const scan = useMutation({
    mutationFn: (v: { admdvs: string; year: number }) => post<ReassistanceScan>('/api/v1/assistance/reassistance-scans', v),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['assistance'] }),
  });
  return (
    <Card title={tr('再救助扫描', 'Re-assistance scan')}>
      <p className="hint">{tr('按年度统计经基本医保、大病保险、医疗救助后个人负担仍超过标准的人员，建议立项，由经办人员确认或不予立项；重复扫描不会重复建议。', 'Finds persons whose yearly burden after all layers is above the threshold and proposes cases for staff to confirm or dismiss; a rerun proposes nothing twice.')}</p>
      <RegionYear me={me} label={tr('扫描', 'Scan')} busy={scan.isPending} onRun={(admdvs, year) => scan.mutate({ admdvs, year })} />
      {scan.isError && <ErrorBox error={scan.error} />}
      {scan.data && <p role="status" data-testid="scan-result">{tr(`扫描 ${scan.data.scanned} 人，新建议 ${scan.data.proposed.length} 件，已建议过 ${scan.data.already} 件`, `${scan.data.scanned} scanned, ${scan.data.proposed.length} proposed, ${scan.data.already} already proposed`)}</p>}
    </Card>
  );
}

function Subsidies({ me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const [last, setLast] = useState<{ admdvs: string; year: number } | null>(null);
  const run = useMutation({ mutationFn: (v: { admdvs: string; year: number; apply: boolean }) => post<SubsidyReport>('/api/v1/assistance/subsidies', v) });
  const r = run.data;
  return (
    <Card title={tr('资助参保', 'Contribution subsidies')}>
      <p className="hint">{tr('特困、低保等身份人员的居民医保个人缴费，由医疗救助基金按规则中的比例资助（规则中的比例为示例数据）。先预览，再执行；同一人同一年度只资助一次。', 'The assistance fund pays the groups\' share of the resident contribution (the shares in the rules are examples). Preview, then apply; once per person and year.')}</p>
      <RegionYear me={me} label={tr('预览', 'Preview')} busy={run.isPending} onRun={(admdvs, year) => { setLast({ admdvs, year }); run.mutate({ admdvs, year, apply: false }); }} />
      {run.isError && <ErrorBox error={run.error} />}
      {r && (
        <>
          <p role="status" data-testid="subsidy-summary">
            {r.applied ? tr('已执行：', 'Applied: ') : tr('预览：', 'Preview: ')}
            {tr(`${r.persons} 人，合计 ${yuan(r.total_fen)} 元；已资助过 ${r.already} 人`, `${r.persons} persons, ${yuan(r.total_fen)} yuan in all; ${r.already} already subsidised`)}
          </p>
          <table>
            <thead><tr><th scope="col">{tr('身份类别', 'Group')}</th><th scope="col" className="num">{tr('资助比例', 'Share')}</th><th scope="col" className="num">{tr('人数', 'Persons')}</th><th scope="col" className="num">{tr('金额（元）', 'Yuan')}</th></tr></thead>
            <tbody>
              {r.by_group.map((g) => <tr key={g.identity}><td>{lang === 'zh' ? GROUP[g.identity]?.zh ?? g.identity : GROUP[g.identity]?.en ?? g.identity}</td><td className="num">{g.share_bp / 100}%</td><td className="num">{g.persons}</td><td className="num">{yuan(g.fen)}</td></tr>)}
            </tbody>
          </table>
          {!r.applied && r.persons > 0 && last && <button type="button" onClick={() => run.mutate({ ...last, apply: true })} disabled={run.isPending}>{tr('执行资助', 'Apply the subsidies')}</button>}
        </>
      )}
    </Card>
  );
}

// ---- for the person ---------------------------------------------------------------------

/**
 * The person's assistance: their applications with state and deadline (and the amount once
 * reviewed), and the form to apply for the remaining burden of the year's settlements and
 * amounts paid outside (with an invoice). Mountable wherever the person's matters are shown.
 */
export function AssistanceApply({ psnNo }: { psnNo: string }): ReactNode {
  const { tr, lang, elder } = usePrefs();
  const qc = useQueryClient();
  const mine = useQuery({ queryKey: ['assistance', 'mine', psnNo], queryFn: () => api<{ items: AssistanceApplicationRow[] }>(`/api/v1/assistance/applications?psn_no=${psnNo}`) });
  const setl = useQuery({ queryKey: ['settlements', psnNo], queryFn: () => api<{ items: StoredSettlement[] }>(`/api/v1/settlements?psn_no=${psnNo}`) });
  const [picked, setPicked] = useState<string[]>([]);
  const [what, setWhat] = useState('');
  const [amount, setAmount] = useState('');
  const [paidOn, setPaidOn] = useState('');
  const [invoice, setInvoice] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const year = chinaDay().slice(0, 4);
  const apply = useMutation({
    mutationFn: () => post<AssistanceApplied>('/api/v1/assistance/applications', {
      psn_no: psnNo, setl_ids: picked,
      outside: what || amount ? [{ description: what, amount_fen: yuanToFen(amount, 'outside[0].amount_fen'), paid_on: paidOn, materials: invoice ? [{ kind: 'invoice', ref: invoice }] : [] }] : [],
    }),
    onSuccess: () => { setPicked([]); setWhat(''); setAmount(''); setInvoice(''); void qc.invalidateQueries({ queryKey: ['assistance'] }); },
  });
  const own = (setl.data?.items ?? []).filter((s) => s.kind === 'settle' && s.status === 'settled' && new Date(s.setl_time).getFullYear() === Number(year));
  return (
    <>
      <Card title={tr('我的医疗救助申请', 'My assistance applications')}>
        <Query q={mine}>
          {(d) => d.items.length === 0 ? <Empty>{tr('还没有救助申请。', 'No applications yet.')}</Empty> : (
            <ul className="list assistance-list" data-testid="my-assistance">
              {d.items.map((a) => (
                <li key={a.application_no} data-state={a.state}>
                  <strong>{a.application_no}</strong> <StateBadge a={a} />{' '}
                  {a.paid_fen !== null ? tr(`已支付 ${yuan(a.paid_fen)} 元`, `${yuan(a.paid_fen)} yuan paid`) : a.computed_fen !== null ? tr(`核定 ${yuan(a.computed_fen)} 元`, `${yuan(a.computed_fen)} yuan approved`) : ''}
                  <small className="hint"> {tr(`${a.due_on} 前办结`, `done by ${a.due_on}`)}</small>{' '}
                  <button type="button" className="secondary" aria-expanded={open === a.application_no} onClick={() => setOpen(open === a.application_no ? null : a.application_no)}>{tr('明细', 'Details')}</button>
                  {open === a.application_no && <PersonDetail no={a.application_no} />}
                </li>
              ))}
            </ul>
          )}
        </Query>
      </Card>
      <Card title={tr('申请医疗救助', 'Apply for medical assistance')}>
        <p className="hint">{tr('特困、低保、低保边缘、返贫致贫等人员，对年内结算后政策范围内仍需个人负担的费用，可以申请医疗救助；金额由医保部门按规则计算。', 'Persons of the assistance groups may apply for the in-scope burden left after the year\'s settlements; the bureau computes the amount by the rules.')}</p>
        <form className="assistance-form" onSubmit={(e) => { e.preventDefault(); apply.mutate(); }}>
          <fieldset>
            <legend>{tr(`${year} 年的结算`, `Settlements of ${year}`)}</legend>
            {own.length === 0 ? <Empty>{tr('今年没有结算记录。', 'No settlements this year.')}</Empty> : own.slice(0, elder ? 5 : 30).map((s) => (
              <label key={s.setl_id} className="check">
                <input type="checkbox" checked={picked.includes(s.setl_id)} onChange={(e) => setPicked(e.target.checked ? [...picked, s.setl_id] : picked.filter((x) => x !== s.setl_id))} />
                {s.fixmedins_name ?? s.fixmedins_code} · {new Date(s.setl_time).toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai' })}
              </label>
            ))}
          </fieldset>
          {!elder && (
            <fieldset>
              <legend>{tr('院外或非联网机构支付的费用（可选，须附发票）', 'Paid outside (optional, with an invoice)')}</legend>
              <Field label={tr('费用内容', 'What was paid')}>{(id) => <input id={id} value={what} onChange={(e) => setWhat(e.target.value)} />}</Field>
              <Field label={tr('金额（元）', 'Amount (yuan)')}>{(id) => <input id={id} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />}</Field>
              <Field label={tr('支付日期', 'Paid on')}>{(id) => <input id={id} type="date" value={paidOn} onChange={(e) => setPaidOn(e.target.value)} />}</Field>
              <Field label={tr('发票编号或文件', 'Invoice number or file')}>{(id) => <input id={id} value={invoice} onChange={(e) => setInvoice(e.target.value)} />}</Field>
            </fieldset>
          )}
          <button type="submit" disabled={apply.isPending}>{tr('提交申请', 'Apply')}</button>
        </form>
        {apply.isError && <ErrorBox error={apply.error} />}
        {apply.data && <p role="status" data-testid="applied">{tr(`已受理：${apply.data.application_no}，将于 ${apply.data.due_on} 前办结。`, `Received: ${apply.data.application_no}, done by ${apply.data.due_on}.`)}</p>}
      </Card>
    </>
  );
}

function PersonDetail({ no }: { no: string }): ReactNode {
  const { tr } = usePrefs();
  const q = useQuery({ queryKey: ['assistance', 'one', no], queryFn: () => api<AssistanceApplication>(`/api/v1/assistance/applications/${no}`) });
  return <Query q={q}>{(a) => <div>{a.notice_starts_on && <p>{tr(`公示期 ${a.notice_starts_on} 至 ${a.notice_ends_on}`, `public notice ${a.notice_starts_on} to ${a.notice_ends_on}`)}</p>}<AssistanceExplained a={a} /></div>}</Query>;
}

