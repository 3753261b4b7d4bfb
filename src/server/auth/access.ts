import type { StaffRole } from '../../store/auth/principal.ts';

// Who may call which REST route: one table, read by the auth hook, so a route without an entry
// is closed to everyone but administrators. `person` is the insured person for their own data;
// `grid_worker` acts for the persons who consented.

export type Caller = StaffRole | 'person';
export type Access = 'public' | 'signed_in' | readonly Caller[];

const OFFICE: readonly Caller[] = ['clerk', 'reviewer', 'supervisor', 'finance', 'admin'];
const ANYONE_ABOUT_A_PERSON: readonly Caller[] = [...OFFICE, 'person', 'grid_worker'];
const WINDOW: readonly Caller[] = ['clerk', 'admin'];
const QUEUES: readonly Caller[] = ['clerk', 'reviewer', 'supervisor', 'admin'];

export const ACCESS: Record<string, Access> = {
  'POST /api/v1/auth/staff': 'public',
  'POST /api/v1/auth/code': 'public',
  'POST /api/v1/auth/person': 'public',
  'POST /api/v1/auth/sign-out': 'public',
  'GET /api/v1/auth/me': 'signed_in',

  // reference data
  'GET /api/v1/regions': 'signed_in',
  'GET /api/v1/regions/:code': 'signed_in',
  'GET /api/v1/institutions': 'signed_in',
  'GET /api/v1/institutions/nearest': 'signed_in',
  'GET /api/v1/institutions/:fixmedins_code': 'signed_in',
  'POST /api/v1/institutions': ['admin'],
  'GET /api/v1/chronic-diseases/:list_admdvs': 'signed_in',
  'PUT /api/v1/chronic-diseases/:list_admdvs/:code': ['admin'],
  'PUT /api/v1/separately-paid-drugs/:admdvs/:drug_code': ['admin'],
  'GET /api/v1/agreements': 'signed_in',
  'GET /api/v1/agreements/:agreement_no': 'signed_in',
  'POST /api/v1/agreements': ['admin'],
  'GET /api/v1/calendars/:admdvs/:year': 'signed_in',
  'GET /api/v1/calendars/:admdvs/working-days': 'signed_in',
  'PUT /api/v1/calendars/:admdvs/days/:day': ['admin'],
  'DELETE /api/v1/calendars/:admdvs/days/:day': ['admin'],
  'GET /api/v1/filing-policies/:admdvs': OFFICE,
  'PUT /api/v1/filing-policies/:admdvs': ['admin'],
  'GET /api/v1/eligibility': ANYONE_ABOUT_A_PERSON,
  'POST /api/v1/eligibility': ANYONE_ABOUT_A_PERSON,

  // registry
  'POST /api/v1/persons': WINDOW,
  'GET /api/v1/persons': OFFICE,
  'GET /api/v1/persons/:certno': ANYONE_ABOUT_A_PERSON,
  'GET /api/v1/persons/:certno/insurance-history': ANYONE_ABOUT_A_PERSON,
  'POST /api/v1/persons/:certno/enrollments': WINDOW,
  'POST /api/v1/persons/:certno/transfers': WINDOW,
  'POST /api/v1/persons/:certno/contributions': WINDOW,
  'POST /api/v1/persons/:certno/identities': WINDOW,
  'POST /api/v1/identity-imports': WINDOW,
  'GET /api/v1/identity-imports/:id': WINDOW,
  'POST /api/v1/identity-imports/:id/apply': WINDOW,
  'GET /api/v1/grid/persons': 'signed_in', // answers with the caller's own consents only
  'POST /api/v1/grid/consents': WINDOW,

  // filing and recognition
  'POST /api/v1/filings': [...WINDOW, 'person', 'grid_worker'],
  'GET /api/v1/filings': ANYONE_ABOUT_A_PERSON,
  'GET /api/v1/filings/queue': QUEUES,
  'POST /api/v1/filings/escalate': ['supervisor', 'admin'],
  'GET /api/v1/filings/:filing_no': ANYONE_ABOUT_A_PERSON,
  'POST /api/v1/filings/:filing_no/review': ['clerk', 'reviewer', 'admin'],
  'POST /api/v1/filings/:filing_no/revoke': [...WINDOW, 'person', 'grid_worker'],
  'POST /api/v1/filings/:filing_no/change': [...WINDOW, 'person', 'grid_worker'],
  'POST /api/v1/filings/:filing_no/commitment-check': ['clerk', 'reviewer', 'admin'],
  'POST /api/v1/recognitions': [...WINDOW, 'person', 'grid_worker'],
  'GET /api/v1/recognitions': ANYONE_ABOUT_A_PERSON,
  'GET /api/v1/recognitions/queue': QUEUES,
  'GET /api/v1/recognitions/:no': ANYONE_ABOUT_A_PERSON,
  'POST /api/v1/recognitions/:no/review': ['reviewer', 'admin'],
  'POST /api/v1/recognitions/:no/revoke': ['reviewer', 'admin'],
  'POST /api/v1/recognitions/:no/renew': [...WINDOW, 'reviewer', 'person', 'grid_worker'],

  // the inbox: the person reads and marks; staff and consented grid workers may read
  'GET /api/v1/inbox/:psn_no': ANYONE_ABOUT_A_PERSON,
  'POST /api/v1/inbox/:psn_no/:id/read': ['person'],

  // policy documents and the simulator
  'GET /api/v1/policies': OFFICE,
  'GET /api/v1/policies/:policy_file': OFFICE,
  'POST /api/v1/policies/validate': OFFICE,
  'POST /api/v1/policies/compare': OFFICE,
  'POST /api/v1/policies/simulate': OFFICE,
  'GET /api/v1/claim-examples': OFFICE,

  // the dashboard
  'GET /api/v1/dashboard/enrollment': ['supervisor', 'finance', 'admin'],
  'GET /api/v1/dashboard/queues': ['supervisor', 'finance', 'admin'],
  'GET /api/v1/dashboard/queues/items': ['supervisor', 'finance', 'admin'],
  'POST /api/v1/dashboard/refresh': ['supervisor', 'admin'],
  'GET /api/v1/dashboard/settlements': ['supervisor', 'finance', 'admin'],
  'GET /api/v1/dashboard/settlements/items': ['supervisor', 'finance', 'admin'],
  'GET /api/v1/dashboard/flows': ['supervisor', 'finance', 'admin'],
  'GET /api/v1/dashboard/direct-settlement': ['supervisor', 'finance', 'admin'],
  'GET /api/v1/settlements': ANYONE_ABOUT_A_PERSON,
};

export function accessFor(method: string, url: string): Access {
  return ACCESS[`${method} ${url}`] ?? ['admin'];
}
