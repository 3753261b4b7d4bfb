import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, type Me } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Card, Empty, Field, Query } from '../ui.tsx';
import type { Application, ApplicationList, ConsentedPerson } from '../types.ts';
import { ApplicationRows, ApplyForm, useCatalogue } from './Services.tsx';

// The grid worker's phone page (网格员代办, issue 16): the residents who consented, what is open
// for whom with its promised day (the most urgent first), and an application made as their
// proxy — only the items a grid worker may handle (代办). The server checks the consent again on
// every request and audits each act with both persons.

export function GridWorker({ me }: { me: Me }): ReactNode {
  const { tr, lang } = usePrefs();
  const qc = useQueryClient();
  const catalogue = useCatalogue();
  const persons = useQuery({ queryKey: ['grid'], queryFn: () => api<{ persons: ConsentedPerson[] }>('/api/v1/grid/persons') });
  const apps = useQuery({ queryKey: ['applications', 'grid'], queryFn: () => api<ApplicationList>('/api/v1/applications') });
  const [psn, setPsn] = useState('');
  const [code, setCode] = useState('');
  const [done, setDone] = useState<Application | null>(null);
  const name = me.principal.kind === 'staff' ? me.principal.display_name : '';
  return (
    <>
      <h1>{tr('代办事项', 'Matters I handle')}</h1>
      <p className="muted">{name}</p>
      <Query q={catalogue}>
        {(c) => (
          <>
            <Card title={tr('待办（按承诺时限）', 'Due (by promised day)')}>
              <Query q={apps}>
                {(a) => {
                  const open = a.items.filter((i) => i.due_on !== null).sort((x, y) => (x.due_on! < y.due_on! ? -1 : 1));
                  const toRate = a.items.filter((i) => !i.rated && (i.status === 'completed' || i.status === 'refused'));
                  return (
                    <>
                      {open.length === 0 ? <Empty>{tr('没有在办的申请。', 'Nothing open.')}</Empty> : <ApplicationRows items={open} catalogue={c} showPerson />}
                      {toRate.length > 0 && (
                        <>
                          <h3>{tr('已办结，待居民评价', 'Ended, to be rated')}</h3>
                          <ApplicationRows items={toRate} catalogue={c} showPerson />
                        </>
                      )}
                    </>
                  );
                }}
              </Query>
            </Card>
            <Card title={tr('为居民代办', 'Apply for a resident')}>
              <Query q={persons}>
                {(p) => {
                  if (p.persons.length === 0) return <Empty>{tr('没有居民授权您代办。', 'No resident has consented.')}</Empty>;
                  const items = c.items.filter((i) => i.proxy && !i.linked);
                  const item = items.find((i) => i.code === code);
                  return (
                    <>
                      {done && <p role="status" className="ok">{tr(`已代为提交，申请号 ${done.application_no}，承诺 ${done.promised_on} 前办结。`, `Submitted as ${done.application_no}, promised by ${done.promised_on}.`)}</p>}
                      <Field label={tr('居民', 'Resident')}>
                        {(id) => (
                          <select id={id} name="person" value={psn} onChange={(e) => { setPsn(e.target.value); setDone(null); }}>
                            <option value="">{tr('请选择', 'Choose…')}</option>
                            {p.persons.map((x) => <option key={x.psn_no} value={x.psn_no}>{x.psn_name}</option>)}
                          </select>
                        )}
                      </Field>
                      <Field label={tr('代办事项', 'Service')}>
                        {(id) => (
                          <select id={id} name="item" value={code} onChange={(e) => { setCode(e.target.value); setDone(null); }}>
                            <option value="">{tr('请选择', 'Choose…')}</option>
                            {items.map((i) => <option key={i.code} value={i.code}>{lang === 'zh' ? i.name.zh : i.name.en}</option>)}
                          </select>
                        )}
                      </Field>
                      {psn && item && <ApplyForm key={`${psn}:${item.code}`} item={item} psnNo={psn} onDone={(a) => { setDone(a); setCode(''); void qc.invalidateQueries({ queryKey: ['applications'] }); }} />}
                    </>
                  );
                }}
              </Query>
            </Card>
          </>
        )}
      </Query>
    </>
  );
}
