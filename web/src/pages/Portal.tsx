import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, post, yuan, type PersonPrincipal } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { Badge, Card, Empty, ErrorBox, Field, FILING_KINDS, Query, RegionName, StatusBadge } from '../ui.tsx';
import { ENROLL_STATUS, INSUTYPE, PAYER, type Filing, type History, type Institution, type Notification, type Recognition, type Region } from '../types.ts';
import { SettlementExplanation, type StoredSettlement } from '../explanation.tsx';
import { NearestServicePoints } from '../components/NearestServicePoints.tsx';
import { AssistanceApply } from './Assistance.tsx';

// The insured person's pages: what they are insured for and paid, where, across provinces;
// filing for care elsewhere and following it; recognised diseases; settlements explained;
// messages; the nearest designated hospitals and pharmacies.

type Me = PersonPrincipal;

export function PortalHome({ me }: { me: Me }): ReactNode {
  const { tr, lang, elder } = usePrefs();
  const history = useQuery({ queryKey: ['history', me.certno], queryFn: () => api<History>(`/api/v1/persons/${me.certno}/insurance-history`) });
  const L = (o: { zh: string; en: string } | undefined, fallback: string): string => (o ? (lang === 'zh' ? o.zh : o.en) : fallback);
  return (
    <>
      <h1>{tr(`${me.psn_name ?? ''}，您好`, `Hello, ${me.psn_name ?? ''}`)}</h1>
      {elder && (
        <div className="big-actions" role="group" aria-label={tr('常用事项', 'Common tasks')}>
          <Link to="/portal/filings" className="big">{tr('办理异地就医备案', 'File for care elsewhere')}</Link>
          <Link to="/portal/settlements" className="big">{tr('看病花了多少钱', 'What my care cost')}</Link>
          <Link to="/portal/nearby" className="big">{tr('附近的医院和药店', 'Hospitals and pharmacies nearby')}</Link>
        </div>
      )}
      <Query q={history}>
        {(h) => (
          <>
            <div className="summary" aria-label={tr('概要', 'Summary')}>
              <div className="stat">
                <span>{tr('参保省份', 'Provinces insured in')}</span>
                <strong data-testid="province-count">{h.provinces.length}</strong>
              </div>
              <div className="stat">
                <span>{tr('累计缴费（元）', 'Contributions in all (yuan)')}</span>
                <strong>{yuan(h.contributions_total_fen)}</strong>
              </div>
              {h.personal_account && (
                <div className="stat">
                  <span>{tr('个人账户余额（元）', 'Personal account (yuan)')}</span>
                  <strong>{yuan(h.personal_account.balc_fen)}</strong>
                </div>
              )}
            </div>
            <Card title={tr('参保和缴费记录（跨省）', 'Enrollment and contributions in every province')}>
              {h.periods.length === 0 ? (
                <Empty>{tr('没有参保记录。', 'No enrollment on record.')}</Empty>
              ) : (
                <ol className="timeline">
                  {h.periods.map((p) => {
                    const total = p.contributions.reduce((s, c) => s + c.amount_fen, 0);
                    return (
                      <li key={p.id} className="period" data-testid="period">
                        <h3>
                          {p.province_name} · {p.admdvs_name}{' '}
                          <Badge tone={p.psn_insu_stas === '1' ? 'ok' : 'info'}>{L(ENROLL_STATUS[p.psn_insu_stas], p.psn_insu_stas)}</Badge>
                        </h3>
                        <p>
                          {L(INSUTYPE[p.insutype], p.insutype)}
                          {p.emp_name ? ` · ${p.emp_name}` : ''}
                        </p>
                        <p className="muted">
                          {p.psn_insu_date} — {p.end_date ?? tr('至今', 'now')}
                        </p>
                        {p.contributions.length > 0 && (
                          <details open={!elder}>
                            <summary>
                              {tr(`缴费 ${p.contributions.length} 笔，共 ${yuan(total)} 元`, `${p.contributions.length} contributions, ${yuan(total)} yuan in all`)}
                            </summary>
                            <div className="scroll">
                              <table>
                                <caption className="sr-only">{tr(`${p.admdvs_name}缴费明细`, `Contributions in ${p.admdvs_name}`)}</caption>
                                <thead>
                                  <tr>
                                    <th scope="col">{tr('年度', 'Year')}</th>
                                    <th scope="col">{tr('缴费方', 'Paid by')}</th>
                                    <th scope="col" className="num">{tr('金额（元）', 'Amount (yuan)')}</th>
                                  </tr>
                                </thead>
                                <tbody>
                                  {p.contributions.map((c) => (
                                    <tr key={c.id}>
                                      <td>{c.year}</td>
                                      <td>{L(PAYER[c.payer], c.payer)}</td>
                                      <td className="num">{yuan(c.amount_fen)}</td>
                                    </tr>
                                  ))}
                                </tbody>
                              </table>
                            </div>
                          </details>
                        )}
                      </li>
                    );
                  })}
                </ol>
              )}
            </Card>
            <Card title={tr('人员身份', 'Identities')}>
              {h.identities.length === 0 ? (
                <Empty>{tr('没有登记特殊身份（如低保、特困、退役军人）。', 'No special identity (subsistence allowance, extreme poverty, veteran…) on record.')}</Empty>
              ) : (
                <ul className="plain">
                  {h.identities.map((i) => (
                    <li key={i.id}>
                      <strong>{i.psn_idet_type}</strong> {i.memo ?? ''} <span className="muted">{i.begntime} — {i.endtime ?? tr('至今', 'now')}</span>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </>
        )}
      </Query>
      <NearestServicePoints admdvs={me.insuplc_admdvs} />
    </>
  );
}

function useRegions(parent: string | undefined, level: string) {
  return useQuery({
    queryKey: ['regions', parent ?? '', level],
    queryFn: () => api<{ items: Region[] }>(`/api/v1/regions?${new URLSearchParams({ level, limit: '100', ...(parent ? { parent } : {}) })}`),
    staleTime: Infinity,
  });
}

export function FilingForm({ psnNo, insuplc, onDone }: { psnNo: string; insuplc: string; onDone: (f: Filing) => void }): ReactNode {
  const { tr, lang, elder } = usePrefs();
  const [kind, setKind] = useState('long_term_resident');
  const [province, setProvince] = useState('');
  const [city, setCity] = useState('');
  const [begndate, setBegndate] = useState(() => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10));
  const [evidence, setEvidence] = useState<Record<string, string>>({});
  const provinces = useRegions(undefined, 'province');
  const cities = useRegions(province || undefined, 'city');
  const spec = FILING_KINDS[kind]!;
  const file = useMutation({
    mutationFn: () =>
      post<Filing>('/api/v1/filings', {
        psn_no: psnNo, kind, mdtrtarea_admdvs: city, begndate,
        evidence: spec.evidence.map((e) => ({ kind: e.kind, ref: evidence[e.kind]?.trim() || `${e.kind}-${Date.now()}` })),
      }),
    onSuccess: onDone,
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    file.mutate();
  };
  const kinds = elder ? ['long_term_resident', 'resettled_retiree', 'temporary_other'] : Object.keys(FILING_KINDS);
  return (
    <form onSubmit={submit} aria-label={tr('异地就医备案申请', 'Filing for care elsewhere')}>
      <Field label={tr('备案类型', 'Why you will be treated elsewhere')}>
        {(id) => (
          <select id={id} value={kind} onChange={(e) => setKind(e.target.value)}>
            {kinds.map((k) => (
              <option key={k} value={k}>{lang === 'zh' ? FILING_KINDS[k]!.zh : FILING_KINDS[k]!.en}</option>
            ))}
          </select>
        )}
      </Field>
      <div className="row">
        <Field label={tr('就医省份', 'Province of treatment')}>
          {(id) => (
            <select id={id} value={province} onChange={(e) => { setProvince(e.target.value); setCity(''); }} required>
              <option value="">{provinces.isPending ? tr('加载中…', 'Loading…') : tr('请选择', 'Choose')}</option>
              {provinces.data?.items.map((r) => <option key={r.code} value={r.code}>{r.name}</option>)}
            </select>
          )}
        </Field>
        <Field label={tr('就医城市', 'City of treatment')}>
          {(id) => (
            <select id={id} value={city} onChange={(e) => setCity(e.target.value)} required disabled={!province}>
              <option value="">{tr('请选择', 'Choose')}</option>
              {cities.data?.items.filter((r) => r.code.slice(0, 4) !== insuplc.slice(0, 4)).map((r) => <option key={r.code} value={r.code}>{r.name}</option>)}
            </select>
          )}
        </Field>
      </div>
      <Field label={tr('开始日期', 'From')}>{(id) => <input id={id} type="date" value={begndate} onChange={(e) => setBegndate(e.target.value)} required />}</Field>
      {spec.evidence.map((ev) => (
        <Field key={ev.kind} label={tr(`${ev.zh}（编号或说明）`, `${ev.en} (number or note)`)} hint={tr('可填写证明编号；原件请留存备查。', 'The document number; keep the original for a later check.')}>
          {(id, d) => <input id={id} aria-describedby={d} value={evidence[ev.kind] ?? ''} onChange={(e) => setEvidence({ ...evidence, [ev.kind]: e.target.value })} />}
        </Field>
      ))}
      {file.isError && <ErrorBox error={file.error} />}
      <div className="actions">
        <button type="submit" disabled={!city || file.isPending}>{file.isPending ? tr('提交中…', 'Sending…') : tr('提交备案', 'Submit')}</button>
      </div>
    </form>
  );
}

export function FilingList({ filings }: { filings: Filing[] }): ReactNode {
  const { tr, lang } = usePrefs();
  if (filings.length === 0) return <Empty>{tr('还没有备案。', 'No filings yet.')}</Empty>;
  return (
    <ul className="cards">
      {filings.map((f) => (
        <li key={f.filing_no} className="item" data-testid="filing" data-filing-no={f.filing_no}>
          <div className="item-head">
            <strong>{lang === 'zh' ? FILING_KINDS[f.kind]?.zh ?? f.kind : FILING_KINDS[f.kind]?.en ?? f.kind}</strong>
            <StatusBadge status={f.status} />
          </div>
          <p>
            {tr('就医地', 'Treated in')} <RegionName code={f.mdtrtarea_admdvs} /> · {f.begndate} — {f.enddate ?? tr('长期有效', 'until revoked')}
          </p>
          <p className="muted">
            {tr('备案号', 'Filing no.')} {f.filing_no}
            {f.status === 'pending_review' && f.review_due && ` · ${tr('审核期限', 'Decision due')} ${f.review_due}`}
            {f.decision_reason && ` · ${tr('审核意见', 'Reason')}：${f.decision_reason}`}
          </p>
        </li>
      ))}
    </ul>
  );
}

export function PortalFilings({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const [done, setDone] = useState<Filing | null>(null);
  const filings = useQuery({ queryKey: ['filings', me.psn_no], queryFn: () => api<{ filings: Filing[] }>(`/api/v1/filings?psn_no=${me.psn_no}`) });
  return (
    <>
      <h1>{tr('异地就医备案', 'Care elsewhere')}</h1>
      <Card title={tr('我的备案', 'My filings')}>
        <Query q={filings}>{(d) => <FilingList filings={d.filings} />}</Query>
      </Card>
      <Card title={tr('新办备案', 'File now')}>
        {done && (
          <p className="state ok" role="status">
            {tr(`已提交，备案号 ${done.filing_no}。`, `Sent: filing no. ${done.filing_no}.`)}{' '}
            {done.status === 'pending_review' ? tr(`经办机构将在 ${done.review_due} 前审核。`, `The bureau will decide by ${done.review_due}.`) : tr('已生效。', 'In effect now.')}
          </p>
        )}
        <FilingForm psnNo={me.psn_no!} insuplc={me.insuplc_admdvs!} onDone={(f) => { setDone(f); void qc.invalidateQueries({ queryKey: ['filings'] }); }} />
      </Card>
    </>
  );
}

export function PortalRecognitions({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const recs = useQuery({ queryKey: ['recognitions', me.psn_no], queryFn: () => api<{ recognitions: Recognition[] }>(`/api/v1/recognitions?psn_no=${me.psn_no}`) });
  return (
    <>
      <h1>{tr('门诊慢特病认定', 'Recognised chronic diseases')}</h1>
      <Card title={tr('我的认定', 'My recognitions')}>
        <Query q={recs}>
          {(d) =>
            d.recognitions.length === 0 ? (
              <Empty>{tr('没有门诊慢特病认定。医生确诊后，可由医院代为申请。', 'None. After a diagnosis, the hospital can apply for you.')}</Empty>
            ) : (
              <ul className="cards">
                {d.recognitions.map((r) => (
                  <li key={r.recognition_no} className="item">
                    <div className="item-head">
                      <strong>{r.opsp_dise_name}</strong>
                      <StatusBadge status={r.status} />
                    </div>
                    <p className="muted">
                      {r.begndate} — {r.enddate ?? tr('长期', 'no end')} · {r.recognition_no}
                    </p>
                  </li>
                ))}
              </ul>
            )
          }
        </Query>
      </Card>
    </>
  );
}

export function PortalSettlements({ me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const list = useQuery({ queryKey: ['settlements', me.psn_no], queryFn: () => api<{ items: StoredSettlement[] }>(`/api/v1/settlements?psn_no=${me.psn_no}`) });
  return (
    <>
      <h1>{tr('结算明细', 'Settlements')}</h1>
      <Query q={list}>
        {(d) =>
          d.items.length === 0 ? (
            <Card title={tr('就医结算', 'Your settlements')}>
              <Empty>{tr('还没有结算记录。在定点医院看病结算后，这里会逐项说明医保各基金付了多少、您自己付了多少。', 'No settlements yet. After a visit, each one is explained here: what every fund paid and what you paid.')}</Empty>
            </Card>
          ) : (
            d.items.map((s, i) => {
              const when = new Date(s.setl_time).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' });
              return (
                <Card key={s.setl_id} title={`${s.fixmedins_name ?? s.fixmedins_code} · ${when}`}
                  actions={s.kind === 'cancel' ? <Badge tone="info">{tr('撤销结算', 'Cancellation')}</Badge> : s.status === 'cancelled' ? <Badge tone="info">{tr('已撤销', 'Cancelled')}</Badge> : <Badge tone="ok">{tr('已结算', 'Settled')}</Badge>}>
                  {s.kind === 'cancel' ? (
                    <p>{tr('这是一笔撤销：医保各基金和个人账户已退回原结算的金额。', 'This cancels an earlier settlement: the funds and your account were paid back.')}</p>
                  ) : (
                    <details open={i === 0}>
                      <summary>{tr('查看每项基金和计算过程', 'Each fund and how it was worked out')}</summary>
                      <SettlementExplanation settlement={s.explanation} />
                    </details>
                  )}
                </Card>
              );
            })
          )
        }
      </Query>
    </>
  );
}

export function PortalInbox({ me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const inbox = useQuery({ queryKey: ['inbox', me.psn_no], queryFn: () => api<{ notifications: Notification[] }>(`/api/v1/inbox/${me.psn_no}`) });
  const read = useMutation({ mutationFn: (id: number) => post(`/api/v1/inbox/${me.psn_no}/${id}/read`), onSuccess: () => void qc.invalidateQueries({ queryKey: ['inbox'] }) });
  return (
    <>
      <h1>{tr('消息', 'Messages')}</h1>
      <Query q={inbox}>
        {(d) =>
          d.notifications.length === 0 ? (
            <Empty>{tr('没有消息。', 'No messages.')}</Empty>
          ) : (
            <ul className="cards">
              {d.notifications.map((n) => (
                <li key={n.id} className={`item ${n.read_at ? '' : 'unread'}`} data-testid="message">
                  <div className="item-head">
                    <strong>{lang === 'zh' ? n.title_zh : n.title_en}</strong>
                    {!n.read_at && <Badge tone="warn">{tr('未读', 'New')}</Badge>}
                  </div>
                  <p>{lang === 'zh' ? n.body_zh : n.body_en}</p>
                  <p className="muted">
                    {new Date(n.created_at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai' })}
                    {!n.read_at && (
                      <button type="button" className="link" onClick={() => read.mutate(n.id)}>
                        {tr('标为已读', 'Mark as read')}
                      </button>
                    )}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </Query>
    </>
  );
}

export function PortalNearby(_: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const [at, setAt] = useState({ lat: '28.2282', lng: '112.9388' });
  const [type, setType] = useState('');
  const [locating, setLocating] = useState<string | null>(null);
  const near = useQuery({
    queryKey: ['nearest', at.lat, at.lng, type],
    queryFn: () => api<{ items: Institution[] }>(`/api/v1/institutions/nearest?${new URLSearchParams({ lat: at.lat, lng: at.lng, limit: '10', ...(type ? { fixmedins_type: type } : {}) })}`),
  });
  const locate = (): void => {
    if (!navigator.geolocation) return setLocating(tr('此设备不能定位，请手动输入经纬度。', 'This device cannot locate you; enter coordinates.'));
    setLocating(tr('正在定位…', 'Locating…'));
    navigator.geolocation.getCurrentPosition(
      (p) => { setAt({ lat: p.coords.latitude.toFixed(4), lng: p.coords.longitude.toFixed(4) }); setLocating(null); },
      () => setLocating(tr('未能定位，请手动输入经纬度。', 'Could not locate you; enter coordinates.')),
    );
  };
  const yes = (b: boolean): string => (b ? '✓' : '—');
  return (
    <>
      <h1>{tr('附近的定点医院和药店', 'Designated hospitals and pharmacies nearby')}</h1>
      <Card title={tr('我的位置', 'Where I am')}>
        <div className="row">
          <Field label={tr('纬度', 'Latitude')}>{(id) => <input id={id} inputMode="decimal" value={at.lat} onChange={(e) => setAt({ ...at, lat: e.target.value })} />}</Field>
          <Field label={tr('经度', 'Longitude')}>{(id) => <input id={id} inputMode="decimal" value={at.lng} onChange={(e) => setAt({ ...at, lng: e.target.value })} />}</Field>
          <Field label={tr('类型', 'Kind')}>
            {(id) => (
              <select id={id} value={type} onChange={(e) => setType(e.target.value)}>
                <option value="">{tr('全部', 'All')}</option>
                <option value="1">{tr('医院', 'Hospitals')}</option>
                <option value="2">{tr('药店', 'Pharmacies')}</option>
              </select>
            )}
          </Field>
        </div>
        <div className="actions">
          <button type="button" className="secondary" onClick={locate}>{tr('使用我的位置', 'Use my location')}</button>
        </div>
        {locating && <p role="status">{locating}</p>}
      </Card>
      <Query q={near}>
        {(d) =>
          d.items.length === 0 ? (
            <Empty>{tr('50 公里内没有定点机构。', 'No designated institution within 50 km.')}</Empty>
          ) : (
            <ul className="cards">
              {d.items.map((i) => (
                <li key={i.fixmedins_code} className="item">
                  <div className="item-head">
                    <strong>{i.fixmedins_name}</strong>
                    <span className="muted">{i.distance_km} km</span>
                  </div>
                  <p className="muted">{i.address || i.admdvs}</p>
                  <dl className="settles" aria-label={tr('可直接结算', 'Settles directly')}>
                    <div><dt>{tr('跨省门诊', 'Cross-province outpatient')}</dt><dd>{yes(i.settles_cross_prov_outpatient)}</dd></div>
                    <div><dt>{tr('住院', 'Inpatient')}</dt><dd>{yes(i.settles_inpatient)}</dd></div>
                    <div><dt>{tr('门诊慢特病', 'Chronic diseases')}</dt><dd>{yes(i.settles_chronic)}</dd></div>
                    <div><dt>{tr('门诊统筹', 'Outpatient pooling')}</dt><dd>{yes(i.settles_outpatient_pooling)}</dd></div>
                  </dl>
                </li>
              ))}
            </ul>
          )
        }
      </Query>
    </>
  );
}

/** 医疗救助: apply and follow (the component of ./Assistance.tsx, which the one-window page may mount too). */
export function PortalAssistance({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  return (
    <>
      <h1>{tr('医疗救助', 'Medical assistance')}</h1>
      <AssistanceApply psnNo={me.psn_no} />
    </>
  );
}
