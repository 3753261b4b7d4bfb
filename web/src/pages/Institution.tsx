import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, post, yuan, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Card, Empty, ErrorBox, Field, Query } from '../ui.tsx';
import { CaseDetail, CaseStateBadge, fileAsBase64, WIDE, type CaseView } from './SupervisionCases.tsx';
import type { FindingPage, SupervisionCaseRow } from '../types.ts';

// The institution's own page (定点医药机构, docs/supervision.md): the findings of the rules against
// it, its cases, and in a case's appeal window the appeal (a statement with files) or the waiver.
// The server answers an institution's account with its own institution's records only.

export function Institution({ me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const [open, setOpen] = useState<string | null>(null);
  const cases = useQuery({ queryKey: ['sup-cases', 'own'], queryFn: () => api<{ items: SupervisionCaseRow[] }>('/api/v1/supervision/cases') });
  const findings = useQuery({ queryKey: ['sup-own-findings'], queryFn: () => api<FindingPage>('/api/v1/supervision/findings?limit=100') });
  return (
    <>
      <h1>{tr('本机构医保监管', 'Supervision of our institution')}</h1>
      <p className="hint">{me.fixmedins_code}</p>
      <Card title={tr('本机构的稽核案件', 'Our cases')}>
        <Query q={cases}>
          {(d) => d.items.length === 0 ? <Empty>{tr('没有针对本机构的案件。', 'No case against us.')}</Empty> : (
            <div className="scroll">
              <table data-testid="own-cases" style={WIDE}>
                <thead><tr>
                  <th scope="col">{tr('案件编号', 'Case')}</th><th scope="col">{tr('状态', 'State')}</th><th scope="col" className="num">{tr('涉及金额（元）', 'Amount (yuan)')}</th>
                  <th scope="col">{tr('期限', 'Due')}</th><th scope="col">{tr('操作', 'Actions')}</th>
                </tr></thead>
                <tbody>
                  {d.items.map((c) => (
                    <tr key={c.case_no} data-testid="own-case" data-case={c.case_no} data-state={c.state} data-institution={c.fixmedins_code}>
                      <td>{c.case_no}</td><td><CaseStateBadge state={c.state} /></td><td className="num">{yuan(c.amount_fen)}</td><td>{c.due_on ?? '—'}</td>
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
      {open && <CaseDetail caseNo={open}>{(c) => <AppealForms c={c} />}</CaseDetail>}
      <Card title={tr('本机构的监管疑点', 'Findings against us')}>
        <Query q={findings}>
          {(d) => d.items.length === 0 ? <Empty>{tr('没有疑点。', 'No finding.')}</Empty> : (
            <div className="scroll">
              <table data-testid="own-findings" style={WIDE}>
                <thead><tr>
                  <th scope="col">{tr('规则', 'Rule')}</th><th scope="col">{tr('参保人', 'Insured')}</th><th scope="col" className="num">{tr('金额（元）', 'Amount (yuan)')}</th>
                  <th scope="col">{tr('状态', 'Status')}</th><th scope="col">{tr('说明', 'What')}</th>
                </tr></thead>
                <tbody>
                  {d.items.map((f) => (
                    <tr key={f.id} data-testid="own-finding" data-institution={f.fixmedins_code}>
                      <td>{f.rule_code}</td><td>{f.psn_name}</td><td className="num">{yuan(f.amount_fen)}</td>
                      <td>{f.status === 'open' ? tr('待处理', 'Open') : f.status === 'in_case' ? tr('已立案', 'In a case') : tr('已关闭', 'Closed')}</td>
                      <td>{lang === 'zh' ? f.vola_cont.zh : f.vola_cont.en}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Query>
      </Card>
    </>
  );
}

/** In the appeal window: appeal with a statement and files, or waive. */
function AppealForms({ c }: { c: CaseView }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const [statement, setStatement] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [reason, setReason] = useState('');
  const done = (v: CaseView): void => {
    qc.setQueryData(['sup-case', c.case_no], v);
    void qc.invalidateQueries({ queryKey: ['sup-cases'] });
  };
  const appeal = useMutation({
    mutationFn: async () => post<CaseView>(`/api/v1/supervision/cases/${c.case_no}/appeal`, { statement, evidence: await Promise.all(files.map(fileAsBase64)) }),
    onSuccess: done,
  });
  const waive = useMutation({ mutationFn: () => post<CaseView>(`/api/v1/supervision/cases/${c.case_no}/appeal`, { waive: true, reason }), onSuccess: done });
  if (!c.moves.includes('appeal') && !c.moves.includes('waive_appeal')) return null;
  return (
    <>
      <form className="card" aria-label={tr('申诉', 'Appeal')} data-testid="appeal-form" onSubmit={(e) => { e.preventDefault(); appeal.mutate(); }}>
        <h3>{tr(`申诉（截至 ${c.appeal_due_on ?? ''}）`, `Appeal (until ${c.appeal_due_on ?? ''})`)}</h3>
        <Field label={tr('申诉陈述', 'Statement')}>{(id) => <textarea id={id} rows={3} value={statement} onChange={(e) => setStatement(e.target.value)} />}</Field>
        <Field label={tr('证据材料（PDF、图片或文本，每份不超过 5 MB）', 'Evidence (PDF, picture or text, 5 MB each at most)')}>
          {(id) => <input id={id} type="file" multiple accept="application/pdf,image/png,image/jpeg,text/plain" onChange={(e) => setFiles([...(e.target.files ?? [])])} />}
        </Field>
        {appeal.isError && <ErrorBox error={appeal.error} />}
        <div className="actions"><button type="submit" disabled={appeal.isPending}>{tr('提交申诉', 'Submit the appeal')}</button></div>
      </form>
      <form className="card" aria-label={tr('放弃申诉', 'Waive the appeal')} onSubmit={(e) => { e.preventDefault(); waive.mutate(); }}>
        <h3>{tr('放弃申诉', 'Waive the appeal')}</h3>
        <Field label={tr('说明', 'Why')}>{(id) => <textarea id={id} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
        {waive.isError && <ErrorBox error={waive.error} />}
        <div className="actions"><button type="submit" className="secondary" disabled={waive.isPending}>{tr('放弃申诉', 'Waive the appeal')}</button></div>
      </form>
    </>
  );
}
