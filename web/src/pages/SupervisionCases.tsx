import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { yuanToFen } from '../../../src/engine/money.ts';
import { api, post, yuan } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, ErrorBox, Field, Query } from '../ui.tsx';
import type { FindingEvidence, FindingPage, SupervisionCase, SupervisionCaseFinding, SupervisionCaseRow } from '../types.ts';

// 稽核案件 (docs/supervision.md, "Cases over REST and the institution's view"): the supervisors'
// and reviewers' case queue with its filters, opening a case from open findings, and one case
// with its findings (their lines shown inline from the finding's evidence), history, evidence,
// decision, recovery and suspension, and a form for each move the server says the user may
// make now. The institution's page (Institution.tsx) shows the same case with its appeal forms.

type Tr = (zh: string, en: string) => string;
type Bi = { zh: string; en: string };

// The case's appeal, decision, recovery transfer and suspension are the store's JSON, which the
// schema leaves open (Type.Unknown in SupervisionCaseModel); the parts this page reads, as
// src/app/supervision/cases.ts writes them.
export type CaseView = Omit<SupervisionCase, 'appeal' | 'decision' | 'recovery_transfer' | 'suspension'> & {
  appeal: { statement?: string; waived?: boolean; reason?: string; by?: string; by_name?: string; at?: string } | null;
  decision: { kinds: string[]; reason: string; recovery_fen: number; penalty_multiple: number | null; penalty_fen: number; suspension: { begins_on: string; ends_on: string | null } | null } | null;
  recovery_transfer: { id: number; key: string; amount_fen: number; legs: { debit: string; credit: string; amount: number }[] } | null;
  suspension: { begins_on: string; ends_on: string | null; lifted_at: string | null; lift_reason: string | null } | null;
};

export const CASE_STATES: Record<string, Bi & { tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  opened: { zh: '已立案待初审', en: 'Opened', tone: 'info' },
  first_review: { zh: '初审中', en: 'First review', tone: 'warn' },
  second_review: { zh: '复审中', en: 'Second review', tone: 'warn' },
  appeal: { zh: '申诉期', en: 'Appeal window', tone: 'warn' },
  investigation: { zh: '调查中', en: 'Investigation', tone: 'warn' },
  decided: { zh: '已作出处理决定', en: 'Decided', tone: 'bad' },
  closed: { zh: '已办结', en: 'Closed', tone: 'ok' },
};

const MOVE_NAMES: Record<string, Bi> = {
  assign: { zh: '分派初审', en: 'Assign to the first review' },
  first_review_pass: { zh: '初审通过', en: 'Pass the first review' },
  second_review_pass: { zh: '复审通过（进入申诉期）', en: 'Pass the second review (opens the appeal window)' },
  return_to_first_review: { zh: '退回初审', en: 'Return to the first review' },
  dismiss: { zh: '撤销案件', en: 'Dismiss' },
  appeal_lapsed: { zh: '申诉期满，转入调查', en: 'Appeal window ended: investigate' },
  close: { zh: '结案', en: 'Close the case' },
  lift_suspension: { zh: '解除暂停直接结算', en: 'Lift the suspension' },
  decide: { zh: '作出处理决定', en: 'Decide' },
  appeal: { zh: '申诉', en: 'Appeal' },
  waive_appeal: { zh: '放弃申诉', en: 'Waive the appeal' },
};

const DECISION_KINDS: Record<string, Bi> = {
  no_violation: { zh: '不构成违规', en: 'No violation' },
  warning: { zh: '警告', en: 'Warning' },
  recovery: { zh: '追回基金', en: 'Recover the amount' },
  penalty: { zh: '罚款（追回金额的倍数）', en: 'Penalty (a multiple of the recovery)' },
  suspension: { zh: '暂停医保直接结算', en: 'Suspend direct settlement' },
};

/** On a phone a table scrolls sideways (inside .scroll) rather than wrapping every word. */
export const WIDE = { minWidth: '36rem' } as const;

const bi = (lang: string, b: Bi): string => (lang === 'zh' ? b.zh : b.en);
const when = (iso: string): string => new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

export function CaseStateBadge({ state }: { state: string }): ReactNode {
  const { lang } = usePrefs();
  const s = CASE_STATES[state];
  return <Badge tone={s?.tone ?? 'info'}>{s ? bi(lang, s) : state}</Badge>;
}

/** The supervisors' and reviewers' page. */
export function SupervisionCases(): ReactNode {
  const { tr } = usePrefs();
  const [state, setState] = useState('');
  const [institution, setInstitution] = useState('');
  const [overdue, setOverdue] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const params = new URLSearchParams();
  if (state) params.set('state', state);
  if (/^[HP][0-9]{11}$/.test(institution.trim())) params.set('fixmedins_code', institution.trim());
  if (overdue) params.set('overdue', 'true');
  const list = useQuery({ queryKey: ['sup-cases', String(params)], queryFn: () => api<{ items: SupervisionCaseRow[] }>(`/api/v1/supervision/cases?${params}`) });
  return (
    <>
      <h1>{tr('稽核案件', 'Supervision cases')}</h1>
      <form className="card row filters" aria-label={tr('案件筛选', 'Case filters')} onSubmit={(e) => e.preventDefault()}>
        <Field label={tr('状态', 'State')}>
          {(id) => (
            <select id={id} value={state} onChange={(e) => setState(e.target.value)}>
              <option value="">{tr('全部', 'All')}</option>
              {Object.entries(CASE_STATES).map(([k, v]) => <option key={k} value={k}>{tr(v.zh, v.en)}</option>)}
            </select>
          )}
        </Field>
        <Field label={tr('机构编码', 'Institution code')} hint={tr('如 H43021100001', 'e.g. H43021100001')}>
          {(id, hint) => <input id={id} aria-describedby={hint} value={institution} onChange={(e) => setInstitution(e.target.value)} />}
        </Field>
        <label className="check"><input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} /> {tr('仅看超期', 'Overdue only')}</label>
      </form>
      <Card title={tr('案件队列', 'Case queue')}>
        <Query q={list}>
          {(d) => d.items.length === 0 ? <Empty>{tr('没有符合条件的案件。', 'No case matches.')}</Empty> : (
            <div className="scroll">
              <table data-testid="cases" style={WIDE}>
                <thead><tr>
                  <th scope="col">{tr('案件编号', 'Case')}</th><th scope="col">{tr('机构', 'Institution')}</th><th scope="col">{tr('状态', 'State')}</th>
                  <th scope="col" className="num">{tr('涉及金额（元）', 'Amount (yuan)')}</th><th scope="col">{tr('期限', 'Due')}</th><th scope="col">{tr('操作', 'Actions')}</th>
                </tr></thead>
                <tbody>
                  {d.items.map((c) => (
                    <tr key={c.case_no} data-testid="case" data-case={c.case_no} data-state={c.state}>
                      <td>{c.case_no}</td>
                      <td>{c.fixmedins_name}<br /><small>{c.fixmedins_code}</small></td>
                      <td><CaseStateBadge state={c.state} /></td>
                      <td className="num">{yuan(c.amount_fen)}</td>
                      <td>{c.due_on ?? '—'}{c.overdue && <> <Badge tone="bad">{tr('超期', 'Overdue')}</Badge></>}</td>
                      <td className="actions">
                        <button type="button" className="secondary" aria-expanded={open === c.case_no} onClick={() => setOpen(open === c.case_no ? null : c.case_no)}>
                          {tr(`详情 ${c.case_no}`, `Open ${c.case_no}`)}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Query>
      </Card>
      {open && <CaseDetail caseNo={open} />}
      <OpenFromFindings onOpened={setOpen} institution={params.get('fixmedins_code') ?? ''} />
    </>
  );
}

/** Open findings to open a case from: all chosen must be of one institution (the server says so otherwise). */
function OpenFromFindings({ onOpened, institution }: { onOpened: (caseNo: string) => void; institution: string }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const [picked, setPicked] = useState<number[]>([]);
  const [reason, setReason] = useState('');
  const q = new URLSearchParams({ status: 'open', limit: '50' });
  if (institution) q.set('fixmedins_code', institution);
  const findings = useQuery({ queryKey: ['sup-open-findings', String(q)], queryFn: () => api<FindingPage>(`/api/v1/supervision/findings?${q}`) });
  const open = useMutation({
    mutationFn: () => post<CaseView>('/api/v1/supervision/cases', { finding_ids: picked, reason }),
    onSuccess: (c) => {
      setPicked([]);
      setReason('');
      void qc.invalidateQueries({ queryKey: ['sup-cases'] });
      void qc.invalidateQueries({ queryKey: ['sup-open-findings'] });
      onOpened(c.case_no);
    },
  });
  return (
    <Card title={tr('由疑点立案', 'Open a case from findings')}>
      <Query q={findings}>
        {(d) => d.items.length === 0 ? <Empty>{tr('没有待处理的疑点。', 'No open finding.')}</Empty> : (
          <form onSubmit={(e) => { e.preventDefault(); open.mutate(); }} aria-label={tr('立案', 'Open a case')}>
            <div className="scroll">
              <table data-testid="open-findings" style={WIDE}>
                <thead><tr>
                  <th scope="col">{tr('选择', 'Pick')}</th><th scope="col">{tr('规则', 'Rule')}</th><th scope="col">{tr('机构', 'Institution')}</th>
                  <th scope="col">{tr('参保人', 'Insured')}</th><th scope="col" className="num">{tr('金额（元）', 'Amount (yuan)')}</th><th scope="col">{tr('说明', 'What')}</th>
                </tr></thead>
                <tbody>
                  {d.items.map((f) => (
                    <tr key={f.id} data-testid="open-finding" data-id={f.id} data-institution={f.fixmedins_code}>
                      <td><input type="checkbox" aria-label={tr(`选择疑点 ${f.id}`, `Pick finding ${f.id}`)} checked={picked.includes(f.id)}
                        onChange={(e) => setPicked(e.target.checked ? [...picked, f.id] : picked.filter((x) => x !== f.id))} /></td>
                      <td>{f.rule_code}</td>
                      <td>{f.fixmedins_name}</td>
                      <td>{f.psn_name}</td>
                      <td className="num">{yuan(f.amount_fen)}</td>
                      <td>{bi(lang, f.vola_cont)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Field label={tr('立案理由', 'Why the case is opened')}>
              {(id) => <textarea id={id} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />}
            </Field>
            {open.isError && <ErrorBox error={open.error} />}
            <div className="actions"><button type="submit" disabled={open.isPending || picked.length === 0}>{tr(`立案（${picked.length} 条疑点）`, `Open a case (${picked.length} findings)`)}</button></div>
          </form>
        )}
      </Query>
    </Card>
  );
}

/** One case, for whoever may see it: what the server sends, and the forms of the moves it allows. */
export function CaseDetail({ caseNo, children }: { caseNo: string; children?: (c: CaseView) => ReactNode }): ReactNode {
  const { tr, lang } = usePrefs();
  const q = useQuery({ queryKey: ['sup-case', caseNo], queryFn: () => api<CaseView>(`/api/v1/supervision/cases/${caseNo}`) });
  return (
    <Card title={tr(`案件 ${caseNo}`, `Case ${caseNo}`)} id="case-detail">
      <Query q={q}>
        {(c) => (
          <div data-testid="case-detail" data-state={c.state}>
            <dl className="facts">
              <dt>{tr('状态', 'State')}</dt><dd><CaseStateBadge state={c.state} /></dd>
              <dt>{tr('机构', 'Institution')}</dt><dd>{c.fixmedins_name}（{c.fixmedins_code}）</dd>
              <dt>{tr('涉及金额', 'Amount in question')}</dt><dd>{yuan(c.amount_fen)} {tr('元', 'yuan')}</dd>
              {c.due_on && <><dt>{tr('本环节期限', 'Due')}</dt><dd>{c.due_on}</dd></>}
              {c.appeal_due_on && <><dt>{tr('申诉截止', 'Appeal due')}</dt><dd data-testid="appeal-due">{c.appeal_due_on}</dd></>}
            </dl>
            <h3>{tr('疑点', 'Findings')}</h3>
            <ul className="plain">{c.findings.map((f) => <FindingItem key={f.id} f={f} />)}</ul>
            {c.appeal && (
              <>
                <h3>{tr('申诉', 'Appeal')}</h3>
                <p data-testid="appeal">{c.appeal.waived ? tr(`机构放弃申诉：${c.appeal.reason ?? ''}`, `The institution waived its appeal: ${c.appeal.reason ?? ''}`) : c.appeal.statement}</p>
              </>
            )}
            {c.files.length > 0 && (
              <ul className="plain" data-testid="files">
                {c.files.map((f) => <li key={f.id}><a href={`/api/v1/supervision/cases/${c.case_no}/evidence/${f.id}`} download={f.name}>{f.name}</a> <small>（{Math.ceil(f.size / 1024)} KB）</small></li>)}
              </ul>
            )}
            {c.decision && (
              <>
                <h3>{tr('处理决定', 'Decision')}</h3>
                <p data-testid="decision">
                  {c.decision.kinds.map((k) => bi(lang, DECISION_KINDS[k] ?? { zh: k, en: k })).join(lang === 'zh' ? '、' : ', ')}：{c.decision.reason}
                </p>
                {c.recovery_transfer && (
                  <p data-testid="recovery">
                    {tr(`追回基金 ${yuan(c.recovery_fen)} 元（记账 ${c.recovery_transfer.key}，${c.recovery_transfer.legs.length} 笔分录）`, `Recovered ${yuan(c.recovery_fen)} yuan (ledger ${c.recovery_transfer.key}, ${c.recovery_transfer.legs.length} legs)`)}
                  </p>
                )}
                {c.penalty_fen > 0 && <p>{tr(`罚款 ${yuan(c.penalty_fen)} 元`, `Penalty ${yuan(c.penalty_fen)} yuan`)}</p>}
              </>
            )}
            {c.suspension && (
              <p data-testid="suspension">
                {c.suspension.lifted_at
                  ? tr(`暂停直接结算已于 ${when(c.suspension.lifted_at)} 解除`, `Suspension lifted on ${when(c.suspension.lifted_at)}`)
                  : tr(`暂停直接结算：${c.suspension.begins_on} 起至 ${c.suspension.ends_on ?? '解除为止'}`, `Direct settlement suspended from ${c.suspension.begins_on} until ${c.suspension.ends_on ?? 'lifted'}`)}
              </p>
            )}
            <h3>{tr('办理记录', 'History')}</h3>
            <ol className="history" data-testid="history">
              {c.events.map((e, i) => (
                <li key={i}>
                  <strong>{bi(lang, MOVE_NAMES[e.move] ?? { zh: e.move === 'submit' ? '立案' : e.move, en: e.move === 'submit' ? 'Opened' : e.move })}</strong> · {when(e.at)} · {e.actor}
                  {e.comment && <><br /><span>{e.comment}</span></>}
                </li>
              ))}
            </ol>
            <StaffMoves c={c} />
            {children?.(c)}
          </div>
        )}
      </Query>
    </Card>
  );
}

/** A finding of the case, its lines shown on demand from the finding's evidence. */
function FindingItem({ f }: { f: SupervisionCaseFinding }): ReactNode {
  const { tr, lang } = usePrefs();
  const [show, setShow] = useState(false);
  const ev = useQuery({ queryKey: ['sup-finding', f.id], queryFn: () => api<FindingEvidence>(`/api/v1/supervision/findings/${f.id}`), enabled: show });
  return (
    <li data-testid="case-finding" data-id={f.id}>
      <strong>{f.rule_code}</strong> {bi(lang, f.vola_cont)} · {yuan(f.amount_fen)} {tr('元', 'yuan')}{' '}
      <button type="button" className="link" aria-expanded={show} onClick={() => setShow(!show)}>{show ? tr('收起明细', 'Hide lines') : tr('查看明细', 'Show lines')}</button>
      {show && (
        <Query q={ev}>
          {(d) => (
            <div className="scroll">
              <table data-testid="finding-lines" style={WIDE}>
                <thead><tr><th scope="col">{tr('明细', 'Line')}</th><th scope="col">{tr('项目编码', 'Item')}</th><th scope="col" className="num">{tr('数量', 'Count')}</th><th scope="col" className="num">{tr('金额（元）', 'Amount (yuan)')}</th><th scope="col">{tr('时间', 'Time')}</th></tr></thead>
                <tbody>
                  {d.lines.map((l) => (
                    <tr key={l.feedetl_sn} className={l.concerned ? 'concerned' : undefined}>
                      <td>{l.feedetl_sn}{l.concerned && <> <Badge tone="bad">{tr('涉及', 'concerned')}</Badge></>}</td><td>{l.med_list_codg}</td><td className="num">{l.cnt}</td>
                      <td className="num">{yuan(l.det_item_fee_sumamt)}</td><td>{l.fee_ocur_time ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {d.visits.filter((v) => v.related).length > 0 && (
                <p>{tr('相关就诊：', 'Related visits: ')}{d.visits.filter((v) => v.related).map((v) => `${v.fixmedins_name} ${v.begntime}`).join('; ')}</p>
              )}
            </div>
          )}
        </Query>
      )}
    </li>
  );
}

/** The staff's moves the server allows now: a reason for each, and the decision's fields. */
function StaffMoves({ c }: { c: CaseView }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const simple = c.moves.filter((m) => m !== 'decide' && m !== 'appeal' && m !== 'waive_appeal');
  const [move, setMove] = useState('');
  const [reason, setReason] = useState('');
  const [kinds, setKinds] = useState<string[]>([]);
  const [recovery, setRecovery] = useState('');
  const [multiple, setMultiple] = useState('');
  const [endsOn, setEndsOn] = useState('');
  const chosen = move && c.moves.includes(move) ? move : (simple[0] ?? (c.moves.includes('decide') ? 'decide' : ''));
  const send = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = { move: chosen, reason };
      if (chosen === 'decide') {
        const decision: Record<string, unknown> = { kinds };
        if (kinds.includes('recovery') && recovery.trim()) decision.recovery_fen = yuanToFen(Number(recovery), 'recovery_fen');
        if (kinds.includes('penalty')) decision.penalty_multiple = Number(multiple);
        if (kinds.includes('suspension')) decision.suspension_ends_on = endsOn || null;
        body.decision = decision;
      }
      return post<CaseView>(`/api/v1/supervision/cases/${c.case_no}/moves`, body);
    },
    onSuccess: (v) => {
      setReason('');
      setMove('');
      qc.setQueryData(['sup-case', c.case_no], v);
      void qc.invalidateQueries({ queryKey: ['sup-cases'] });
    },
  });
  const staffMoves = [...simple, ...(c.moves.includes('decide') ? ['decide'] : [])];
  if (staffMoves.length === 0) return null;
  return (
    <form className="card" aria-label={tr('办理', 'Act on the case')} onSubmit={(e) => { e.preventDefault(); send.mutate(); }} data-testid="moves">
      <h3>{tr('办理', 'Act on the case')}</h3>
      <fieldset>
        <legend>{tr('操作', 'Move')}</legend>
        {staffMoves.map((m) => (
          <label key={m} className="check">
            <input type="radio" name={`move-${c.case_no}`} value={m} checked={chosen === m} onChange={() => setMove(m)} /> {bi(lang, MOVE_NAMES[m] ?? { zh: m, en: m })}
          </label>
        ))}
      </fieldset>
      {chosen === 'decide' && (
        <fieldset>
          <legend>{tr('处理方式', 'Decision')}</legend>
          {Object.entries(DECISION_KINDS).map(([k, v]) => (
            <label key={k} className="check">
              <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} /> {bi(lang, v)}
            </label>
          ))}
          {kinds.includes('recovery') && (
            <Field label={tr('追回金额（元）', 'Amount to recover (yuan)')} hint={tr(`留空则按疑点金额 ${yuan(c.amount_fen)} 元（不超过基金支付）`, `Empty: the findings' ${yuan(c.amount_fen)} yuan (at most what the funds paid)`)}>
              {(id, hint) => <input id={id} aria-describedby={hint} inputMode="decimal" value={recovery} onChange={(e) => setRecovery(e.target.value)} />}
            </Field>
          )}
          {kinds.includes('penalty') && (
            <Field label={tr('罚款倍数（1–5）', 'Penalty multiple (1–5)')}>{(id) => <input id={id} inputMode="decimal" value={multiple} onChange={(e) => setMultiple(e.target.value)} />}</Field>
          )}
          {kinds.includes('suspension') && (
            <Field label={tr('暂停截止日', 'Suspended until')} hint={tr('留空：至解除为止', 'Empty: until lifted')}>
              {(id, hint) => <input id={id} aria-describedby={hint} type="date" value={endsOn} onChange={(e) => setEndsOn(e.target.value)} />}
            </Field>
          )}
        </fieldset>
      )}
      <Field label={tr('理由', 'Reason')}>{(id) => <textarea id={id} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
      {send.isError && <ErrorBox error={send.error} />}
      <div className="actions"><button type="submit" disabled={send.isPending}>{tr('提交', 'Submit')}</button></div>
    </form>
  );
}

/** Reads a chosen file as base64 for the appeal route. */
export function fileAsBase64(file: File): Promise<{ name: string; mime: string; base64: string }> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve({ name: file.name, mime: file.type || 'application/octet-stream', base64: String(r.result).replace(/^data:[^,]*,/, '') });
    r.onerror = () => reject(new Error('file'));
    r.readAsDataURL(file);
  });
}

export type { Tr };
