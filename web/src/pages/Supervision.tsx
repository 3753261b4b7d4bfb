import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { RULE_TYPES, SCENARIOS, SEVERITIES, STAGES } from '../../../src/engine/supervision/types.ts';
import { api, ApiError, post, yuan, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Link } from '../router.tsx';
import type { FindingEvidence, FindingPage, RuleLibrary, RuleLibraryCheck, RuleLibraryDocument, RuleLibraryPublished, Scan } from '../types.ts';
import { Badge, Card, Empty, ErrorBox, Field, Query, RegionName } from '../ui.tsx';

// The supervisor's pages (docs/supervision.md, "Pages"): the finding queue of the caller's
// regions with its filters, the counts by rule type and one finding's evidence — the claim's
// lines with those concerned marked, the other visits that made the rule fire, the explanation
// in the page's language; then the rule library, a draft checked (refusals by JSON path) and
// published as a new version, and a scan run on demand for a region.

type Bi = { zh: string; en: string };

const PAGE = 20;
const SEVERITY_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info'> = { hint: 'info', suspect: 'warn', violation: 'bad' };
const STATUS: Record<string, Bi> = { open: { zh: '待处理', en: 'open' }, in_case: { zh: '已立案', en: 'in a case' }, closed: { zh: '已关闭', en: 'closed' } };
const KIND: Record<string, Bi> = { outpatient: { zh: '门诊', en: 'outpatient' }, inpatient: { zh: '住院', en: 'inpatient' }, pharmacy: { zh: '药店', en: 'pharmacy' } };

function name(table: Record<string, Bi>, key: string, lang: 'zh' | 'en'): string {
  const n = table[key];
  return n ? n[lang] : key;
}

function SupervisionTabs({ here }: { here: 'findings' | 'rules' | 'sharing' }): ReactNode {
  const { tr } = usePrefs();
  const tabs: [typeof here, string, string][] = [['findings', '/staff/supervision', tr('疑点队列', 'Findings')], ['rules', '/staff/supervision/rules', tr('规则库', 'Rule library')], ['sharing', '/staff/supervision/sharing', tr('数据共享月报', 'Data-sharing report')]];
  return (
    <nav className="tabs" aria-label={tr('基金监管', 'Supervision')}>
      {tabs.map(([k, to, label]) => (k === here ? <strong key={k} aria-current="page" className="chip-active">{label}</strong> : <Link key={k} to={to}>{label}</Link>))}
    </nav>
  );
}
export { SupervisionTabs };

interface Filters { admdvs: string; rule_type: string; severity: string; status: string; stage: string; fixmedins_code: string; from: string; to: string }
const NO_FILTERS: Filters = { admdvs: '', rule_type: '', severity: '', status: '', stage: '', fixmedins_code: '', from: '', to: '' };

function queryOf(f: Filters, offset: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  q.set('limit', String(PAGE));
  q.set('offset', String(offset));
  return q.toString();
}

export function SupervisionFindings({ me: _me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  // A filter that is not yet a valid code or date is not sent (the server would refuse it).
  const sent: Filters = {
    ...filters,
    admdvs: /^[0-9]{6}$/.test(filters.admdvs) ? filters.admdvs : '',
    fixmedins_code: /^[HP][0-9]{11}$/.test(filters.fixmedins_code) ? filters.fixmedins_code : '',
  };
  const q = useQuery({ queryKey: ['supervision', 'findings', sent, offset], queryFn: () => api<FindingPage>(`/api/v1/supervision/findings?${queryOf(sent, offset)}`) });
  const set = (k: keyof Filters, v: string): void => {
    setFilters({ ...filters, [k]: v });
    setOffset(0);
  };
  const select = (k: keyof Filters, label: string, table: Record<string, Bi>): ReactNode => (
    <Field label={label}>
      {(id) => (
        <select id={id} value={filters[k]} onChange={(e) => set(k, e.target.value)}>
          <option value="">{tr('全部', 'All')}</option>
          {Object.entries(table).map(([key, n]) => <option key={key} value={key}>{n[lang]}</option>)}
        </select>
      )}
    </Field>
  );
  return (
    <>
      <h1>{tr('基金监管', 'Fund supervision')}</h1>
      <SupervisionTabs here="findings" />
      <form className="card row filters" aria-label={tr('筛选疑点', 'Filter the findings')} onSubmit={(e) => e.preventDefault()}>
        <Field label={tr('地区（六位代码）', 'Region (6-digit code)')} hint={tr('就医地或参保地', 'treatment or insured region')}>
          {(id, hint) => <input id={id} aria-describedby={hint} inputMode="numeric" maxLength={6} value={filters.admdvs} onChange={(e) => set('admdvs', e.target.value.trim())} />}
        </Field>
        {select('rule_type', tr('规则类型', 'Rule type'), RULE_TYPES)}
        {select('severity', tr('严重程度', 'Severity'), SEVERITIES)}
        {select('status', tr('状态', 'Status'), STATUS)}
        {select('stage', tr('审核环节', 'Stage'), STAGES)}
        <Field label={tr('机构编码', 'Institution code')}>
          {(id) => <input id={id} maxLength={12} value={filters.fixmedins_code} onChange={(e) => set('fixmedins_code', e.target.value.trim().toUpperCase())} />}
        </Field>
        <Field label={tr('就诊开始日期自', 'Visits from')}>{(id) => <input id={id} type="date" value={filters.from} onChange={(e) => set('from', e.target.value)} />}</Field>
        <Field label={tr('至', 'to')}>{(id) => <input id={id} type="date" value={filters.to} onChange={(e) => set('to', e.target.value)} />}</Field>
        <div className="actions"><button type="button" className="secondary" onClick={() => { setFilters(NO_FILTERS); setOffset(0); }}>{tr('清除筛选', 'Clear filters')}</button></div>
      </form>
      <Query q={q}>
        {(d) => (
          <>
            <Card title={tr('按规则类型统计', 'By rule type')}>
              {d.by_rule_type.length === 0 ? <Empty>{tr('没有疑点。', 'No finding.')}</Empty> : (
                <ul className="summary plain" data-testid="rule-type-counts">
                  {d.by_rule_type.map((t) => (
                    <li key={t.rule_type} className="stat" data-testid="rule-type-count" data-type={t.rule_type} data-n={t.n}>
                      <button type="button" className="secondary" aria-pressed={filters.rule_type === t.rule_type} onClick={() => set('rule_type', filters.rule_type === t.rule_type ? '' : t.rule_type)}>
                        {name(RULE_TYPES, t.rule_type, lang)}
                      </button>
                      <span>{tr(`${t.n} 条`, `${t.n} found`)} · {yuan(t.amount_fen)} {tr('元', 'yuan')}</span>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
            <Card title={tr(`疑点（共 ${d.total} 条）`, `Findings (${d.total})`)}>
              {d.items.length === 0 ? <Empty>{tr('没有符合条件的疑点。', 'No finding matches these filters.')}</Empty> : (
                <div className="scroll">
                  <table data-testid="findings">
                    <thead><tr>
                      <th scope="col">{tr('规则', 'Rule')}</th><th scope="col">{tr('严重程度', 'Severity')}</th><th scope="col">{tr('参保人', 'Insured person')}</th>
                      <th scope="col">{tr('机构', 'Institution')}</th><th scope="col" className="num">{tr('金额（元）', 'Amount (yuan)')}</th><th scope="col">{tr('状态', 'Status')}</th><th scope="col">{tr('操作', 'Actions')}</th>
                    </tr></thead>
                    <tbody>
                      {d.items.map((f) => (
                        <tr key={f.id} data-testid="finding" data-id={f.id} data-type={f.rule_type} data-mdtrt={f.mdtrt_id}>
                          <td>{f.rule_code} {name(RULE_TYPES, f.rule_type, lang)}<br /><small className="muted">{name(STAGES, f.stage, lang)}</small></td>
                          <td><Badge tone={SEVERITY_TONE[f.severity] ?? 'info'}>{name(SEVERITIES, f.severity, lang)}</Badge></td>
                          <td>{f.psn_name}<br /><small className="muted">{f.psn_no}</small></td>
                          <td>{f.fixmedins_name}<br /><small className="muted"><RegionName code={f.mdtrtarea_admvs} /></small></td>
                          <td className="num">{yuan(f.amount_fen)}</td>
                          <td>{name(STATUS, f.status, lang)}</td>
                          <td className="actions"><button type="button" className="secondary" aria-expanded={open === f.id} onClick={() => setOpen(open === f.id ? null : f.id)}>{tr(`证据 ${f.id}`, `Evidence ${f.id}`)}</button></td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <div className="actions" role="group" aria-label={tr('翻页', 'Pages')}>
                <span className="muted" data-testid="page-info">{tr(`第 ${offset + 1}–${Math.min(offset + PAGE, d.total)} 条，共 ${d.total} 条`, `${d.total === 0 ? 0 : offset + 1}–${Math.min(offset + PAGE, d.total)} of ${d.total}`)}</span>
                <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>{tr('上一页', 'Previous')}</button>
                <button type="button" className="secondary" disabled={offset + PAGE >= d.total} onClick={() => setOffset(offset + PAGE)}>{tr('下一页', 'Next')}</button>
              </div>
            </Card>
          </>
        )}
      </Query>
      {open !== null && <EvidencePanel id={open} close={() => setOpen(null)} />}
    </>
  );
}

function EvidencePanel({ id, close }: { id: number; close: () => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const q = useQuery({ queryKey: ['supervision', 'finding', id], queryFn: () => api<FindingEvidence>(`/api/v1/supervision/findings/${id}`) });
  return (
    <Card title={tr(`疑点 ${id} 的证据`, `Evidence of finding ${id}`)} actions={<button type="button" className="secondary" onClick={close}>{tr('关闭', 'Close')}</button>}>
      <Query q={q}>
        {(e) => (
          <div data-testid="evidence" data-id={id}>
            <p data-testid="explanation"><strong>{e.finding.rule_code} {name(RULE_TYPES, e.finding.rule_type, lang)}</strong>：{e.finding.vola_cont[lang]}</p>
            <div className="totals">
              <div className="stat"><small>{tr('涉及金额（元）', 'Amount in question (yuan)')}</small><strong data-testid="evidence-amount" data-fen={e.finding.amount_fen}>{yuan(e.finding.amount_fen)}</strong></div>
              <div className="stat"><small>{tr('参保人', 'Insured person')}</small><strong>{e.finding.psn_name}</strong></div>
              <div className="stat"><small>{tr('参保地 → 就医地', 'Insured → treatment')}</small><span><RegionName code={e.finding.insuplc_admdvs} /> → <RegionName code={e.finding.mdtrtarea_admvs} /></span></div>
              <div className="stat"><small>{tr('结算号', 'Settlement')}</small><span>{e.finding.setl_id ?? '—'}</span></div>
            </div>
            <h3>{tr('费用明细（标记为涉及的行）', 'The claim’s lines (those concerned marked)')}</h3>
            <div className="scroll">
              <table data-testid="evidence-lines">
                <thead><tr>
                  <th scope="col">{tr('流水号', 'Line')}</th><th scope="col">{tr('项目编码', 'Item code')}</th><th scope="col">{tr('时间', 'Time')}</th>
                  <th scope="col" className="num">{tr('数量', 'Count')}</th><th scope="col" className="num">{tr('单价', 'Price')}</th><th scope="col" className="num">{tr('金额', 'Amount')}</th><th scope="col">{tr('涉及', 'Concerned')}</th>
                </tr></thead>
                <tbody>
                  {e.lines.map((l) => (
                    <tr key={l.feedetl_sn} data-testid="evidence-line" data-sn={l.feedetl_sn} data-concerned={l.concerned ? 'true' : 'false'} style={l.concerned ? { background: '#fdecea', fontWeight: 600 } : undefined}>
                      <td>{l.feedetl_sn}</td><td>{l.med_list_codg}</td><td>{l.fee_ocur_time ?? '—'}</td>
                      <td className="num">{l.cnt}</td><td className="num">{yuan(l.pric)}</td><td className="num">{yuan(l.det_item_fee_sumamt)}</td>
                      <td>{l.concerned ? <Badge tone="bad">{tr('涉及', 'concerned')}</Badge> : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h3>{tr('相关就诊', 'The visits')}</h3>
            <div className="scroll">
              <table data-testid="evidence-visits">
                <thead><tr><th scope="col">{tr('就诊', 'Visit')}</th><th scope="col">{tr('类别', 'Kind')}</th><th scope="col">{tr('机构', 'Institution')}</th><th scope="col">{tr('开始', 'Began')}</th><th scope="col">{tr('结束', 'Ended')}</th><th scope="col">{tr('诊断', 'Diagnoses')}</th><th scope="col" /></tr></thead>
                <tbody>
                  {e.visits.map((v) => (
                    <tr key={v.mdtrt_id} data-testid="evidence-visit" data-related={v.related ? 'true' : 'false'}>
                      <td>{v.mdtrt_id}</td><td>{name(KIND, v.kind, lang)}</td><td>{v.fixmedins_name}</td><td>{v.begntime}</td><td>{v.endtime ?? '—'}</td><td>{v.dise_codes.join(', ')}</td>
                      <td>{v.related ? <Badge tone="warn">{tr('触发规则的其他就诊', 'another visit that set it off')}</Badge> : <Badge tone="info">{tr('本次就诊', 'this claim')}</Badge>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </Query>
    </Card>
  );
}

/** A refusal's fields and words, from the API's error body. */
interface Refusal { field: string; zh: string; en: string }

async function sendJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = (await res.json().catch(() => ({}))) as { message?: string; details?: Refusal[] };
  if (!res.ok) throw Object.assign(new ApiError(res.status, data.message ?? `请求失败（${res.status}） / request failed (${res.status})`), { details: data.details ?? [] });
  return data as T;
}

export function SupervisionRules({ me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['supervision', 'rules'], queryFn: () => api<RuleLibrary>('/api/v1/supervision/rules') });
  const [type, setType] = useState('');
  return (
    <>
      <h1>{tr('监管规则库', 'Supervision rule library')}</h1>
      <SupervisionTabs here="rules" />
      <Query q={q}>
        {(d) => {
          const types = [...new Set(d.items.map((r) => r.type))];
          const shown = d.items.filter((r) => !type || r.type === type);
          return (
            <>
              <Card title={tr(`在用规则（${d.items.length} 条）`, `Rules in force (${d.items.length})`)}>
                <form className="row filters" onSubmit={(e) => e.preventDefault()}>
                  <Field label={tr('规则类型', 'Rule type')}>
                    {(id) => (
                      <select id={id} value={type} onChange={(e) => setType(e.target.value)}>
                        <option value="">{tr('全部', 'All')}</option>
                        {types.map((t) => <option key={t} value={t}>{name(RULE_TYPES, t, lang)}</option>)}
                      </select>
                    )}
                  </Field>
                </form>
                <div className="scroll">
                  <table data-testid="rules">
                    <thead><tr>
                      <th scope="col">{tr('编码', 'Code')}</th><th scope="col">{tr('名称', 'Name')}</th><th scope="col">{tr('类型', 'Type')}</th><th scope="col">{tr('严重程度', 'Severity')}</th>
                      <th scope="col">{tr('环节', 'Stages')}</th><th scope="col">{tr('场景', 'Scenarios')}</th><th scope="col">{tr('参数', 'Parameters')}</th><th scope="col">{tr('地区', 'Regions')}</th><th scope="col">{tr('版本', 'Version')}</th>
                    </tr></thead>
                    <tbody>
                      {shown.map((r) => (
                        <tr key={`${r.rules_id}-${r.code}`} data-testid="rule" data-code={r.code} data-type={r.type}>
                          <td>{r.code}</td><td>{r.name[lang]}</td><td>{r.type_name[lang]}</td>
                          <td><Badge tone={SEVERITY_TONE[r.severity] ?? 'info'}>{name(SEVERITIES, r.severity, lang)}</Badge>{r.blocking ? <> <Badge tone="bad">{tr('拦截', 'blocking')}</Badge></> : null}</td>
                          <td>{r.stages.map((s) => name(STAGES, s, lang)).join('、')}</td>
                          <td>{r.scenarios.map((s) => name(SCENARIOS, s, lang)).join('、')}</td>
                          <td><code className="small">{JSON.stringify(r.params)}</code></td>
                          <td>{r.regions.length === 0 ? tr('全国', 'national') : r.regions.join(', ')}</td>
                          <td>{r.rules_id} v{r.version}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </Card>
              <DraftEditor documents={d.documents} mayPublish={me.can.edit_supervision_rules} regions={me.regions} published={() => void qc.invalidateQueries({ queryKey: ['supervision', 'rules'] })} />
            </>
          );
        }}
      </Query>
      {me.routes.includes('POST /api/v1/supervision/scans') && <ScanCard regions={me.regions} />}
    </>
  );
}

function DraftEditor({ documents, mayPublish, regions, published }: { documents: RuleLibraryDocument[]; mayPublish: boolean; regions: string[]; published: () => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const [base, setBase] = useState(documents[0]?.rules_id ?? '');
  const [text, setText] = useState('');
  const [region, setRegion] = useState(regions[0] ?? '');
  const [note, setNote] = useState('');
  const [refusals, setRefusals] = useState<Refusal[] | null>(null);
  const [result, setResult] = useState<string | null>(null);
  // A draft starts as the chosen stored document with its version one higher.
  useEffect(() => {
    const d = documents.find((x) => x.rules_id === base);
    if (d) setText(JSON.stringify({ ...(d.doc as object), version: d.version + 1 }, null, 2));
  }, [base, documents]);
  const parse = (): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      setRefusals([{ field: '/', zh: `不是有效的 JSON：${(err as Error).message}`, en: `not valid JSON: ${(err as Error).message}` }]);
      setResult(null);
      return undefined;
    }
  };
  const fail = (err: unknown): void => {
    const details = (err as { details?: Refusal[] }).details;
    setRefusals(details && details.length > 0 ? details : [{ field: '/', zh: err instanceof ApiError ? err.zh : String(err), en: err instanceof ApiError ? err.en : String(err) }]);
    setResult(null);
  };
  const check = useMutation({
    mutationFn: (doc: unknown) => sendJson<RuleLibraryCheck>('/api/v1/supervision/rules/check', doc),
    onSuccess: (r) => { setRefusals([]); setResult(tr(`草稿无误：${r.rules_id} v${r.version}（${r.admdvs}），${r.rules} 条规则。`, `The draft is valid: ${r.rules_id} v${r.version} (${r.admdvs}), ${r.rules} rules.`)); },
    onError: fail,
  });
  const publish = useMutation({
    mutationFn: (doc: unknown) => sendJson<RuleLibraryPublished>('/api/v1/supervision/rules', { admdvs: region, doc, ...(note ? { note } : {}) }),
    onSuccess: (r) => { setRefusals([]); setResult(tr(`已发布 ${r.rules_id} 第 ${r.version} 版。`, `Published ${r.rules_id} version ${r.version}.`)); published(); },
    onError: fail,
  });
  const run = (m: typeof check | typeof publish): void => {
    const doc = parse();
    if (doc !== undefined) m.mutate(doc);
  };
  return (
    <Card title={tr('编辑草稿', 'Edit a draft')}>
      <form onSubmit={(e) => e.preventDefault()}>
        <div className="row">
          <Field label={tr('从已存规则库开始', 'Start from a stored library')}>
            {(id) => (
              <select id={id} value={base} onChange={(e) => setBase(e.target.value)}>
                {documents.map((d) => <option key={d.rules_id} value={d.rules_id}>{d.rules_id} v{d.version}（{d.admdvs}）</option>)}
              </select>
            )}
          </Field>
          {mayPublish && (
            <Field label={tr('发布地区', 'Publish for region')} hint={tr('000000 为全国规则库', '000000 for the national library')}>
              {(id, hint) => <input id={id} aria-describedby={hint} inputMode="numeric" maxLength={6} value={region} onChange={(e) => setRegion(e.target.value.trim())} />}
            </Field>
          )}
          {mayPublish && <Field label={tr('说明', 'Note')}>{(id) => <input id={id} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />}</Field>}
        </div>
        <DraftHead text={text} setText={(t) => { setText(t); setRefusals(null); setResult(null); }} />
        <Field label={tr('草稿（JSON）', 'Draft (JSON)')}>
          {(id) => <textarea id={id} data-testid="draft" rows={16} spellCheck={false} className="code" style={{ width: '100%', fontFamily: 'monospace' }} value={text} onChange={(e) => { setText(e.target.value); setRefusals(null); setResult(null); }} />}
        </Field>
        <div className="actions">
          <button type="button" className="secondary" disabled={check.isPending} onClick={() => run(check)}>{tr('检查', 'Check')}</button>
          {mayPublish && <button type="button" disabled={publish.isPending} onClick={() => run(publish)}>{tr('发布新版本', 'Publish a new version')}</button>}
        </div>
      </form>
      {refusals && refusals.length > 0 && (
        <div className="state error" role="alert">
          <strong>{tr(`草稿有 ${refusals.length} 处问题`, `The draft has ${refusals.length} problem(s)`)}</strong>
          <ul data-testid="refusals">
            {refusals.map((r, i) => <li key={i} data-testid="refusal" data-path={r.field}><code>{r.field}</code> {r[lang]}</li>)}
          </ul>
        </div>
      )}
      {result && <p className="state" role="status" data-testid="draft-result">{result}</p>}
    </Card>
  );
}

/** The draft's head as a form (its id, version, region, start): each change rewrites the JSON below. */
function DraftHead({ text, setText }: { text: string; setText: (t: string) => void }): ReactNode {
  const { tr } = usePrefs();
  let doc: Record<string, unknown> | null = null;
  try {
    const v = JSON.parse(text) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) doc = v as Record<string, unknown>;
  } catch {
    doc = null; // the JSON is being edited: the form waits for it to parse
  }
  if (!doc) return null;
  const d = doc;
  const set = (k: string, v: unknown): void => setText(JSON.stringify({ ...d, [k]: v }, null, 2));
  const str = (k: string): string => (typeof d[k] === 'string' || typeof d[k] === 'number' ? String(d[k]) : '');
  return (
    <div className="row" data-testid="draft-head">
      <Field label={tr('规则库编号', 'Library id')}>{(id) => <input id={id} value={str('rules_id')} onChange={(e) => set('rules_id', e.target.value)} />}</Field>
      <Field label={tr('版本', 'Version')}>{(id) => <input id={id} type="number" min={1} value={str('version')} onChange={(e) => set('version', Number(e.target.value))} />}</Field>
      <Field label={tr('地区（national 或六位代码）', 'Region (national or 6 digits)')}>{(id) => <input id={id} value={str('admdvs')} onChange={(e) => set('admdvs', e.target.value.trim())} />}</Field>
      <Field label={tr('生效日期', 'Effective from')}>{(id) => <input id={id} type="date" value={str('effective_from')} onChange={(e) => set('effective_from', e.target.value)} />}</Field>
    </div>
  );
}

function ScanCard({ regions }: { regions: string[] }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const [region, setRegion] = useState(regions.find((r) => r !== '000000') ?? '');
  const scans = useQuery({ queryKey: ['supervision', 'scans'], queryFn: () => api<{ items: Scan[] }>('/api/v1/supervision/scans') });
  const run = useMutation({
    mutationFn: () => post<Scan>('/api/v1/supervision/scans', { admdvs: region }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['supervision'] }),
  });
  return (
    <Card title={tr('事后审核（批量扫描）', 'After-settlement scan')}>
      <form className="row" onSubmit={(e) => { e.preventDefault(); run.mutate(); }}>
        <Field label={tr('扫描地区', 'Region to scan')}>{(id) => <input id={id} inputMode="numeric" maxLength={6} value={region} onChange={(e) => setRegion(e.target.value.trim())} />}</Field>
        <div className="actions"><button type="submit" disabled={run.isPending}>{run.isPending ? tr('正在扫描…', 'Scanning…') : tr('运行扫描', 'Run scan')}</button></div>
      </form>
      {run.isError && <ErrorBox error={run.error} />}
      {run.data && (
        <p className="state" role="status" data-testid="scan-result">
          {tr(`扫描 ${run.data.id}：${run.data.persons} 人，${run.data.claims} 次就诊，${run.data.lines} 条明细；新疑点 ${run.data.found}，更新 ${run.data.amended}，关闭 ${run.data.closed}。`,
            `Scan ${run.data.id}: ${run.data.persons} persons, ${run.data.claims} claims, ${run.data.lines} lines; ${run.data.found} new findings, ${run.data.amended} amended, ${run.data.closed} closed.`)}
        </p>
      )}
      <Query q={scans}>
        {(d) => d.items.length === 0 ? <Empty>{tr('还没有扫描记录。', 'No scan yet.')}</Empty> : (
          <div className="scroll">
            <table data-testid="scans">
              <thead><tr><th scope="col">#</th><th scope="col">{tr('范围', 'Scope')}</th><th scope="col">{tr('期间', 'Period')}</th><th scope="col" className="num">{tr('就诊', 'Claims')}</th><th scope="col" className="num">{tr('新疑点', 'New')}</th><th scope="col">{tr('发起人', 'By')}</th></tr></thead>
              <tbody>
                {d.items.slice(0, 10).map((s) => <tr key={s.id}><td>{s.id}</td><td>{s.scope} · {s.mode}</td><td>{s.period_from} – {s.period_to}</td><td className="num">{s.claims}</td><td className="num">{s.found}</td><td>{s.started_by}</td></tr>)}
              </tbody>
            </table>
          </div>
        )}
      </Query>
    </Card>
  );
}
