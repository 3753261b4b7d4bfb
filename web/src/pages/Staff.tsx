import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, post, yuan, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, ErrorBox, Field, FILING_KINDS, Query, RegionName, StatusBadge } from '../ui.tsx';
import { PSN_TYPES } from '../../../src/engine/codes.ts';
import { yuanToFen } from '../../../src/engine/money.ts';
import type { SimulationReport } from '../../../src/engine/simulation-report.ts';
import { ENROLL_STATUS, INSUTYPE, type ConsentedPerson, type Filing, type FilingQueueItem, type History, type ImportBatch, type Recognition, type RecognitionQueueItem } from '../types.ts';
import { FilingForm, FilingList } from './Portal.tsx';
import { SettlementExplanation, type Settlement } from '../explanation.tsx';

// The bureau's workbench: review queues with working-day countdowns and decisions with reasons;
// person search with enrollment, transfer and contributions; identity import with a preview;
// policy documents, their validation and comparison, and the simulator.

/** One row of either queue: the table below shows filings and recognitions alike. */
type QueueItem = Partial<FilingQueueItem & RecognitionQueueItem> & Pick<FilingQueueItem, 'psn_no' | 'insuplc_admdvs' | 'overdue' | 'working_days_left'>;

function Countdown({ left, due }: { left: number | null; due: string | undefined }) {
  const { tr } = usePrefs();
  if (left === null) return <span className="muted">—</span>;
  const tone = left < 0 ? 'bad' : left <= 1 ? 'warn' : 'ok';
  const text = left < 0 ? tr(`已超期 ${-left} 个工作日`, `${-left} working days late`) : left === 0 ? tr('今天到期', 'Due today') : tr(`剩 ${left} 个工作日`, `${left} working days left`);
  return (
    <Badge tone={tone}>
      <span aria-label={`${text}, ${tr('期限', 'due')} ${due ?? ''}`}>{text}</span>
    </Badge>
  );
}

function Decide({ what, onDecided }: { what: { kind: 'filing' | 'recognition'; no: string }; onDecided: () => void }) {
  const { tr } = usePrefs();
  const [reason, setReason] = useState('');
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      post(`/api/v1/${what.kind === 'filing' ? 'filings' : 'recognitions'}/${what.no}/review`, { decision, reason: reason.trim() || undefined }),
    onSuccess: onDecided,
  });
  return (
    <div className="decide">
      <Field label={tr('审核意见', 'Reason')} hint={tr('不予通过时必须填写', 'Required when rejecting')}>
        {(id, d) => <input id={id} aria-describedby={d} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      {decide.isError && <ErrorBox error={decide.error} />}
      <div className="actions">
        <button type="button" className="danger" disabled={decide.isPending} onClick={() => decide.mutate('reject')}>
          {tr('不予通过', 'Reject')}
        </button>
        <button type="button" disabled={decide.isPending} onClick={() => decide.mutate('approve')}>
          {tr('通过', 'Approve')}
        </button>
      </div>
    </div>
  );
}

export function StaffQueues({ me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const [open, setOpen] = useState<string | null>(null);
  const filings = useQuery({ queryKey: ['queue', 'filings'], queryFn: () => api<{ as_of: string; items: FilingQueueItem[] }>('/api/v1/filings/queue') });
  const recs = useQuery({ queryKey: ['queue', 'recognitions'], queryFn: () => api<{ as_of: string; items: RecognitionQueueItem[] }>('/api/v1/recognitions/queue') });
  const refresh = (): void => {
    setOpen(null);
    void qc.invalidateQueries({ queryKey: ['queue'] });
  };
  const table = (items: QueueItem[], kind: 'filing' | 'recognition', canDecide: boolean) =>
    items.length === 0 ? (
      <Empty>{tr('队列已清空。', 'The queue is empty.')}</Empty>
    ) : (
      <ul className="cards">
        {items.map((it) => {
          const no = (kind === 'filing' ? it.filing_no : it.recognition_no)!;
          const label = kind === 'filing' ? (lang === 'zh' ? FILING_KINDS[it.kind ?? '']?.zh : FILING_KINDS[it.kind ?? '']?.en) ?? it.kind : it.opsp_dise_name;
          return (
            <li key={no + (it.task ?? '')} className="item" data-testid="queue-item" data-no={no}>
              <div className="item-head">
                <strong>{label}</strong>
                <Countdown left={it.working_days_left} due={it.due ?? it.review_due ?? undefined} />
              </div>
              <p className="muted">
                {no} · {tr('参保人', 'Person')} {it.psn_no} · <RegionName code={it.insuplc_admdvs} />
                {it.mdtrtarea_admdvs && <> → <RegionName code={it.mdtrtarea_admdvs} /></>} · {tr('期限', 'Due')} {it.due ?? it.review_due}
                {it.task === 'commitment_check' ? ` · ${tr('告知承诺核查', 'commitment check')}` : ''}
              </p>
              {canDecide && it.task !== 'commitment_check' && (
                open === no ? (
                  <Decide what={{ kind, no }} onDecided={refresh} />
                ) : (
                  <button type="button" className="secondary" onClick={() => setOpen(no)} aria-label={tr(`审核 ${no}`, `Review ${no}`)}>
                    {tr('审核', 'Review')}
                  </button>
                )
              )}
            </li>
          );
        })}
      </ul>
    );
  return (
    <>
      <h1>{tr('待办审核', 'Review queues')}</h1>
      <Card title={tr('异地就医备案', 'Filings for care elsewhere')}>
        <Query q={filings}>{(d) => table(d.items, 'filing', me.can.review_filings)}</Query>
      </Card>
      <Card title={tr('门诊慢特病认定', 'Chronic-disease recognitions')}>
        <Query q={recs}>{(d) => table(d.items, 'recognition', me.can.review_recognitions)}</Query>
      </Card>
    </>
  );
}

export function StaffPersons({ me }: { me: Me }): ReactNode {
  const forConsenting = me.acts_for === 'consenting persons';
  const { tr, lang } = usePrefs();
  const [certno, setCertno] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  const grid = useQuery({ queryKey: ['grid'], queryFn: () => api<{ persons: ConsentedPerson[] }>('/api/v1/grid/persons'), enabled: forConsenting });
  const history = useQuery({ queryKey: ['history', shown], queryFn: () => api<History>(`/api/v1/persons/${shown}/insurance-history`), enabled: shown !== null });
  const search = (e: FormEvent): void => {
    e.preventDefault();
    setShown(certno.trim().toUpperCase());
  };
  return (
    <>
      <h1>{forConsenting ? tr('代办居民', 'Residents I act for') : tr('人员查询', 'Find a person')}</h1>
      {forConsenting && (
        <Card title={tr('已授权代办的居民', 'Residents who consented')}>
          <Query q={grid}>
            {(d) =>
              d.persons.length === 0 ? <Empty>{tr('没有授权记录。', 'No consent on record.')}</Empty> : (
                <ul className="plain">
                  {d.persons.map((p) => (
                    <li key={p.psn_no}>
                      <button type="button" className="link" onClick={() => setShown(p.certno)}>{p.psn_name}</button> <span className="muted">{p.certno.slice(0, 6)}********{p.certno.slice(-4)}</span>
                    </li>
                  ))}
                </ul>
              )
            }
          </Query>
        </Card>
      )}
      {!forConsenting && (
        <form className="card search" onSubmit={search} role="search">
          <Field label={tr('身份证号', 'ID number')}>{(id) => <input id={id} name="certno" value={certno} onChange={(e) => setCertno(e.target.value)} maxLength={18} />}</Field>
          <div className="actions"><button type="submit" disabled={certno.trim().length !== 18}>{tr('查询', 'Search')}</button></div>
        </form>
      )}
      {shown && (
        <Query q={history}>
          {(h) => (
            <>
              <Card title={`${h.person.psn_name} · ${h.person.psn_no}`}>
                <p>
                  {tr('参保地', 'Insured in')} {h.person.insuplc_admdvs} · {tr('出生', 'Born')} {h.person.brdy} · {h.person.gend === '1' ? tr('男', 'male') : tr('女', 'female')}
                </p>
                <div className="scroll">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{tr('地区', 'Region')}</th>
                        <th scope="col">{tr('险种', 'Insurance')}</th>
                        <th scope="col">{tr('期间', 'Period')}</th>
                        <th scope="col">{tr('状态', 'Status')}</th>
                        <th scope="col" className="num">{tr('缴费（元）', 'Paid (yuan)')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {h.periods.map((p) => (
                        <tr key={p.id}>
                          <td>{p.province_name} {p.admdvs_name}</td>
                          <td>{lang === 'zh' ? INSUTYPE[p.insutype]?.zh ?? p.insutype : INSUTYPE[p.insutype]?.en ?? p.insutype}</td>
                          <td>{p.psn_insu_date} — {p.end_date ?? ''}</td>
                          <td>{lang === 'zh' ? ENROLL_STATUS[p.psn_insu_stas]?.zh : ENROLL_STATUS[p.psn_insu_stas]?.en}</td>
                          <td className="num">{yuan(p.contributions.reduce((n, c) => n + c.amount_fen, 0))}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </Card>
              {me.can.register_persons && <RegistryActions certno={h.person.certno} />}
              <PersonFilings psnNo={h.person.psn_no} insuplc={h.person.insuplc_admdvs} canFile={me.can.file_for_persons} />
            </>
          )}
        </Query>
      )}
    </>
  );
}

function PersonFilings({ psnNo, insuplc, canFile }: { psnNo: string; insuplc: string; canFile: boolean }) {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const filings = useQuery({ queryKey: ['filings', psnNo], queryFn: () => api<{ filings: Filing[] }>(`/api/v1/filings?psn_no=${psnNo}`) });
  const recs = useQuery({ queryKey: ['recognitions', psnNo], queryFn: () => api<{ recognitions: Recognition[] }>(`/api/v1/recognitions?psn_no=${psnNo}`) });
  return (
    <>
      <Card title={tr('异地就医备案', 'Filings')}>
        <Query q={filings}>{(d) => <FilingList filings={d.filings} />}</Query>
        {canFile && (
          <details>
            <summary>{tr('代为办理备案', 'File for this person')}</summary>
            <FilingForm psnNo={psnNo} insuplc={insuplc} onDone={() => void qc.invalidateQueries({ queryKey: ['filings'] })} />
          </details>
        )}
      </Card>
      <Card title={tr('门诊慢特病', 'Chronic diseases')}>
        <Query q={recs}>
          {(d) => d.recognitions.length === 0 ? <Empty>{tr('无', 'None')}</Empty> : (
            <ul className="plain">{d.recognitions.map((r) => <li key={r.recognition_no}>{r.opsp_dise_name} <StatusBadge status={r.status} /></li>)}</ul>
          )}
        </Query>
      </Card>
    </>
  );
}

function RegistryActions({ certno }: { certno: string }) {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const [to, setTo] = useState('');
  const [date, setDate] = useState('');
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const [amount, setAmount] = useState('');
  const [insutype, setInsutype] = useState('390');
  const [psnType, setPsnType] = useState('1501');
  const [since, setSince] = useState('');
  const done = (): void => void qc.invalidateQueries({ queryKey: ['history'] });
  const enroll = useMutation({ mutationFn: () => post(`/api/v1/persons/${certno}/enrollments`, { insutype, psn_type: psnType, ...(since ? { psn_insu_date: since } : {}) }), onSuccess: done });
  const transfer = useMutation({ mutationFn: () => post(`/api/v1/persons/${certno}/transfers`, { to_admdvs: to, ...(date ? { transfer_date: date } : {}) }), onSuccess: done });
  const contribute = useMutation({
    mutationFn: () => post(`/api/v1/persons/${certno}/contributions`, { year: Number(year), amount_fen: yuanToFen(amount, 'amount_fen'), payer: 'person' }),
    onSuccess: done,
  });
  return (
    <Card title={tr('参保业务', 'Enrollment business')}>
      <form className="row" onSubmit={(e) => { e.preventDefault(); enroll.mutate(); }} aria-label={tr('参保登记', 'Enroll')}>
        <Field label={tr('险种', 'Insurance')}>
          {(id) => (
            <select id={id} value={insutype} onChange={(e) => setInsutype(e.target.value)}>
              <option value="390">{tr('城乡居民基本医疗保险', "Residents' basic")}</option>
              <option value="310">{tr('职工基本医疗保险', "Employees' basic")}</option>
            </select>
          )}
        </Field>
        <Field label={tr('人员类别', 'Person type')}>
          {(id) => (
            <select id={id} value={psnType} onChange={(e) => setPsnType(e.target.value)}>
              {Object.entries(PSN_TYPES).map(([code, t]) => <option key={code} value={code}>{tr(t.zh, t.en)}</option>)}
            </select>
          )}
        </Field>
        <Field label={tr('参保日期', 'From')}>{(id) => <input id={id} type="date" value={since} onChange={(e) => setSince(e.target.value)} />}</Field>
        <div className="actions"><button type="submit" disabled={enroll.isPending}>{tr('参保登记', 'Enroll')}</button></div>
      </form>
      {enroll.isError && <ErrorBox error={enroll.error} />}
      {enroll.isSuccess && <p className="state ok" role="status">{tr('已参保。', 'Enrolled.')}</p>}
      <form className="row" onSubmit={(e) => { e.preventDefault(); transfer.mutate(); }} aria-label={tr('转移接续', 'Transfer')}>
        <Field label={tr('转入地区划', 'Transfer to (region code)')}>{(id) => <input id={id} value={to} onChange={(e) => setTo(e.target.value)} pattern="[0-9]{6}" maxLength={6} />}</Field>
        <Field label={tr('转移日期', 'Transfer date')}>{(id) => <input id={id} type="date" value={date} onChange={(e) => setDate(e.target.value)} />}</Field>
        <div className="actions"><button type="submit" disabled={to.length !== 6 || transfer.isPending}>{tr('办理转移接续', 'Transfer')}</button></div>
      </form>
      {transfer.isError && <ErrorBox error={transfer.error} />}
      {transfer.isSuccess && <p className="state ok" role="status">{tr('已转移。', 'Transferred.')}</p>}
      <form className="row" onSubmit={(e) => { e.preventDefault(); contribute.mutate(); }} aria-label={tr('登记缴费', 'Record a contribution')}>
        <Field label={tr('缴费年度', 'Year')}>{(id) => <input id={id} inputMode="numeric" value={year} onChange={(e) => setYear(e.target.value)} />}</Field>
        <Field label={tr('金额（元）', 'Amount (yuan)')}>{(id) => <input id={id} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />}</Field>
        <div className="actions"><button type="submit" disabled={!amount || contribute.isPending}>{tr('登记个人缴费', 'Record payment')}</button></div>
      </form>
      {contribute.isError && <ErrorBox error={contribute.error} />}
      {contribute.isSuccess && <p className="state ok" role="status">{tr('已登记。', 'Recorded.')}</p>}
    </Card>
  );
}


export function StaffImports({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const [admdvs, setAdmdvs] = useState(me.regions[0] === '000000' ? '430100' : me.regions[0] ?? '');
  const [source, setSource] = useState('civil_affairs');
  const [csv, setCsv] = useState('certno,psn_idet_type,begntime\n');
  const [batch, setBatch] = useState<ImportBatch | null>(null);
  const preview = useMutation({ mutationFn: () => post<ImportBatch>('/api/v1/identity-imports', { source, admdvs, csv }), onSuccess: setBatch });
  const apply = useMutation({ mutationFn: () => post<ImportBatch>(`/api/v1/identity-imports/${batch!.id}/apply`), onSuccess: setBatch });
  const counts = batch?.report.counts;
  return (
    <>
      <h1>{tr('身份比对导入', 'Identity comparison import')}</h1>
      <Card title={tr('1. 上传比对名单', '1. The roster')}>
        <form onSubmit={(e) => { e.preventDefault(); preview.mutate(); }}>
          <div className="row">
            <Field label={tr('区划', 'Region')}>{(id) => <input id={id} value={admdvs} onChange={(e) => setAdmdvs(e.target.value)} maxLength={6} />}</Field>
            <Field label={tr('数据来源', 'Source')}>
              {(id) => (
                <select id={id} value={source} onChange={(e) => setSource(e.target.value)}>
                  <option value="civil_affairs">{tr('民政（低保、特困）', 'Civil affairs')}</option>
                  <option value="rural_revitalization">{tr('乡村振兴（防返贫监测）', 'Rural revitalisation')}</option>
                  <option value="disabled_federation">{tr('残联', 'Disabled persons’ federation')}</option>
                  <option value="veterans_affairs">{tr('退役军人事务', 'Veterans affairs')}</option>
                </select>
              )}
            </Field>
          </div>
          <Field label={tr('名单（CSV）', 'Roster (CSV)')} hint="certno,psn_idet_type,begntime[,endtime][,psn_name][,memo]">
            {(id, d) => <textarea id={id} aria-describedby={d} rows={6} value={csv} onChange={(e) => setCsv(e.target.value)} />}
          </Field>
          {preview.isError && <ErrorBox error={preview.error} />}
          <div className="actions"><button type="submit" disabled={preview.isPending}>{tr('预览变更', 'Preview the changes')}</button></div>
        </form>
      </Card>
      {batch && counts && (
        <Card title={tr('2. 预览：执行后将发生的变更', '2. Preview: what applying would change')}>
          <dl className="totals">
            {(['rows', 'added', 'ended', 'changed', 'unchanged', 'rejected'] as const).map((k) => (
              <div key={k}><dt>{{ rows: tr('行数', 'Rows'), added: tr('新增', 'Added'), ended: tr('终止', 'Ended'), changed: tr('变更', 'Changed'), unchanged: tr('不变', 'Unchanged'), rejected: tr('拒绝', 'Rejected') }[k]}</dt><dd>{counts[k] ?? 0}</dd></div>
            ))}
          </dl>
          <div className="scroll">
            <table>
              <caption className="sr-only">{tr('逐行明细', 'Line by line')}</caption>
              <thead><tr><th scope="col">{tr('行', 'Line')}</th><th scope="col">{tr('身份证号', 'ID number')}</th><th scope="col">{tr('结果', 'Result')}</th><th scope="col">{tr('说明', 'Detail')}</th></tr></thead>
              <tbody>
                {([['added', tr('新增', 'Add'), 'ok'], ['ended', tr('终止', 'End'), 'warn'], ['changed', tr('变更', 'Change'), 'info']] as const).flatMap(([k, label, tone]) =>
                  batch.report[k].map((r) => (
                    <tr key={`${k}-${r.line}`}><td>{r.line}</td><td>{r.certno}</td><td><Badge tone={tone}>{label}</Badge></td><td>{r.psn_name ?? ''} {r.psn_idet_type ?? ''} {r.begntime ?? ''}{r.endtime ? ` — ${r.endtime}` : ''}</td></tr>
                  )),
                )}
                {batch.report.rejected.map((r) => (
                  <tr key={`rejected-${r.line}`}><td>{r.line}</td><td>{r.certno}</td><td><Badge tone="bad">{tr('拒绝', 'Rejected')}</Badge></td><td>{tr(r.reason_zh, r.reason_en)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
          {apply.isError && <ErrorBox error={apply.error} />}
          <div className="actions">
            {batch.status === 'applied' ? <Badge tone="ok">{tr('已执行', 'Applied')}</Badge> : (
              <button type="button" onClick={() => apply.mutate()} disabled={apply.isPending}>{tr('确认执行', 'Apply')}</button>
            )}
          </div>
        </Card>
      )}
    </>
  );
}

interface PolicySummary { file: string; policy_id: string; version: number; admdvs: string; region_name: string; insutype: string; effective_from: string; effective_to: string | null }
interface Change { path: string; from: unknown; to: unknown }
type SimReport = SimulationReport & { changes: Change[] };

export function StaffPolicies(): ReactNode {
  const { tr } = usePrefs();
  const list = useQuery({ queryKey: ['policies'], queryFn: () => api<{ items: PolicySummary[] }>('/api/v1/policies'), staleTime: Infinity });
  const examples = useQuery({ queryKey: ['claim-examples'], queryFn: () => api<{ items: { file: string; claims: number }[] }>('/api/v1/claim-examples'), staleTime: Infinity });
  const [view, setView] = useState('');
  const [from, setFrom] = useState('360400-310-2026a.json');
  const [to, setTo] = useState('360400-310-2026b.json');
  const [example, setExample] = useState('jiujiang-employees-2026.claims.jsonl');
  const [draft, setDraft] = useState('');
  const doc = useQuery({ queryKey: ['policy', view], queryFn: () => api<unknown>(`/api/v1/policies/${view}`), enabled: view !== '' });
  const validate = useMutation({
    mutationFn: () => {
      let parsed: unknown;
      try { parsed = JSON.parse(draft); } catch { throw new Error(tr('不是合法的 JSON', 'Not valid JSON')); }
      return post<{ valid: boolean; problems?: { field: string; zh: string; en: string }[] }>('/api/v1/policies/validate', { policy: parsed });
    },
  });
  const sim = useMutation({ mutationFn: () => post<SimReport>('/api/v1/policies/simulate', { from, to, example }) });
  const one = useMutation({ mutationFn: (file: string) => post<{ settlement: Settlement }>('/api/v1/policies/simulate', { example: file }) });
  const select = (value: string, set: (v: string) => void, label: string) => (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => set(e.target.value)}>
          {list.data?.items.map((p) => <option key={p.file} value={p.file}>{p.policy_id} · {p.region_name} {p.insutype} ({p.effective_from}–{p.effective_to ?? ''})</option>)}
        </select>
      )}
    </Field>
  );
  return (
    <>
      <h1>{tr('政策文件与测算', 'Policy documents and the simulator')}</h1>
      <Card title={tr('政策文件', 'Policy documents')}>
        <Query q={list}>
          {(d) => (
            <div className="scroll">
              <table>
                <thead><tr><th scope="col">{tr('编号', 'Policy')}</th><th scope="col">{tr('统筹区', 'Region')}</th><th scope="col">{tr('险种', 'Insurance')}</th><th scope="col">{tr('有效期', 'In force')}</th><th scope="col"><span className="sr-only">{tr('操作', 'Actions')}</span></th></tr></thead>
                <tbody>
                  {d.items.map((p) => (
                    <tr key={p.file}>
                      <td>{p.policy_id} v{p.version}</td><td>{p.region_name}</td><td>{p.insutype}</td><td>{p.effective_from} — {p.effective_to ?? ''}</td>
                      <td><button type="button" className="link" onClick={() => setView(p.file)} aria-label={tr(`查看 ${p.policy_id}`, `View ${p.policy_id}`)}>{tr('查看', 'View')}</button></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Query>
        {view && <Query q={doc}>{(d) => <pre className="code" aria-label={view}>{JSON.stringify(d, null, 2)}</pre>}</Query>}
      </Card>
      <Card title={tr('测算：新旧政策对比', 'Simulate: compare two versions')}>
        <div className="row">
          {select(from, setFrom, tr('现行政策', 'From'))}
          {select(to, setTo, tr('拟调整政策', 'To'))}
        </div>
        <Field label={tr('理赔样本', 'Claim file')}>
          {(id) => (
            <select id={id} value={example} onChange={(e) => setExample(e.target.value)}>
              {examples.data?.items.map((x) => <option key={x.file} value={x.file}>{x.file} ({x.claims})</option>)}
            </select>
          )}
        </Field>
        <div className="actions">
          <button type="button" onClick={() => sim.mutate()} disabled={sim.isPending}>{sim.isPending ? tr('测算中…', 'Running…') : tr('运行测算', 'Run')}</button>
          <button type="button" className="secondary" onClick={() => one.mutate(example)} disabled={one.isPending}>{tr('单笔结算说明', 'Explain one claim')}</button>
        </div>
        {sim.isError && <ErrorBox error={sim.error} />}
        {sim.data && (
          <div data-testid="simulation">
            <dl className="totals">
              <div><dt>{tr('理赔笔数', 'Claims')}</dt><dd>{sim.data.claims}</dd></div>
              <div><dt>{tr('基金支出（现行）', 'Funds pay (from)')}</dt><dd>{sim.data.fund.from}</dd></div>
              <div><dt>{tr('基金支出（调整后）', 'Funds pay (to)')}</dt><dd>{sim.data.fund.to}</dd></div>
              <div><dt>{tr('基金支出差额', 'Difference')}</dt><dd data-testid="fund-difference">{sim.data.fund.difference}</dd></div>
              <div><dt>{tr('个人负担（现行 → 调整后）', 'Patients pay (from → to)')}</dt><dd>{sim.data.patient.from} → {sim.data.patient.to}</dd></div>
              <div><dt>{tr('多付 / 少付 / 不变 人数', 'Pay more / less / same')}</dt><dd>{sim.data.persons_by_group[0]?.more ?? 0} / {sim.data.persons_by_group[0]?.less ?? 0} / {sim.data.persons_by_group[0]?.same ?? 0}</dd></div>
            </dl>
            <details>
              <summary>{tr(`政策差异 ${sim.data.changes.length} 处`, `${sim.data.changes.length} differences`)}</summary>
              <div className="scroll">
                <table>
                  <thead><tr><th scope="col">{tr('字段', 'Field')}</th><th scope="col">{tr('现行', 'From')}</th><th scope="col">{tr('调整后', 'To')}</th></tr></thead>
                  <tbody>{sim.data.changes.map((c) => <tr key={c.path}><td><code>{c.path}</code></td><td>{JSON.stringify(c.from)}</td><td>{JSON.stringify(c.to)}</td></tr>)}</tbody>
                </table>
              </div>
            </details>
          </div>
        )}
        {one.isError && <ErrorBox error={one.error} />}
        {one.data && <SettlementExplanation settlement={one.data.settlement} technical="open" />}
      </Card>
      <Card title={tr('校验政策文件', 'Validate a policy document')}>
        <Field label={tr('政策文件（JSON）', 'Policy document (JSON)')}>{(id) => <textarea id={id} rows={6} value={draft} onChange={(e) => setDraft(e.target.value)} />}</Field>
        <div className="actions">
          <button type="button" className="secondary" disabled={!view || !doc.data} onClick={() => setDraft(JSON.stringify(doc.data, null, 2))}>{tr('载入所查看的文件', 'Load the viewed file')}</button>
          <button type="button" onClick={() => validate.mutate()} disabled={!draft.trim()}>{tr('校验', 'Validate')}</button>
        </div>
        {validate.isError && <ErrorBox error={validate.error} />}
        {validate.data && (validate.data.valid ? <p className="state ok" role="status">{tr('校验通过。', 'Valid.')}</p> : (
          <ul className="state error" role="alert">{validate.data.problems?.map((p, i) => <li key={i}><code>{p.field}</code> {tr(p.zh, p.en)}</li>)}</ul>
        ))}
      </Card>
    </>
  );
}
