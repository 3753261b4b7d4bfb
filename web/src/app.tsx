import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { api, ApiError, post, type Me } from './api.ts';
import { usePrefs } from './i18n.tsx';
import { Link, navigate, usePath } from './router.tsx';
import { ErrorBox, Loading } from './ui.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { PortalAssistance, PortalFilings, PortalHome, PortalInbox, PortalNearby, PortalRecognitions, PortalSettlements } from './pages/Portal.tsx';
import { Assistance } from './pages/Assistance.tsx';
import { StaffImports, StaffPersons, StaffPolicies, StaffQueues } from './pages/Staff.tsx';
import { Simulations } from './pages/Simulations.tsx';
import { Dashboard } from './pages/Dashboard.tsx';
import { Clearing } from './pages/Clearing.tsx';
import { Payment } from './pages/Payment.tsx';
import { Investigations } from './pages/Investigations.tsx';
import { SupervisionFindings, SupervisionRules } from './pages/Supervision.tsx';
import { SupervisionSharing } from './pages/SupervisionSharing.tsx';
import { SupervisionCases } from './pages/SupervisionCases.tsx';
import { Institution } from './pages/Institution.tsx';
import { Coverage } from './pages/Coverage.tsx';
import { Services } from './pages/Services.tsx';
import { GridWorker } from './pages/GridWorker.tsx';
import { Window } from './pages/Window.tsx';
import { ServiceDashboard } from './pages/ServiceDashboard.tsx';

// The frame: who is signed in decides the menu and the first page. Everything else is a page.

type Nav = { to: string; zh: string; en: string }[];

const PERSON_NAV: Nav = [
  { to: '/portal', zh: '参保缴费', en: 'Insurance' },
  { to: '/portal/filings', zh: '异地就医备案', en: 'Care elsewhere' },
  { to: '/portal/recognitions', zh: '门诊慢特病', en: 'Chronic diseases' },
  { to: '/portal/settlements', zh: '结算明细', en: 'Settlements' },
  { to: '/portal/inbox', zh: '消息', en: 'Messages' },
  { to: '/portal/nearby', zh: '附近定点机构', en: 'Nearby' },
  { to: '/portal/services', zh: '办事', en: 'Services' }, // issue 16
  { to: '/portal/assistance', zh: '医疗救助', en: 'Medical assistance' },
];

// The menu offers what /auth/me says the server lets this principal do (src/server/auth/access.ts).
function staffNav({ can, acts_for, routes }: Me): Nav {
  const nav: Nav = [];
  // an institution's account: its own findings and cases, nothing else
  if (acts_for === 'institution') return [{ to: '/institution', zh: '本机构监管', en: 'Our supervision' }];
  const regionWide = acts_for === 'regions';
  if (can.see_queues) nav.push({ to: '/staff/queues', zh: '待办审核', en: 'Queues' });
  if (regionWide) nav.push({ to: '/staff/persons', zh: '人员查询', en: 'Persons' });
  if (can.import_identities) nav.push({ to: '/staff/imports', zh: '身份比对导入', en: 'Identity import' });
  if (can.read_policies) nav.push({ to: '/staff/policies', zh: '政策与测算', en: 'Policies' });
  if (can.run_simulations && regionWide) nav.push({ to: '/staff/simulations', zh: '历史结算测算', en: 'Simulations' }); // issue 19
  if (can.see_dashboard) nav.push({ to: '/dashboard', zh: '监管看板', en: 'Dashboard' });
  if (can.see_clearing) nav.push({ to: '/clearing', zh: '清算', en: 'Clearing' });
  if (can.see_payment) nav.push({ to: '/staff/payment', zh: 'DRG/DIP 支付', en: 'DRG/DIP payment' });
  if (can.see_investigations) nav.push({ to: '/staff/investigations', zh: '协查', en: 'Investigations' });
  if (can.see_supervision) nav.push({ to: '/staff/supervision', zh: '基金监管', en: 'Supervision' });
  if (acts_for === 'consenting persons') nav.push({ to: '/staff/persons', zh: '代办居民', en: 'My residents' });
  if (acts_for === 'consenting persons') nav.push({ to: '/grid', zh: '代办事项', en: 'Matters I handle' }); // issue 16
  if (routes.includes('POST /api/v1/supervision/cases/:case_no/moves')) nav.push({ to: '/staff/supervision/cases', zh: '稽核案件', en: 'Cases' });
  // the service network
  if (can.see_coverage) nav.push({ to: '/staff/coverage', zh: '服务网点与覆盖', en: 'Service coverage' });
  if (can.see_assistance && regionWide) nav.push({ to: '/staff/assistance', zh: '医疗救助', en: 'Medical assistance' });
  if (can.handle_applications && regionWide) nav.push({ to: '/staff/window', zh: '窗口工作台', en: 'Window' });
  if (can.see_service_summary && regionWide) nav.push({ to: '/staff/service-dashboard', zh: '经办服务看板', en: 'Service dashboard' });
  return nav;
}

/** The first page: the queues for whoever decides cases, the dashboard for whoever only watches. */
function home(me: Me): string {
  if (me.acts_for === 'self') return '/portal';
  if (me.acts_for === 'consenting persons') return '/staff/persons';
  if (me.acts_for === 'institution') return '/institution';
  return staffHome(me) === 'dashboard' ? '/dashboard' : '/staff/queues';
}

const staffHome = ({ can }: Me): 'dashboard' | 'queues' => (can.see_dashboard && !can.review_filings && !can.review_recognitions ? 'dashboard' : 'queues');

export function App(): ReactNode {
  const { tr, lang, setLang, elder, setElder } = usePrefs();
  const path = usePath();
  const qc = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('/api/v1/auth/me'), retry: false, staleTime: 60_000 });
  const signedOut = me.isError && me.error instanceof ApiError && me.error.status === 401;
  const principal = me.data?.principal;

  useEffect(() => {
    if (signedOut && path !== '/signin') navigate('/signin');
    if (me.data && (path === '/' || path === '/signin')) navigate(home(me.data));
  }, [signedOut, me.data, path]);

  const signOut = async (): Promise<void> => {
    await post('/api/v1/auth/sign-out').catch(() => undefined);
    qc.clear();
    navigate('/signin');
    void me.refetch();
  };

  const nav = me.data ? (me.data.principal.kind === 'person' ? PERSON_NAV : staffNav(me.data)) : [];
  let page;
  if (me.isPending) page = <Loading />;
  else if (signedOut || path === '/signin') page = <SignIn onSignedIn={() => void me.refetch()} />;
  else if (me.isError) page = <ErrorBox error={me.error} retry={() => void me.refetch()} />;
  else if (me.data) page = route(path, me.data);

  return (
    <>
      <a className="skip" href="#main">
        {tr('跳到正文', 'Skip to content')}
      </a>
      <header className="top">
        <div className="brand">
          <span aria-hidden="true" className="logo">
            医
          </span>
          <span>{tr('医保服务', 'Medical security')}</span>
        </div>
        <div className="prefs" role="group" aria-label={tr('显示设置', 'Display settings')}>
          <button type="button" className="chip" aria-pressed={elder} onClick={() => setElder(!elder)}>
            {tr('长辈模式', 'Elder mode')}
          </button>
          <button type="button" className="chip" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')} aria-label={tr('切换到英文', 'Switch to Chinese')}>
            {lang === 'zh' ? 'English' : '中文'}
          </button>
          {principal && (
            <button type="button" className="chip" onClick={() => void signOut()}>
              {tr('退出', 'Sign out')}
            </button>
          )}
        </div>
      </header>
      {principal && (
        <nav className="nav" aria-label={tr('主菜单', 'Main menu')}>
          <span className="who">
            {principal.kind === 'person' ? principal.psn_name : principal.display_name}
            {me.data && <small> · {lang === 'zh' ? me.data.role_name.zh : me.data.role_name.en}</small>}
          </span>
          <ul>
            {nav.map((n) => (
              <li key={n.to + n.zh}>
                <Link to={n.to}>{lang === 'zh' ? n.zh : n.en}</Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function route(path: string, me: Me) {
  const p = me.principal;
  if (p.kind === 'person') {
    switch (path) {
      case '/portal/filings': return <PortalFilings me={p} />;
      case '/portal/recognitions': return <PortalRecognitions me={p} />;
      case '/portal/settlements': return <PortalSettlements me={p} />;
      case '/portal/inbox': return <PortalInbox me={p} />;
      case '/portal/nearby': return <PortalNearby me={p} />;
      case '/portal/services': return <Services me={p} />;
      case '/portal/assistance': return <PortalAssistance me={p} />;
      default: return <PortalHome me={p} />;
    }
  }
  if (me.acts_for === 'institution') return <Institution me={me} />;
  switch (path) {
    case '/staff/supervision/cases': return <SupervisionCases />;
    case '/grid': return <GridWorker me={me} />;
    case '/staff/assistance': return <Assistance me={me} />;
    case '/staff/persons': return <StaffPersons me={me} />;
    case '/staff/imports': return <StaffImports me={me} />;
    case '/staff/policies': return <StaffPolicies />;
    case '/staff/simulations': return <Simulations me={me} />;
    case '/dashboard': return <Dashboard me={me} />;
    case '/clearing': return <Clearing me={me} />;
    case '/staff/payment': return <Payment me={me} />;
    case '/staff/investigations': return <Investigations me={me} />;
    case '/staff/supervision': return <SupervisionFindings me={me} />;
    case '/staff/supervision/rules': return <SupervisionRules me={me} />;
    case '/staff/supervision/sharing': return <SupervisionSharing me={me} />;
    case '/staff/queues': return <StaffQueues me={me} />;
    case '/staff/coverage': return <Coverage me={me} />;
    case '/staff/window': return <Window me={me} />;
    case '/staff/service-dashboard': return <ServiceDashboard />;
    default: return me.acts_for === 'consenting persons' ? <StaffPersons me={me} /> : staffHome(me) === 'dashboard' ? <Dashboard me={me} /> : <StaffQueues me={me} />;
  }
}
