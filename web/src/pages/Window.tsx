import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, post, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Badge, Card, Empty, Field, Query } from '../ui.tsx';
import type { Application, ApplicationList, ServicePoint, Ticket, TicketList } from '../api-types.ts';
import { useCatalogue } from './Services.tsx';

// The window clerk's workbench (窗口工作台, issue 16): the point's numbers of the day (call the
// next, served or missed) and the region's one-window queue, each application moved one step at
// a time (accept into process, complete, refuse with reasons). The server decides who may do
// which move; the page only offers the moves the state allows.

const TICKET_STATE: Record<string, { zh: string; en: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  waiting: { zh: '等候', en: 'waiting', tone: 'info' },
  called: { zh: '已叫号', en: 'called', tone: 'warn' },
  served: { zh: '已办结', en: 'served', tone: 'ok' },
  missed: { zh: '过号', en: 'missed', tone: 'bad' },
};

function Tickets({ point }: { point: ServicePoint }): ReactNode {
  const { tr } = usePrefs();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['tickets', point.code], queryFn: () => api<TicketList>(`/api/v1/service-points/${point.code}/tickets`) });
  const refresh = (): void => void qc.invalidateQueries({ queryKey: ['tickets', point.code] });
  const next = useMutation({ mutationFn: () => post<{ ticket: Ticket | null }>(`/api/v1/service-points/${point.code}/tickets/next`, { window_no: 1 }), onSuccess: refresh });
  const finish = useMutation({ mutationFn: (a: { no: string; state: 'served' | 'missed' }) => post<Ticket>(`/api/v1/service-points/${point.code}/tickets/${a.no}/${a.state}`), onSuccess: refresh });
  return (
    <Card title={tr('今日叫号', "Today's numbers")} actions={<button type="button" onClick={() => next.mutate()} disabled={next.isPending}>{tr('叫下一号', 'Call the next')}</button>}>
      {next.data && <p role="status">{next.data.ticket ? tr(`请 ${next.data.ticket.ticket_no} 号到 1 号窗口`, `Number ${next.data.ticket.ticket_no} to window 1`) : tr('没有等候的号', 'No one is waiting')}</p>}
      <Query q={q}>
        {(t) => t.tickets.length === 0 ? <Empty>{tr('今天还没有人取号。', 'No numbers taken today.')}</Empty> : (
          <table>
            <thead><tr><th>{tr('号', 'No.')}</th><th>{tr('状态', 'State')}</th><th>{tr('预约时段', 'Slot')}</th><th /></tr></thead>
            <tbody>
              {t.tickets.map((k) => (
                <tr key={k.id} data-testid="ticket">
                  <td>{k.ticket_no}</td>
                  <td><Badge tone={TICKET_STATE[k.state]?.tone ?? 'info'}>{tr(TICKET_STATE[k.state]?.zh ?? k.state, TICKET_STATE[k.state]?.en ?? k.state)}</Badge></td>
                  <td>{k.slot ?? ''}</td>
                  <td>{k.state === 'called' && (
                    <>
                      <button type="button" onClick={() => finish.mutate({ no: k.ticket_no, state: 'served' })}>{tr('办结', 'Served')}</button>{' '}
                      <button type="button" className="secondary" onClick={() => finish.mutate({ no: k.ticket_no, state: 'missed' })}>{tr('过号', 'Missed')}</button>
                    </>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Query>
      <p className="muted">{tr(`等候 ${q.data?.waiting ?? 0} 人`, `${q.data?.waiting ?? 0} waiting`)}</p>
    </Card>
  );
}

const MOVES: Record<string, ('accept' | 'complete' | 'refuse')[]> = { received: ['accept', 'refuse'], in_process: ['complete', 'refuse'] };
const MOVE_WORDS = { accept: { zh: '受理转办理', en: 'Accept' }, complete: { zh: '办结', en: 'Complete' }, refuse: { zh: '不予办理', en: 'Refuse' } } as const;

function Handle({ no, onMoved }: { no: string; onMoved: () => void }): ReactNode {
  const { tr, lang } = usePrefs();
  const q = useQuery({ queryKey: ['application', no], queryFn: () => api<Application>(`/api/v1/applications/${no}`) });
  const [reason, setReason] = useState('');
  const move = useMutation({
    mutationFn: (m: 'accept' | 'complete' | 'refuse') => post<Application>(`/api/v1/applications/${no}/${m}`, m === 'refuse' ? { reasons: [reason] } : {}),
    onSuccess: () => { void q.refetch(); onMoved(); },
  });
  return (
    <Query q={q}>
      {(a) => (
        <div className="detail" data-testid="application-detail">
          <p>{lang === 'zh' ? a.state_name.zh : a.state_name.en} · {tr(`承诺 ${a.promised_on} 前办结`, `promised by ${a.promised_on}`)}{a.overdue && <> <Badge tone="bad">{tr('已逾期', 'Overdue')}</Badge></>}</p>
          <p className="muted">{a.materials.map((m) => m.material_code).join('、') || tr('未附材料', 'no materials')}</p>
          {a.linked_no ? <p className="muted">{tr(`随 ${a.linked_no} 的审核办结`, `follows the review of ${a.linked_no}`)}</p> : (
            <>
              {(MOVES[a.status] ?? []).includes('refuse') && (
                <Field label={tr('不予办理的理由', 'Reason to refuse')}>{(id) => <input id={id} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
              )}
              {(MOVES[a.status] ?? []).map((m) => (
                <button key={m} type="button" disabled={move.isPending || (m === 'refuse' && !reason.trim())} onClick={() => move.mutate(m)}>{tr(MOVE_WORDS[m].zh, MOVE_WORDS[m].en)}</button>
              ))}
            </>
          )}
          {move.error && <p role="alert" className="bad">{String(move.error.message)}</p>}
        </div>
      )}
    </Query>
  );
}

function Queue(): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const catalogue = useCatalogue();
  const [state, setState] = useState('received');
  const [open, setOpen] = useState<string | null>(null);
  const q = useQuery({ queryKey: ['applications', 'queue', state], queryFn: () => api<ApplicationList>(`/api/v1/applications?${new URLSearchParams(state ? { state } : {})}`) });
  const name = (code: string): string => {
    const i = catalogue.data?.items.find((x) => x.code === code);
    return i ? (lang === 'zh' ? i.name.zh : i.name.en) : code;
  };
  return (
    <Card title={tr('一窗受理队列', 'One-window queue')}>
      <Field label={tr('状态', 'State')}>
        {(id) => (
          <select id={id} value={state} onChange={(e) => setState(e.target.value)}>
            <option value="received">{tr('已受理待办理', 'received')}</option>
            <option value="in_process">{tr('办理中', 'in process')}</option>
            <option value="completed">{tr('已办结', 'completed')}</option>
            <option value="refused">{tr('不予办理', 'refused')}</option>
          </select>
        )}
      </Field>
      <Query q={q}>
        {(l) => l.items.length === 0 ? <Empty>{tr('队列为空。', 'The queue is empty.')}</Empty> : (
          <ul className="plain applications">
            {l.items.map((a) => (
              <li key={a.application_no} data-testid="queue-application">
                <button type="button" className="link" aria-expanded={open === a.application_no} onClick={() => setOpen(open === a.application_no ? null : a.application_no)}>
                  {a.psn_name} · {name(a.item_code)}
                </button>{' '}
                <span className="muted">{a.application_no} · {a.due_on ?? a.promised_on}</span>
                {a.overdue && <> <Badge tone="bad">{tr('已逾期', 'Overdue')}</Badge></>}
                {open === a.application_no && <Handle no={a.application_no} onMoved={() => void qc.invalidateQueries({ queryKey: ['applications', 'queue'] })} />}
              </li>
            ))}
          </ul>
        )}
      </Query>
    </Card>
  );
}

export function Window({ me }: { me: Me }): ReactNode {
  const { tr } = usePrefs();
  const region = me.regions.find((r) => r !== '000000') ?? '430204';
  const points = useQuery({ queryKey: ['points', region, 'window'], queryFn: () => api<{ items: ServicePoint[] }>(`/api/v1/service-points?${new URLSearchParams({ admdvs: region, active: 'true' })}`) });
  const [code, setCode] = useState('');
  return (
    <>
      <h1>{tr('窗口工作台', 'Window workbench')}</h1>
      <Query q={points}>
        {(p) => {
          const withWindows = p.items.filter((x) => x.windows > 0);
          const point = withWindows.find((x) => x.code === code) ?? withWindows[0];
          return (
            <>
              <Field label={tr('服务网点', 'Service point')}>
                {(id) => (
                  <select id={id} value={point?.code ?? ''} onChange={(e) => setCode(e.target.value)}>
                    {withWindows.map((x) => <option key={x.code} value={x.code}>{x.name}</option>)}
                  </select>
                )}
              </Field>
              {point ? <Tickets point={point} /> : <Empty>{tr('本区划没有设窗口的网点。', 'No point with windows in your region.')}</Empty>}
            </>
          );
        }}
      </Query>
      <Queue />
    </>
  );
}
