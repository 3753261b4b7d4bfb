import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { Card, Query } from '../ui.tsx';
import type { ServiceSummary } from '../api-types.ts';
import { useCatalogue } from './Services.tsx';

// The supervisor's service dashboard (经办服务看板, issue 16): the caller's regions' applications
// by item and state, the share of ended ones completed within their promised day, ratings and
// the follow-ups of poor ratings — GET /api/v1/service-summary, shown as tables.

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export function ServiceDashboard(): ReactNode {
  const { tr, lang } = usePrefs();
  const q = useQuery({ queryKey: ['service-summary'], queryFn: () => api<ServiceSummary>('/api/v1/service-summary') });
  const catalogue = useCatalogue();
  const name = (code: string): string => {
    const i = catalogue.data?.items.find((x) => x.code === code);
    return i ? (lang === 'zh' ? i.name.zh : i.name.en) : code;
  };
  return (
    <>
      <h1>{tr('经办服务看板', 'Service dashboard')}</h1>
      <Query q={q}>
        {(s) => {
          const items = [...new Set(s.by_item_state.map((r) => r.item_code))];
          const states = [...new Set(s.by_item_state.map((r) => r.status))];
          const cell = (item: string, status: string): number => s.by_item_state.find((r) => r.item_code === item && r.status === status)?.count ?? 0;
          const rated = s.ratings.reduce((a, r) => a + r.count, 0);
          return (
            <>
              <Card title={tr('承诺时限', 'Promised days')}>
                <dl className="figures" data-testid="deadlines">
                  <dt>{tr('按时办结率', 'Kept')}</dt><dd data-testid="kept">{pct(s.deadlines.kept_share)}</dd>
                  <dt>{tr('已办结', 'Ended')}</dt><dd>{s.deadlines.ended}</dd>
                  <dt>{tr('按时', 'On time')}</dt><dd>{s.deadlines.on_time}</dd>
                  <dt>{tr('在办', 'Open')}</dt><dd data-testid="open">{s.deadlines.open}</dd>
                  <dt>{tr('逾期', 'Overdue')}</dt><dd>{s.deadlines.overdue}</dd>
                </dl>
              </Card>
              <Card title={tr('按事项和状态', 'By item and state')}>
                <table data-testid="by-item">
                  <thead><tr><th>{tr('事项', 'Item')}</th>{states.map((st) => <th key={st}>{st}</th>)}</tr></thead>
                  <tbody>{items.map((i) => <tr key={i}><td>{name(i)}</td>{states.map((st) => <td key={st}>{cell(i, st)}</td>)}</tr>)}</tbody>
                </table>
              </Card>
              <Card title={tr('好差评', 'Ratings')}>
                <table data-testid="ratings">
                  <thead><tr><th>{tr('评分', 'Score')}</th><th>{tr('件数', 'Count')}</th></tr></thead>
                  <tbody>{s.ratings.map((r) => <tr key={r.score}><td>{'★'.repeat(r.score)}</td><td>{r.count}</td></tr>)}</tbody>
                </table>
                <p className="muted">{tr(`共 ${rated} 件评价；差评回访：在办 ${s.follow_ups.open}（逾期 ${s.follow_ups.overdue}），已答复 ${s.follow_ups.answered}`, `${rated} ratings; follow-ups of poor ratings: ${s.follow_ups.open} open (${s.follow_ups.overdue} overdue), ${s.follow_ups.answered} answered`)}</p>
              </Card>
              <p className="muted">{tr(`截至 ${s.as_of}`, `as of ${s.as_of}`)}</p>
            </>
          );
        }}
      </Query>
    </>
  );
}
