import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { yuanToFen } from '../../../src/engine/money.ts';
import { api, post, yuan, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, ErrorBox, Field, Query, RegionName } from '../ui.tsx';
import type { Investigation, InvestigationBox, InvestigationListItem } from '../types.ts';

// The supervisor's 协查 page (docs/supervision.md, "协查 — cross-region investigation requests"):
// the inbox (requests asked of the caller's regions) and the outbox (raised by them) with their
// deadlines, overdue in red and due within two days in amber; one request with its visits,
// history, attachments and answers; the moves the server says the caller may make, as buttons
// and the answer's form; and, from the outbox, the form that raises a request.

type Tr = (zh: string, en: string) => string;
type Bilingual = { zh: string; en: string };

type Move = Investigation['allowed_moves'][number];
interface PersonSettlement { setl_id: string; kind: string; status: string; setl_time: string; mdtrt_id: string; fixmedins_code: string; fixmedins_name: string | null }

const STATE_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info'> = { requested: 'warn', accepted: 'info', answered: 'warn', closed: 'ok', refused: 'bad' };
const MOVES: Record<Move, Bilingual> = {
  accept: { zh: '受理', en: 'Accept' },
  refuse: { zh: '不予受理', en: 'Refuse' },
  answer: { zh: '回复协查结果', en: 'Answer' },
  return: { zh: '退回补充调查', en: 'Return as incomplete' },
  confirm: { zh: '确认办结', en: 'Confirm and close' },
};
const EVENT_MOVES: Record<string, Bilingual> = { submit: { zh: '发起协查', en: 'Raised' }, escalate: { zh: '逾期督办', en: 'Escalated (overdue)' }, ...MOVES };
const CONCLUSION: Record<string, Bilingual> = { violation: { zh: '存在违规', en: 'Violation found' }, no_violation: { zh: '未发现违规', en: 'No violation' } };

const chinaDay = (offsetDays = 0): string => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
const time = (iso: string): string => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

function Deadline({ item }: { item: Pick<InvestigationListItem, 'due_on' | 'overdue' | 'escalation_level'> }): ReactNode {
  const { tr } = usePrefs();
  if (!item.due_on) return <span>—</span>;
  const soon = !item.overdue && item.due_on <= chinaDay(2);
  const tone = item.overdue ? 'bad' : soon ? 'warn' : 'info';
  return (
    <span data-testid="deadline" data-tone={tone}>
      <Badge tone={tone}>{item.due_on}{item.overdue ? tr(`（已逾期，督办 ${item.escalation_level} 级）`, ` (overdue, level ${item.escalation_level})`) : soon ? tr('（即将到期）', ' (due soon)') : ''}</Badge>
    </span>
  );
}

export function Investigations({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const [box, setBox] = useState<'inbox' | 'outbox'>('inbox');
  const [open, setOpen] = useState<string | null>(null);
  const [raising, setRaising] = useState(false);
  return (
    <>
      <h1>{tr('协查', 'Investigations')}</h1>
      <p className="hint">{tr('参保地向就医地发起异地就医协查；就医地受理、调查并回复；参保地确认办结或退回补充。', 'The insured region asks the treatment region to investigate; the treatment region accepts, investigates and answers; the insured region confirms or returns the answer.')}</p>
      <div role="tablist" aria-label={tr('收件箱与发件箱', 'Inbox and outbox')} className="tabs">
        <button role="tab" type="button" aria-selected={box === 'inbox'} onClick={() => { setBox('inbox'); setOpen(null); setRaising(false); }}>{tr('收件箱（请我方协查）', 'Inbox (asked of us)')}</button>
        <button role="tab" type="button" aria-selected={box === 'outbox'} onClick={() => { setBox('outbox'); setOpen(null); }}>{tr('发件箱（我方发起）', 'Outbox (raised by us)')}</button>
      </div>
      {box === 'outbox' && (
        <div className="actions">
          <button type="button" aria-expanded={raising} onClick={() => setRaising(!raising)}>{tr('发起协查', 'Raise a request')}</button>
        </div>
      )}
      {box === 'outbox' && raising && <RaiseForm me={me} onRaised={(no) => { setRaising(false); setOpen(no); }} />}
      <Box box={box} open={open} setOpen={setOpen} />
      {open && <RequestDetail caseNo={open} />}
    </>
  );
}

function Box({ box, open, setOpen }: { box: 'inbox' | 'outbox'; open: string | null; setOpen: (no: string | null) => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const list = useQuery({ queryKey: ['investigations', box], queryFn: () => api<InvestigationBox>(`/api/v1/supervision/investigations?box=${box}`) });
  return (
    <Card title={box === 'inbox' ? tr('请我方协查的请求', 'Requests asked of us') : tr('我方发起的请求', 'Requests we raised')}>
      <Query q={list}>
        {(d) => d.items.length === 0 ? <Empty>{tr('暂无协查请求。', 'No requests.')}</Empty> : (
          <div className="scroll">
            <table data-testid={`box-${box}`}>
              <thead><tr>
                <th scope="col">{tr('协查编号', 'Request')}</th><th scope="col">{tr('参保人', 'Insured person')}</th><th scope="col">{tr('参保地 → 就医地', 'Insured → treatment')}</th>
                <th scope="col">{tr('协查事项', 'Subject')}</th><th scope="col">{tr('状态', 'State')}</th><th scope="col">{tr('办理期限', 'Deadline')}</th><th scope="col">{tr('操作', 'Actions')}</th>
              </tr></thead>
              <tbody>
                {d.items.map((i) => (
                  <tr key={i.case_no} data-testid="investigation" data-case={i.case_no} data-state={i.state}>
                    <td>{i.case_no}</td>
                    <td>{i.psn_name}</td>
                    <td><RegionName code={i.requesting_admdvs} /> → <RegionName code={i.answering_admdvs} /></td>
                    <td>{i.subject}</td>
                    <td><Badge tone={STATE_TONE[i.state] ?? 'info'}>{lang === 'zh' ? i.state_name.zh : i.state_name.en}</Badge></td>
                    <td className={i.overdue ? 'bad' : undefined}><Deadline item={i} /></td>
                    <td><button type="button" className="secondary" aria-expanded={open === i.case_no} aria-label={tr(`查看 ${i.case_no}`, `Open ${i.case_no}`)} onClick={() => setOpen(open === i.case_no ? null : i.case_no)}>{tr('查看', 'Open')}</button></td>
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

async function readFile(file: File): Promise<{ name: string; mime: string; content_base64: string }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { name: file.name, mime: file.type || 'application/octet-stream', content_base64: btoa(bin) };
}

function RaiseForm({ me, onRaised }: { me: Me; onRaised: (caseNo: string) => void }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const [psn, setPsn] = useState('');
  const [looked, setLooked] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [subject, setSubject] = useState('');
  const [reason, setReason] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const settlements = useQuery({
    queryKey: ['investigations', 'settlements', looked], enabled: looked !== '',
    queryFn: () => api<{ items: PersonSettlement[] }>(`/api/v1/settlements?psn_no=${encodeURIComponent(looked)}`),
  });
  // visits away from the person's own city (the server decides; this only keeps the list short)
  const away = (settlements.data?.items ?? []).filter((s) => s.kind === 'settle' && !me.regions.some((r) => s.fixmedins_code.slice(1, 5).startsWith(r.replace(/(00)+$/, ''))));
  const raise = useMutation({
    mutationFn: async () => {
      const attachments = await Promise.all(files.map(readFile));
      const visits = picked.map((setl) => {
        const s = away.find((x) => x.setl_id === setl)!;
        return { mdtrt_id: s.mdtrt_id, setl_id: s.setl_id };
      });
      return post<Investigation>('/api/v1/supervision/investigations', { psn_no: looked, visits, subject, reason, attachments });
    },
    onSuccess: (d) => {
      void qc.invalidateQueries({ queryKey: ['investigations'] });
      onRaised(d.case_no);
    },
  });
  return (
    <Card title={tr('发起协查', 'Raise a request')}>
      <form aria-label={tr('发起协查', 'Raise a request')} onSubmit={(e) => { e.preventDefault(); raise.mutate(); }}>
        <div className="row">
          <Field label={tr('参保人编号', 'Insured person (psn_no)')}>{(id) => <input id={id} value={psn} onChange={(e) => setPsn(e.target.value.trim())} />}</Field>
          <button type="button" className="secondary" onClick={() => { setLooked(psn); setPicked([]); }} disabled={!psn}>{tr('查询异地就诊', 'Find visits elsewhere')}</button>
        </div>
        {looked && (
          <Query q={settlements}>
            {() => away.length === 0 ? <Empty>{tr('该参保人没有您辖区以外的结算。', 'This person has no settlement outside your regions.')}</Empty> : (
              <fieldset data-testid="raise-visits">
                <legend>{tr('协查的就诊（结算）', 'Visits (settlements) to investigate')}</legend>
                {away.map((s) => (
                  <label key={s.setl_id} className="check">
                    <input type="checkbox" checked={picked.includes(s.setl_id)} onChange={(e) => setPicked(e.target.checked ? [...picked, s.setl_id] : picked.filter((x) => x !== s.setl_id))} />
                    {' '}{time(s.setl_time)} {s.fixmedins_name ?? s.fixmedins_code} · {s.setl_id}
                  </label>
                ))}
              </fieldset>
            )}
          </Query>
        )}
        <Field label={tr('协查事项', 'What to investigate')}>{(id) => <textarea id={id} value={subject} onChange={(e) => setSubject(e.target.value)} rows={2} />}</Field>
        <Field label={tr('协查理由', 'Why')}>{(id) => <textarea id={id} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />}</Field>
        <Field label={tr('附件', 'Attachments')} hint={tr('每份不超过 2 MB', 'at most 2 MB each')}>{(id, d) => <input id={id} aria-describedby={d} type="file" multiple onChange={(e) => setFiles([...(e.target.files ?? [])])} />}</Field>
        {raise.isError && <ErrorBox error={raise.error} />}
        <div className="actions"><button type="submit" disabled={raise.isPending || picked.length === 0}>{tr('提交协查请求', 'Send the request')}</button></div>
      </form>
    </Card>
  );
}

function RequestDetail({ caseNo }: { caseNo: string }): ReactNode {
  const { tr, lang } = usePrefs();
  const q = useQuery({ queryKey: ['investigations', 'detail', caseNo], queryFn: () => api<Investigation>(`/api/v1/supervision/investigations/${caseNo}`) });
  const w = (b: Bilingual | undefined, fallback: string): string => (b ? (lang === 'zh' ? b.zh : b.en) : fallback);
  return (
    <Query q={q}>
      {(d) => (
        <Card title={tr(`协查请求 ${d.case_no}`, `Request ${d.case_no}`)} id="investigation-detail">
          <div data-testid="investigation-detail" data-state={d.state}>
            <dl className="totals">
              <div><dt>{tr('状态', 'State')}</dt><dd><Badge tone={STATE_TONE[d.state] ?? 'info'}>{w(d.state_name, d.state)}</Badge></dd></div>
              <div><dt>{tr('办理期限', 'Deadline')}</dt><dd><Deadline item={d} /></dd></div>
              <div><dt>{tr('参保地 → 就医地', 'Insured → treatment')}</dt><dd><RegionName code={d.requesting_admdvs} /> → <RegionName code={d.answering_admdvs} /></dd></div>
            </dl>
            <p><strong>{tr('参保人：', 'Insured person: ')}</strong>{d.psn_name}（{d.psn_no}）</p>
            <p><strong>{tr('协议：', 'Agreement: ')}</strong>{d.agreement_no} · {tr(`受理时限 ${d.accept_days} 个工作日，回复时限 ${d.answer_days} 个工作日`, `${d.accept_days} working days to accept, ${d.answer_days} to answer`)}</p>
            <p><strong>{tr('协查事项：', 'What: ')}</strong>{d.subject}</p>
            <p><strong>{tr('协查理由：', 'Why: ')}</strong>{d.reason}</p>
            {d.refusal && <p data-testid="refusal"><strong>{tr('不予受理理由：', 'Refused: ')}</strong>{d.refusal.reason}</p>}

            <h3>{tr('就诊与结算', 'Visits and settlements')}</h3>
            <table data-testid="visits">
              <thead><tr><th scope="col">{tr('就诊', 'Visit')}</th><th scope="col">{tr('机构', 'Institution')}</th><th scope="col">{tr('时间', 'When')}</th><th scope="col">{tr('结算', 'Settlement')}</th><th scope="col" className="num">{tr('医疗费用（元）', 'Medical costs (yuan)')}</th><th scope="col" className="num">{tr('基金支付（元）', 'Fund paid (yuan)')}</th></tr></thead>
              <tbody>
                {d.visits.map((v) => (
                  <tr key={v.mdtrt_id} data-testid="visit" data-mdtrt={v.mdtrt_id}>
                    <td>{v.mdtrt_id}</td><td>{v.fixmedins_name}</td><td>{time(v.begntime)}</td><td>{v.setl_id ?? '—'}</td>
                    <td className="num">{v.medfee_sumamt === null ? '—' : yuan(v.medfee_sumamt)}</td><td className="num">{v.fund_pay_sumamt === null ? '—' : yuan(v.fund_pay_sumamt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>

            {d.answers.length > 0 && (
              <>
                <h3>{tr('协查回复', 'Answers')}</h3>
                {d.answers.map((a, i) => (
                  <div key={a.at + i} data-testid="answer" className="card">
                    <p><Badge tone={a.conclusion === 'violation' ? 'bad' : 'ok'}>{w(CONCLUSION[a.conclusion], a.conclusion)}</Badge> {time(a.at)} · {a.by}</p>
                    <p>{a.findings}</p>
                    {a.recovery_fen > 0 && <p>{tr(`追回 ${yuan(a.recovery_fen)} 元（${a.recovery_ref ?? ''}）`, `Recovered ${yuan(a.recovery_fen)} yuan (${a.recovery_ref ?? ''})`)}</p>}
                    {a.returned && <p className="hint">{tr(`已退回补充：${a.returned.reason}`, `Returned as incomplete: ${a.returned.reason}`)}</p>}
                  </div>
                ))}
              </>
            )}

            <h3>{tr('附件', 'Attachments')}</h3>
            {d.attachments.length === 0 ? <p className="hint">{tr('无附件', 'None')}</p> : (
              <ul data-testid="attachments">
                {d.attachments.map((a) => (
                  <li key={a.id}><a href={`/api/v1/supervision/investigations/${d.case_no}/attachments/${a.id}`} download={a.name}>{a.name}</a> ({a.size_bytes} B, {a.side === 'requesting' ? tr('参保地', 'insured side') : tr('就医地', 'treatment side')}, {a.added_by})</li>
                ))}
              </ul>
            )}

            <h3>{tr('办理记录', 'History')}</h3>
            <ol data-testid="history">
              {d.events.map((e, i) => (
                <li key={i} data-move={e.move}>{time(e.at)} · {w(EVENT_MOVES[e.move], e.move)} · {e.actor}{e.comment ? ` · ${e.comment}` : ''}</li>
              ))}
            </ol>
            <Moves detail={d} tr={tr} />
          </div>
        </Card>
      )}
    </Query>
  );
}

function Moves({ detail, tr }: { detail: Investigation; tr: Tr }): ReactNode {
  const { lang } = usePrefs();
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const [findings, setFindings] = useState('');
  const [conclusion, setConclusion] = useState<'violation' | 'no_violation'>('no_violation');
  const [recovery, setRecovery] = useState('');
  const [ref, setRef] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const move = useMutation({
    mutationFn: async (m: Move) => {
      const attachments = await Promise.all(files.map(readFile));
      const body: Record<string, unknown> = { move: m, reason: reason || null, attachments };
      if (m === 'answer') {
        const recovery_fen = recovery.trim() === '' ? 0 : yuanToFen(recovery, 'answer.recovery_fen');
        body.answer = { findings, conclusion, recovery_fen, recovery_ref: ref || null };
      }
      return post<Investigation>(`/api/v1/supervision/investigations/${detail.case_no}/moves`, body);
    },
    onSuccess: () => {
      setReason('');
      setFiles([]);
      void qc.invalidateQueries({ queryKey: ['investigations'] });
    },
  });
  if (detail.allowed_moves.length === 0) return <p className="hint" data-testid="no-moves">{tr('当前没有您可办理的操作。', 'Nothing for you to do on this request now.')}</p>;
  const answering = detail.allowed_moves.includes('answer');
  return (
    <form data-testid="moves" aria-label={tr('办理', 'Act on the request')} onSubmit={(e) => e.preventDefault()}>
      <h3>{tr('办理', 'Act')}</h3>
      {answering && (
        <fieldset>
          <legend>{tr('协查结果', 'The answer')}</legend>
          <Field label={tr('调查情况', 'Findings')}>{(id) => <textarea id={id} rows={3} value={findings} onChange={(e) => setFindings(e.target.value)} />}</Field>
          <Field label={tr('结论', 'Conclusion')}>
            {(id) => (
              <select id={id} value={conclusion} onChange={(e) => setConclusion(e.target.value as 'violation' | 'no_violation')}>
                <option value="no_violation">{lang === 'zh' ? CONCLUSION.no_violation!.zh : CONCLUSION.no_violation!.en}</option>
                <option value="violation">{lang === 'zh' ? CONCLUSION.violation!.zh : CONCLUSION.violation!.en}</option>
              </select>
            )}
          </Field>
          {conclusion === 'violation' && (
            <>
              <Field label={tr('追回金额（元）', 'Amount recovered (yuan)')}>{(id) => <input id={id} inputMode="decimal" value={recovery} onChange={(e) => setRecovery(e.target.value)} />}</Field>
              <Field label={tr('案件或转账编号', 'Case or transfer reference')}>{(id) => <input id={id} value={ref} onChange={(e) => setRef(e.target.value)} />}</Field>
            </>
          )}
        </fieldset>
      )}
      <Field label={tr('办理意见（不予受理、退回时必填）', 'Remarks (required to refuse or return)')}>{(id) => <textarea id={id} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
      <Field label={tr('附件', 'Attachments')}>{(id) => <input id={id} type="file" multiple onChange={(e) => setFiles([...(e.target.files ?? [])])} />}</Field>
      {move.isError && <ErrorBox error={move.error} />}
      <div className="actions">
        {detail.allowed_moves.map((m) => (
          <button key={m} type="button" className={m === 'refuse' || m === 'return' ? 'secondary' : undefined} disabled={move.isPending} onClick={() => move.mutate(m)}>
            {lang === 'zh' ? MOVES[m].zh : MOVES[m].en}
          </button>
        ))}
      </div>
    </form>
  );
}
