import { useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, post, type PersonPrincipal } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { Badge, Card, Empty, ErrorBox, Field, Query } from '../ui.tsx';
import type { Application, ApplicationList, ApplicationListItem, ServiceCatalogue, ServiceItem } from '../types.ts';

// The person's 办事 page (issue 16): the items they may apply for online, each with everything it
// needs told at once (一次告知); their applications with state and promised day; a rating
// (好差评) for each one that has ended. The grid worker's page (GridWorker.tsx) applies the
// same way for the persons who consented.

export const APPLICATION_STATE: Record<string, { zh: string; en: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  received: { zh: '已受理', en: 'Received', tone: 'warn' },
  in_process: { zh: '办理中', en: 'In process', tone: 'warn' },
  completed: { zh: '已办结', en: 'Completed', tone: 'ok' },
  refused: { zh: '不予办理', en: 'Refused', tone: 'bad' },
  cancelled: { zh: '已撤回', en: 'Withdrawn', tone: 'info' },
};

/** Items handled by their own review page (filing, recognition): the page says where to go. */
const OWN_PAGE: Record<string, string> = { filing: '/portal/filings', recognition: '/portal/recognitions' };

export function ApplicationState({ a }: { a: { status: string; overdue: boolean } }): ReactNode {
  const { lang, tr } = usePrefs();
  const s = APPLICATION_STATE[a.status];
  return (
    <>
      <Badge tone={s?.tone ?? 'info'}>{s ? (lang === 'zh' ? s.zh : s.en) : a.status}</Badge>
      {a.overdue && <> <Badge tone="bad">{tr('已超期', 'Overdue')}</Badge></>}
    </>
  );
}

export function useCatalogue(admdvs?: string): UseQueryResult<ServiceCatalogue> {
  return useQuery({
    queryKey: ['service-items', admdvs ?? ''],
    queryFn: () => api<ServiceCatalogue>(`/api/v1/service-items${admdvs ? `?admdvs=${admdvs}` : ''}`),
    staleTime: 300_000,
  });
}

/** One application form: the item's materials listed once, a file reference for each. */
export function ApplyForm({ item, psnNo, onDone }: { item: ServiceItem; psnNo: string; onDone: (a: Application) => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const [refs, setRefs] = useState<Record<string, string>>({});
  const apply = useMutation({
    mutationFn: () => post<Application>('/api/v1/applications', {
      psn_no: psnNo, item_code: item.code,
      materials: Object.entries(refs).filter(([, ref]) => ref.trim()).map(([code, ref]) => ({ code, ref: ref.trim() })),
    }),
    onSuccess: (a) => {
      setRefs({});
      onDone(a);
    },
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    apply.mutate();
  };
  return (
    <form onSubmit={submit} className="apply" aria-label={tr(`申请${item.name.zh}`, `Apply: ${item.name.en}`)}>
      <p>
        {tr(`承诺时限：${item.time_limit_working_days === 0 ? '即办' : `${item.time_limit_working_days} 个工作日`}；不收费。`,
          `Promised within ${item.time_limit_working_days === 0 ? 'the day' : `${item.time_limit_working_days} working days`}; free of charge.`)}
      </p>
      {item.materials.length === 0 ? <p className="muted">{tr('无需材料。', 'No materials needed.')}</p> : (
        <fieldset>
          <legend>{tr('需要的材料（一次告知）', 'What you need (told once)')}</legend>
          {item.materials.map((m) => (
            <Field key={m.code} label={`${lang === 'zh' ? m.name.zh : m.name.en}${m.required ? tr('（必需）', ' (required)') : tr('（如有）', ' (if any)')}`}>
              {(id) => <input id={id} name={`material-${m.code}`} placeholder={tr('文件名或编号', 'file name or number')} value={refs[m.code] ?? ''} onChange={(e) => setRefs({ ...refs, [m.code]: e.target.value })} />}
            </Field>
          ))}
        </fieldset>
      )}
      {apply.isError && <ErrorBox error={apply.error} />}
      <div className="actions">
        <button type="submit" disabled={apply.isPending}>{tr('提交申请', 'Apply')}</button>
      </div>
    </form>
  );
}

function RatingForm({ no, reasons, onDone }: { no: string; reasons: ServiceCatalogue['rating_reasons']; onDone: () => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const [score, setScore] = useState(0);
  const [chosen, setChosen] = useState<string[]>([]);
  const [comment, setComment] = useState('');
  const rate = useMutation({ mutationFn: () => post(`/api/v1/applications/${no}/rating`, { score, reasons: chosen, ...(comment.trim() ? { comment: comment.trim() } : {}) }), onSuccess: onDone });
  const shown = reasons.filter((r) => score === 0 || r.good === score >= 3);
  return (
    <form onSubmit={(e) => { e.preventDefault(); rate.mutate(); }} aria-label={tr('评价本次服务', 'Rate this service')}>
      <fieldset className="stars">
        <legend>{tr('评价本次服务（好差评）', 'Rate this service')}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className="chip">
            <input type="radio" name={`score-${no}`} value={n} checked={score === n} onChange={() => { setScore(n); setChosen([]); }} /> {n} {tr('分', n === 1 ? 'star' : 'stars')}
          </label>
        ))}
      </fieldset>
      {score > 0 && (
        <fieldset>
          <legend>{score <= 2 ? tr('哪里不满意（差评会有专人回访）', 'What went wrong (a poor rating is followed up)') : tr('哪里满意', 'What went well')}</legend>
          {shown.map((r) => (
            <label key={r.code} className="chip">
              <input type="checkbox" name="reason" value={r.code} checked={chosen.includes(r.code)} onChange={(e) => setChosen(e.target.checked ? [...chosen, r.code] : chosen.filter((c) => c !== r.code))} /> {lang === 'zh' ? r.zh : r.en}
            </label>
          ))}
          <Field label={tr('补充说明（可选）', 'Anything to add (optional)')}>{(id) => <textarea id={id} value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} />}</Field>
        </fieldset>
      )}
      {rate.isError && <ErrorBox error={rate.error} />}
      <div className="actions"><button type="submit" disabled={score === 0 || rate.isPending}>{tr('提交评价', 'Send rating')}</button></div>
    </form>
  );
}

export function ApplicationDetail({ no, reasons }: { no: string; reasons: ServiceCatalogue['rating_reasons'] }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['application', no], queryFn: () => api<Application>(`/api/v1/applications/${no}`) });
  return (
    <Query q={q}>
      {(a) => (
        <div className="detail" data-testid="application-detail">
          <p>
            <ApplicationState a={a} /> {a.due_on ? tr(`承诺 ${a.promised_on} 前办结`, `promised by ${a.promised_on}`) : tr(`承诺 ${a.promised_on}`, `promised ${a.promised_on}`)}
          </p>
          {a.refusal_reasons && <p role="note">{tr('不予办理的理由：', 'Refused because: ')}{a.refusal_reasons.join('；')}</p>}
          <ol className="timeline">
            {a.events.map((e, i) => (
              <li key={i}><span className="muted">{e.at.slice(0, 16).replace('T', ' ')}</span> {APPLICATION_STATE[e.to_state] ? (lang === 'zh' ? APPLICATION_STATE[e.to_state]!.zh : APPLICATION_STATE[e.to_state]!.en) : e.to_state}{e.comment ? ` · ${e.comment}` : ''}</li>
            ))}
          </ol>
          {a.rating ? (
            <p data-testid="rated">{tr(`您的评价：${a.rating.score} 分`, `Your rating: ${a.rating.score} of 5`)}{a.follow_up ? tr(a.follow_up.answer ? `；回访答复：${a.follow_up.answer}` : `；回访将于 ${a.follow_up.due_on} 前完成`, a.follow_up.answer ? `; follow-up: ${a.follow_up.answer}` : `; followed up by ${a.follow_up.due_on}`) : ''}</p>
          ) : (a.status === 'completed' || a.status === 'refused') && (
            <RatingForm no={a.application_no} reasons={reasons} onDone={() => { void qc.invalidateQueries({ queryKey: ['application', no] }); void qc.invalidateQueries({ queryKey: ['applications'] }); }} />
          )}
        </div>
      )}
    </Query>
  );
}

export function ApplicationRows({ items, catalogue, showPerson = false }: { items: ApplicationListItem[]; catalogue: ServiceCatalogue; showPerson?: boolean }): ReactNode {
  const { tr, lang } = usePrefs();
  const [open, setOpen] = useState<string | null>(null);
  const name = (code: string): string => {
    const i = catalogue.items.find((x) => x.code === code);
    return i ? (lang === 'zh' ? i.name.zh : i.name.en) : code;
  };
  if (items.length === 0) return <Empty>{tr('还没有办事申请。', 'No applications yet.')}</Empty>;
  return (
    <ul className="plain applications">
      {items.map((a) => (
        <li key={a.application_no} data-testid="application">
          <button type="button" className="link" aria-expanded={open === a.application_no} onClick={() => setOpen(open === a.application_no ? null : a.application_no)}>
            {showPerson ? `${a.psn_name} · ` : ''}{name(a.item_code)}
          </button>{' '}
          <ApplicationState a={a} /> <span className="muted">{a.application_no} · {a.due_on ? tr(`${a.due_on} 前`, `by ${a.due_on}`) : a.promised_on}</span>
          {!a.rated && (a.status === 'completed' || a.status === 'refused') && <> <Badge tone="info">{tr('待评价', 'To rate')}</Badge></>}
          {open === a.application_no && <ApplicationDetail no={a.application_no} reasons={catalogue.rating_reasons} />}
        </li>
      ))}
    </ul>
  );
}

export function Services({ me }: { me: PersonPrincipal }): ReactNode {
  const { tr, lang, elder } = usePrefs();
  const qc = useQueryClient();
  const catalogue = useCatalogue();
  const mine = useQuery({ queryKey: ['applications', 'mine'], queryFn: () => api<ApplicationList>('/api/v1/applications') });
  const [chosen, setChosen] = useState<string>('');
  const [done, setDone] = useState<Application | null>(null);
  return (
    <>
      <h1>{tr('办事', 'Services')}</h1>
      <Query q={catalogue}>
        {(c) => {
          const online = c.items.filter((i) => i.online);
          const item = online.find((i) => i.code === chosen);
          return (
            <>
              <Card title={tr('我的办事', 'My applications')}>
                <Query q={mine}>{(m) => <ApplicationRows items={m.items} catalogue={c} />}</Query>
              </Card>
              <Card title={tr('在线办理', 'Apply online')}>
                {done && <p role="status" className="ok">{tr(`已受理，申请号 ${done.application_no}，承诺 ${done.promised_on} 前办结。`, `Received as ${done.application_no}, promised by ${done.promised_on}.`)}</p>}
                <Field label={tr('选择事项', 'Choose a service')}>
                  {(id) => (
                    <select id={id} name="item" value={chosen} onChange={(e) => { setChosen(e.target.value); setDone(null); }} className={elder ? 'big-select' : undefined}>
                      <option value="">{tr('请选择', 'Choose…')}</option>
                      {online.map((i) => <option key={i.code} value={i.code}>{lang === 'zh' ? i.name.zh : i.name.en}{i.cross_province ? tr('（跨省通办）', ' (across provinces)') : ''}</option>)}
                    </select>
                  )}
                </Field>
                {item && (OWN_PAGE[item.code] ? (
                  <p><Link to={OWN_PAGE[item.code]!}>{tr(`到“${item.name.zh}”页面填写申请`, `Fill in the application on the ${item.name.en} page`)}</Link></p>
                ) : (
                  <ApplyForm key={item.code} item={item} psnNo={me.psn_no} onDone={(a) => { setDone(a); setChosen(''); void qc.invalidateQueries({ queryKey: ['applications'] }); }} />
                ))}
              </Card>
            </>
          );
        }}
      </Query>
    </>
  );
}
