import type { Principal, StaffRole } from '../../store/auth/principal.ts';

// Who may call which REST route, and what each route touches: one table, read by the auth hook.
// A route missing from it is refused at start-up (installAuth), so no route can be mounted
// without saying whose data it reads or writes. `person` is the insured person for their own
// data; `grid_worker` acts for the persons who consented.

export type Caller = StaffRole | 'person';
/**
 * `signed_in`: anyone signed in except an institution's account, which sees its own findings and
 * cases only; `any_account`: every signed-in principal (who am I).
 */
export type Access = 'public' | 'signed_in' | 'any_account' | readonly Caller[];

/**
 * The one resource a route reads or writes, and the one place its key is read from. The hook
 * loads that resource and decides the scope from the loaded row's own person and region.
 * `nothing`: reference data, the caller's own account, or a list the handler itself filters by
 * the caller's regions (queues, dashboard).
 */
export type Touches =
  | 'nothing'
  | 'person by path certno'
  | 'person by path psn_no'
  | 'person by query psn_no|certno'
  | 'person by body psn_no|certno'
  | 'filing by path filing_no'
  | 'recognition by path no'
  | 'identity import by path id'
  | 'staff message by path id'
  | 'clearing statement by path id'
  | 'clearing dispute by path id'
  | 'clearing application by path id'
  | 'settlement by path setl_id'
  | 'supervision finding by path id'
  | 'agreement by path agreement_no'
  | 'supervision case by path case_no'
  | 'assistance application by path application_no'
  | 'institution by path fixmedins_code'
  | 'application by path application_no'
  | 'consent by path consent_ref'
  | 'region by path admdvs'
  | 'region by path list_admdvs'
  | 'region by body insuplc_admdvs'
  | 'region by body admdvs'
  // the service network (issue 16)
  | 'service point by path code'
  | 'grid by path code'
  | 'region by query admdvs'
  // the FHIR API (docs/fhir.md): a resource read by its id, or a search the handler filters in SQL by the caller's own scope
  | 'fhir patient by path id'
  | 'fhir coverage by path id'
  | 'fhir claim by path id'
  | 'fhir settlement by path id'
  | 'caller scope in SQL'
  // sign-in abuse (issue 18): a staff account, by its regions (an administrator covering any of them)
  | 'staff account by path username'
  // policy simulation over stored settlements (issue 19)
  | 'simulation run by path id';

export interface RouteRule {
  access: Access;
  touches: Touches;
  /** A second region the route writes into when the body names one (a staff member must cover it too). */
  alsoRegion?: 'body insuplc_admdvs';
}

const OFFICE: readonly Caller[] = ['clerk', 'reviewer', 'supervisor', 'finance', 'admin'];
const ANYONE_ABOUT_A_PERSON: readonly Caller[] = [...OFFICE, 'person', 'grid_worker'];
const WINDOW: readonly Caller[] = ['clerk', 'admin'];
const QUEUES: readonly Caller[] = ['clerk', 'reviewer', 'supervisor', 'admin'];
const DASHBOARD: readonly Caller[] = ['supervisor', 'finance', 'admin'];
const FINANCE: readonly Caller[] = ['finance', 'admin'];
const SUPERVISION: readonly Caller[] = ['supervisor', 'reviewer', 'admin'];
const INVESTIGATORS: readonly Caller[] = ['supervisor', 'admin'];
// an institution's account: its own findings and cases (the hook compares the loaded row's institution)
const SUPERVISION_AND_INSTITUTION: readonly Caller[] = [...SUPERVISION, 'institution'];
// the FHIR API: persons and their enrollments for staff and the person; visits and settlements for the institution too
const FHIR_PERSONS: readonly Caller[] = [...OFFICE, 'person'];
const FHIR_VISITS: readonly Caller[] = [...OFFICE, 'person', 'institution'];

const TABLE: Record<string, [Access, Touches, RouteRule['alsoRegion']?]> = {
  'POST /api/v1/auth/staff': ['public', 'nothing'],
  'POST /api/v1/auth/code': ['public', 'nothing'],
  'POST /api/v1/auth/person': ['public', 'nothing'],
  'POST /api/v1/auth/sign-out': ['public', 'nothing'],
  'GET /api/v1/auth/me': ['any_account', 'nothing'],
  // sign-in abuse (issue 18): the caller's own sessions; an administrator revokes a staff account's
  'POST /api/v1/auth/sign-out-everywhere': ['any_account', 'nothing'],
  'POST /api/v1/staff/:username/sessions/revoke': [['admin'], 'staff account by path username'],

  // reference data: readable by anyone signed in, written by administrators for a region
  'GET /api/v1/regions': ['signed_in', 'nothing'],
  'GET /api/v1/regions/:code': ['signed_in', 'nothing'],
  'GET /api/v1/institutions': ['signed_in', 'nothing'],
  'GET /api/v1/institutions/nearest': ['signed_in', 'nothing'],
  'GET /api/v1/institutions/:fixmedins_code': ['signed_in', 'nothing'],
  'POST /api/v1/institutions': [['admin'], 'region by body admdvs'],
  'GET /api/v1/chronic-diseases/:list_admdvs': ['signed_in', 'nothing'],
  'PUT /api/v1/chronic-diseases/:list_admdvs/:code': [['admin'], 'region by path list_admdvs'],
  'PUT /api/v1/separately-paid-drugs/:admdvs/:drug_code': [['admin'], 'region by path admdvs'],
  'GET /api/v1/agreements': ['signed_in', 'nothing'],
  'GET /api/v1/agreements/:agreement_no': ['signed_in', 'nothing'],
  'POST /api/v1/agreements': [['admin'], 'nothing'], // between regions: the whole deployment's administrators
  'GET /api/v1/calendars/:admdvs/:year': ['signed_in', 'nothing'],
  'GET /api/v1/calendars/:admdvs/working-days': ['signed_in', 'nothing'],
  'PUT /api/v1/calendars/:admdvs/days/:day': [['admin'], 'region by path admdvs'],
  'DELETE /api/v1/calendars/:admdvs/days/:day': [['admin'], 'region by path admdvs'],
  'GET /api/v1/filing-policies/:admdvs': [OFFICE, 'region by path admdvs'],
  'PUT /api/v1/filing-policies/:admdvs': [['admin'], 'region by path admdvs'],
  'GET /api/v1/eligibility': [ANYONE_ABOUT_A_PERSON, 'person by query psn_no|certno'],
  'POST /api/v1/eligibility': [ANYONE_ABOUT_A_PERSON, 'person by body psn_no|certno'],

  // registry
  'POST /api/v1/persons': [WINDOW, 'region by body insuplc_admdvs'],
  'GET /api/v1/persons/:certno': [ANYONE_ABOUT_A_PERSON, 'person by path certno'],
  'GET /api/v1/persons/:certno/insurance-history': [ANYONE_ABOUT_A_PERSON, 'person by path certno'],
  'POST /api/v1/persons/:certno/enrollments': [WINDOW, 'person by path certno', 'body insuplc_admdvs'], // enrolling elsewhere moves the person there
  'POST /api/v1/persons/:certno/transfers': [WINDOW, 'person by path certno'],
  'POST /api/v1/persons/:certno/contributions': [WINDOW, 'person by path certno'],
  'POST /api/v1/persons/:certno/family-shares': [WINDOW, 'person by path certno'], // the holder's region decides over the holder's account
  'POST /api/v1/persons/:certno/identities': [WINDOW, 'person by path certno'],
  'POST /api/v1/identity-imports': [WINDOW, 'region by body admdvs'],
  'GET /api/v1/identity-imports/:id': [WINDOW, 'identity import by path id'],
  'POST /api/v1/identity-imports/:id/apply': [WINDOW, 'identity import by path id'],
  'GET /api/v1/grid/persons': ['signed_in', 'nothing'], // answers with the caller's own consents only
  'POST /api/v1/grid/consents': [WINDOW, 'person by body psn_no|certno'],

  // filing and recognition
  'POST /api/v1/filings': [[...WINDOW, 'person', 'grid_worker'], 'person by body psn_no|certno'],
  'GET /api/v1/filings': [ANYONE_ABOUT_A_PERSON, 'person by query psn_no|certno'],
  'GET /api/v1/filings/queue': [QUEUES, 'nothing'],
  'POST /api/v1/filings/escalate': [['supervisor', 'admin'], 'nothing'], // only the caller's regions' filings and recognitions
  'POST /api/v1/cases/remind': [['supervisor', 'admin'], 'nothing'], // only the caller's regions' cases
  'GET /api/v1/filings/:filing_no': [ANYONE_ABOUT_A_PERSON, 'filing by path filing_no'],
  'POST /api/v1/filings/:filing_no/review': [['clerk', 'reviewer', 'admin'], 'filing by path filing_no'],
  'POST /api/v1/filings/:filing_no/revoke': [[...WINDOW, 'person', 'grid_worker'], 'filing by path filing_no'],
  'POST /api/v1/filings/:filing_no/change': [[...WINDOW, 'person', 'grid_worker'], 'filing by path filing_no'],
  'POST /api/v1/filings/:filing_no/commitment-check': [['clerk', 'reviewer', 'admin'], 'filing by path filing_no'],
  'POST /api/v1/recognitions': [[...WINDOW, 'person', 'grid_worker'], 'person by body psn_no|certno'],
  'GET /api/v1/recognitions': [ANYONE_ABOUT_A_PERSON, 'person by query psn_no|certno'],
  'GET /api/v1/recognitions/queue': [QUEUES, 'nothing'],
  'GET /api/v1/recognitions/:no': [ANYONE_ABOUT_A_PERSON, 'recognition by path no'],
  'POST /api/v1/recognitions/:no/review': [['reviewer', 'admin'], 'recognition by path no'],
  'POST /api/v1/recognitions/:no/revoke': [['reviewer', 'admin'], 'recognition by path no'],
  'POST /api/v1/recognitions/:no/renew': [[...WINDOW, 'reviewer', 'person', 'grid_worker'], 'recognition by path no'],

  // the inbox: the person reads and marks; staff and consented grid workers may read
  'GET /api/v1/inbox/:psn_no': [ANYONE_ABOUT_A_PERSON, 'person by path psn_no'],
  'POST /api/v1/inbox/:psn_no/:id/read': [['person'], 'person by path psn_no'],
  // the staff inbox: messages to a bureau (advance-fund warnings), read by staff covering its region
  'GET /api/v1/staff-inbox': [OFFICE, 'nothing'], // only the caller's regions' messages
  'POST /api/v1/staff-inbox/:id/read': [OFFICE, 'staff message by path id'],

  // policy documents and the simulator: no one's data
  'GET /api/v1/policies': [OFFICE, 'nothing'],
  'GET /api/v1/policies/:policy_file': [OFFICE, 'nothing'],
  'GET /api/v1/policies/:policy_file/versions': [OFFICE, 'nothing'],
  'POST /api/v1/policies': [['admin'], 'region by body admdvs'], // a new version, for the administrator's region
  'POST /api/v1/policies/validate': [OFFICE, 'nothing'],
  'POST /api/v1/policies/compare': [OFFICE, 'nothing'],
  'POST /api/v1/policies/simulate': [OFFICE, 'nothing'],
  // a draft over the region's stored settlements, in the background (issue 19): the region's own staff
  'POST /api/v1/simulations': [OFFICE, 'region by body admdvs'],
  'GET /api/v1/simulations': [OFFICE, 'region by query admdvs'],
  'GET /api/v1/simulations/:id': [OFFICE, 'simulation run by path id'],
  'GET /api/v1/simulations/:id/report.csv': [OFFICE, 'simulation run by path id'],
  'GET /api/v1/claim-examples': [OFFICE, 'nothing'],

  // the dashboard: figures filtered by the caller's regions
  'GET /api/v1/dashboard/enrollment': [DASHBOARD, 'nothing'],
  'GET /api/v1/dashboard/queues': [DASHBOARD, 'nothing'],
  'GET /api/v1/dashboard/queues/items': [DASHBOARD, 'nothing'],
  'POST /api/v1/dashboard/refresh': [['supervisor', 'admin'], 'nothing'],
  'GET /api/v1/dashboard/settlements': [DASHBOARD, 'nothing'],
  'GET /api/v1/dashboard/settlements/items': [DASHBOARD, 'nothing'],
  'GET /api/v1/dashboard/flows': [DASHBOARD, 'nothing'],
  'GET /api/v1/dashboard/direct-settlement': [DASHBOARD, 'nothing'],
  'GET /api/v1/settlements': [ANYONE_ABOUT_A_PERSON, 'person by query psn_no|certno'],

  // clearing between regions (the finance page): the run is deployment-wide like `yibao clear`
  // and answers with the caller's statements only; a statement is the caller's when they cover
  // either of its two regions (the hook loads it); confirming checks the side besides.
  'POST /api/v1/clearing/runs': [FINANCE, 'nothing'],
  'GET /api/v1/clearing/statements': [FINANCE, 'nothing'],
  'GET /api/v1/clearing/statements/:id': [FINANCE, 'clearing statement by path id'],
  'GET /api/v1/clearing/statements/:id/settlements/:setl_id': [FINANCE, 'clearing statement by path id'],
  'POST /api/v1/clearing/statements/:id/confirm': [FINANCE, 'clearing statement by path id'],
  'POST /api/v1/clearing/statements/:id/disputes': [FINANCE, 'clearing statement by path id'],
  'GET /api/v1/clearing/disputes': [FINANCE, 'nothing'], // only disputes of statements the caller is party to
  'POST /api/v1/clearing/disputes/:id/resolve': [FINANCE, 'clearing dispute by path id'],
  'GET /api/v1/clearing/statements/:id/export': [FINANCE, 'clearing statement by path id'],
  'GET /api/v1/clearing/advance-funds': [FINANCE, 'nothing'],
  'GET /api/v1/clearing/positions': [FINANCE, 'nothing'],
  // institutions' clearing applications (3203) and payments: finance staff of the institution's region
  'GET /api/v1/clearing/applications': [FINANCE, 'nothing'], // only the caller's regions' institutions
  'GET /api/v1/clearing/applications/:id': [FINANCE, 'clearing application by path id'],
  'POST /api/v1/clearing/applications/:id/approve': [FINANCE, 'clearing application by path id'],
  'POST /api/v1/clearing/applications/:id/refuse': [FINANCE, 'clearing application by path id'],
  'POST /api/v1/clearing/applications/:id/release': [FINANCE, 'clearing application by path id'],
  'POST /api/v1/clearing/institutions/:fixmedins_code/release': [FINANCE, 'institution by path fixmedins_code'],
  'GET /api/v1/clearing/institutions/:fixmedins_code/statement': [FINANCE, 'institution by path fixmedins_code'],

  // paying hospitals by DRG/DIP (the payment page): a pooling region's year, a hospital's year of
  // its pooling region, one stay — read by staff covering its insured or its treatment region
  'GET /api/v1/payment/regions': [DASHBOARD, 'nothing'], // only the caller's regions' payment rules
  'GET /api/v1/payment/regions/:admdvs/years/:year': [DASHBOARD, 'region by path admdvs'],
  'GET /api/v1/payment/institutions/:fixmedins_code/years/:year': [DASHBOARD, 'institution by path fixmedins_code'],
  'GET /api/v1/payment/cases/:setl_id': [DASHBOARD, 'settlement by path setl_id'],
  'POST /api/v1/payment/regions/:admdvs/years/:year/year-end': [FINANCE, 'region by path admdvs'],
  'POST /api/v1/payment/regions/:admdvs/years/:year/simulate': [DASHBOARD, 'region by path admdvs'], // writes nothing

  // fund supervision (docs/supervision.md): findings of the caller's regions, as treatment or insured region
  'GET /api/v1/supervision/findings': [SUPERVISION_AND_INSTITUTION, 'nothing'], // only the caller's regions' findings; an institution's own
  'GET /api/v1/supervision/findings/:id': [SUPERVISION_AND_INSTITUTION, 'supervision finding by path id'],
  'GET /api/v1/supervision/rules': [SUPERVISION, 'nothing'], // the library: no one's data
  'POST /api/v1/supervision/rules/check': [SUPERVISION, 'nothing'], // a draft checked, nothing stored
  'GET /api/v1/supervision/scans': [SUPERVISION, 'nothing'],
  'POST /api/v1/supervision/scans': [['supervisor', 'admin'], 'region by body admdvs'],
  // 协查 requests (src/app/supervision/investigations.ts): between two regions, so the use case loads
  // the request and lets in a staff member of either side (else 404), and checks the mover's side
  'GET /api/v1/supervision/investigations': [INVESTIGATORS, 'nothing'], // only requests with a side in the caller's regions
  'POST /api/v1/supervision/investigations': [INVESTIGATORS, 'nothing'], // the person must be insured in the caller's regions
  'GET /api/v1/supervision/investigations/:case_no': [INVESTIGATORS, 'nothing'],
  'POST /api/v1/supervision/investigations/:case_no/moves': [INVESTIGATORS, 'nothing'],
  'GET /api/v1/supervision/investigations/:case_no/attachments/:id': [INVESTIGATORS, 'nothing'],
  // a new version of a region's rule library: the region named in the body, which the caller covers (000000: the national one)
  'POST /api/v1/supervision/rules': [['supervisor', 'admin'], 'region by body admdvs'],
  // the monthly expense-data sharing report (协议数据共享) of an agreement: staff covering any of
  // the loaded agreement's members read every member's rows (the agreement shares them)
  'GET /api/v1/supervision/sharing/:agreement_no': [SUPERVISION, 'agreement by path agreement_no'],
  // supervision cases (src/server/api/supervision-cases.ts): staff of the institution's region; an institution its own
  'GET /api/v1/supervision/cases': [SUPERVISION_AND_INSTITUTION, 'nothing'], // only the caller's regions' cases; an institution's own
  'POST /api/v1/supervision/cases': [['supervisor', 'reviewer', 'admin'], 'nothing'], // the findings named are loaded and checked by the use case
  'GET /api/v1/supervision/cases/:case_no': [SUPERVISION_AND_INSTITUTION, 'supervision case by path case_no'],
  'POST /api/v1/supervision/cases/:case_no/moves': [SUPERVISION, 'supervision case by path case_no'],
  'POST /api/v1/supervision/cases/:case_no/appeal': [['institution'], 'supervision case by path case_no'], // appeal or waive
  'GET /api/v1/supervision/cases/:case_no/evidence/:id': [SUPERVISION_AND_INSTITUTION, 'supervision case by path case_no'],

  // the service network (src/server/api/service-network.ts, docs/service-network.md): points and
  // their hours are public reference data; staff of the point's or grid's region edit them; a
  // number or an appointment is the caller's own (a person for themself; staff of the point's
  // region, checked by the use case on the loaded point); the windows are the point's region's clerks
  'GET /api/v1/service-points': ['signed_in', 'nothing'],
  'GET /api/v1/service-points/nearest': ['signed_in', 'nothing'],
  'GET /api/v1/service-points/:code': ['signed_in', 'nothing'],
  'POST /api/v1/service-points': [WINDOW, 'region by body admdvs'],
  'PUT /api/v1/service-points/:code': [WINDOW, 'service point by path code'],
  'POST /api/v1/service-network/imports': [WINDOW, 'region by body admdvs'], // every row must lie under that region
  'GET /api/v1/grids': [OFFICE, 'nothing'], // only the caller's regions' grids
  'POST /api/v1/grids': [WINDOW, 'region by body admdvs'],
  'PUT /api/v1/grids/:code': [WINDOW, 'grid by path code'],
  'POST /api/v1/service-points/:code/tickets': ['signed_in', 'nothing'],
  'POST /api/v1/service-points/:code/appointments': ['signed_in', 'nothing'],
  'GET /api/v1/service-points/:code/tickets': [WINDOW, 'service point by path code'],
  'POST /api/v1/service-points/:code/tickets/next': [WINDOW, 'service point by path code'],
  'POST /api/v1/service-points/:code/tickets/:ticket_no/served': [WINDOW, 'service point by path code'],
  'POST /api/v1/service-points/:code/tickets/:ticket_no/missed': [WINDOW, 'service point by path code'],
  'GET /api/v1/coverage': [OFFICE, 'region by query admdvs'],
  // the service network (issue 16, src/server/api/applications.ts): the catalogue is no one's
  // data; an application is its person's (and their consenting grid worker's) and its handling
  // region's staff's, as the hook loads it
  'GET /api/v1/service-items': ['signed_in', 'nothing'],
  'POST /api/v1/service-items': [['admin'], 'region by body admdvs'], // a new version of the region's (000000: the national) catalogue
  'POST /api/v1/applications': [[...WINDOW, 'person', 'grid_worker'], 'person by body psn_no|certno'],
  'GET /api/v1/applications': ['signed_in', 'nothing'], // the person's own, a grid worker's consenting persons', staff's regions' queue
  'GET /api/v1/applications/:application_no': [ANYONE_ABOUT_A_PERSON, 'application by path application_no'],
  'POST /api/v1/applications/:application_no/accept': [['clerk', 'reviewer', 'admin'], 'application by path application_no'],
  'POST /api/v1/applications/:application_no/complete': [['clerk', 'reviewer', 'admin'], 'application by path application_no'],
  'POST /api/v1/applications/:application_no/refuse': [['clerk', 'reviewer', 'admin'], 'application by path application_no'],
  'POST /api/v1/applications/:application_no/cancel': [[...WINDOW, 'person', 'grid_worker'], 'application by path application_no'],
  'POST /api/v1/applications/:application_no/materials': [[...WINDOW, 'person', 'grid_worker'], 'application by path application_no'],
  'POST /api/v1/applications/:application_no/rating': [['person', 'grid_worker'], 'application by path application_no'],
  'POST /api/v1/applications/:application_no/follow-up/answer': [['clerk', 'reviewer', 'supervisor', 'admin'], 'application by path application_no'],
  'GET /api/v1/service-summary': [[...DASHBOARD, 'clerk', 'reviewer'], 'nothing'], // only the caller's regions' applications
  'POST /api/v1/grid/consents/:consent_ref/withdraw': [[...WINDOW, 'person'], 'consent by path consent_ref'],
  // medical assistance on application (src/server/api/assistance.ts, docs/service-network.md): the
  // person online, a clerk at the window, a grid worker with the person's consent apply; staff of
  // the application's pooling region review, record objections raised during the notice (by
  // letter, phone or at the window: the public does not sign in to object), resolve them and pay
  'POST /api/v1/assistance/applications': [[...WINDOW, 'person', 'grid_worker'], 'person by body psn_no|certno'],
  'GET /api/v1/assistance/applications': [ANYONE_ABOUT_A_PERSON, 'person by query psn_no|certno'],
  'GET /api/v1/assistance/queue': [[...QUEUES, 'finance'], 'nothing'], // only the caller's regions' applications
  'GET /api/v1/assistance/applications/:application_no': [ANYONE_ABOUT_A_PERSON, 'assistance application by path application_no'],
  'GET /api/v1/assistance/applications/:application_no/preview': [OFFICE, 'assistance application by path application_no'], // computes, writes nothing
  'POST /api/v1/assistance/applications/:application_no/review': [['reviewer', 'admin'], 'assistance application by path application_no'],
  'POST /api/v1/assistance/applications/:application_no/proposal': [['clerk', 'reviewer', 'admin'], 'assistance application by path application_no'], // confirm or dismiss a re-assistance proposal
  'POST /api/v1/assistance/applications/:application_no/objections': [['clerk', 'reviewer', 'supervisor', 'admin'], 'assistance application by path application_no'],
  'POST /api/v1/assistance/applications/:application_no/objections/resolve': [['reviewer', 'supervisor', 'admin'], 'assistance application by path application_no'],
  'POST /api/v1/assistance/applications/:application_no/pay': [['clerk', 'reviewer', 'admin'], 'assistance application by path application_no'],
  'POST /api/v1/assistance/notice-pass': [['clerk', 'reviewer', 'supervisor', 'admin'], 'nothing'], // only the caller's regions' notices
  'POST /api/v1/assistance/reassistance-scans': [['reviewer', 'supervisor', 'admin'], 'region by body admdvs'],
  'POST /api/v1/assistance/subsidies': [['clerk', 'finance', 'admin'], 'region by body admdvs'], // preview (apply false) or apply

  // the read-only FHIR R4 API (src/server/fhir/, docs/fhir.md): what the REST API lets each caller
  // see, as FHIR. A read loads the resource and decides from its own person, regions, institution;
  // a search is filtered in SQL by the caller (staff: their regions'; a person: their own; an
  // institution: its own visits and settlements). Terminology and the CapabilityStatement are public.
  'GET /fhir/R4/metadata': ['public', 'nothing'],
  'GET /fhir/R4/CodeSystem': ['public', 'nothing'],
  'GET /fhir/R4/CodeSystem/:id': ['public', 'nothing'],
  'GET /fhir/R4/Organization': ['any_account', 'nothing'], // institutions and bureaus: reference data
  'GET /fhir/R4/Organization/:id': ['any_account', 'nothing'],
  'GET /fhir/R4/Patient': [FHIR_PERSONS, 'caller scope in SQL'],
  'GET /fhir/R4/Patient/:id': [FHIR_PERSONS, 'fhir patient by path id'],
  'GET /fhir/R4/Coverage': [FHIR_PERSONS, 'caller scope in SQL'],
  'GET /fhir/R4/Coverage/:id': [FHIR_PERSONS, 'fhir coverage by path id'],
  'GET /fhir/R4/Claim': [FHIR_VISITS, 'caller scope in SQL'],
  'GET /fhir/R4/Claim/:id': [FHIR_VISITS, 'fhir claim by path id'],
  'GET /fhir/R4/ClaimResponse': [FHIR_VISITS, 'caller scope in SQL'],
  'GET /fhir/R4/ClaimResponse/:id': [FHIR_VISITS, 'fhir settlement by path id'],
  'GET /fhir/R4/ExplanationOfBenefit': [FHIR_VISITS, 'caller scope in SQL'],
  'GET /fhir/R4/ExplanationOfBenefit/:id': [FHIR_VISITS, 'fhir settlement by path id'],
  'GET /fhir/R4/PaymentReconciliation': [FINANCE, 'caller scope in SQL'], // statements with a side in the caller's regions
  'GET /fhir/R4/PaymentReconciliation/:id': [FINANCE, 'clearing statement by path id'],
};

export const ROUTES: Record<string, RouteRule> = Object.fromEntries(
  Object.entries(TABLE).map(([k, [access, touches, alsoRegion]]) => [k, { access, touches, ...(alsoRegion ? { alsoRegion } : {}) }]),
);

/** The rule of a route; HEAD is answered by the GET route. Undefined: the route is not declared. */
export function ruleFor(method: string, url: string): RouteRule | undefined {
  return ROUTES[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

/** Whether a role may call a route at all (before any scope check): the hook's first question. */
export function roleMayCall(caller: Caller, rule: RouteRule): boolean {
  if (rule.access === 'public' || rule.access === 'any_account') return true;
  if (rule.access === 'signed_in') return caller !== 'institution';
  return rule.access.includes(caller);
}

export const callerOf = (p: Principal): Caller => (p.kind === 'person' ? 'person' : p.role);

/** Persons and grid workers only ever act on one person's data; other staff on their regions'. */
export const actsForOf = (p: Principal): 'self' | 'consenting persons' | 'regions' | 'institution' =>
  p.kind === 'person' ? 'self' : p.role === 'grid_worker' ? 'consenting persons' : p.role === 'institution' ? 'institution' : 'regions';

/**
 * What the pages ask before they offer an action, each named by the route that does it, so the
 * answer comes from the table above and not from a copy of its role lists.
 */
export const CAPABILITIES = {
  see_queues: 'GET /api/v1/filings/queue',
  review_filings: 'POST /api/v1/filings/:filing_no/review',
  review_recognitions: 'POST /api/v1/recognitions/:no/review',
  register_persons: 'POST /api/v1/persons/:certno/enrollments',
  import_identities: 'POST /api/v1/identity-imports',
  file_for_persons: 'POST /api/v1/filings',
  read_policies: 'GET /api/v1/policies',
  run_simulations: 'POST /api/v1/simulations',
  see_dashboard: 'GET /api/v1/dashboard/enrollment',
  refresh_dashboard: 'POST /api/v1/dashboard/refresh',
  see_clearing: 'GET /api/v1/clearing/statements',
  see_payment: 'GET /api/v1/payment/regions/:admdvs/years/:year',
  see_investigations: 'GET /api/v1/supervision/investigations',
  see_supervision: 'GET /api/v1/supervision/rules', // not the findings: an institution reads its own findings without the supervisor's pages
  edit_supervision_rules: 'POST /api/v1/supervision/rules',
  // the service network
  see_coverage: 'GET /api/v1/coverage',
  edit_service_points: 'POST /api/v1/service-points',
  // the service network (issue 16)
  apply_for_persons: 'POST /api/v1/applications',
  handle_applications: 'POST /api/v1/applications/:application_no/accept',
  see_service_summary: 'GET /api/v1/service-summary',
  see_assistance: 'GET /api/v1/assistance/queue',
  review_assistance: 'POST /api/v1/assistance/applications/:application_no/review',
  pay_assistance: 'POST /api/v1/assistance/applications/:application_no/pay',
  run_subsidies: 'POST /api/v1/assistance/subsidies',
  // the FHIR API
  read_fhir: 'GET /fhir/R4/ExplanationOfBenefit',
} as const satisfies Record<string, keyof typeof TABLE>;

export type Capability = keyof typeof CAPABILITIES;

/**
 * The routes a signed-in principal may call, as `METHOD /path`: those their role is let into,
 * less the region-wide ones ("touches nothing") that the hook refuses to whoever acts for one
 * person. A route they may call still checks that the person or region it names is theirs.
 */
export function routesOf(p: Principal): string[] {
  const caller = callerOf(p);
  const forOnePerson = actsForOf(p) === 'self' || actsForOf(p) === 'consenting persons';
  return Object.entries(ROUTES)
    .filter(([, rule]) => roleMayCall(caller, rule) && !(forOnePerson && Array.isArray(rule.access) && rule.touches === 'nothing'))
    .map(([route]) => route);
}

/** What /auth/me tells the pages the principal may do. */
export function capabilitiesOf(p: Principal): { can: Record<Capability, boolean>; acts_for: ReturnType<typeof actsForOf>; regions: string[]; routes: string[]; fixmedins_code: string | null } {
  const routes = routesOf(p);
  const can = Object.fromEntries(Object.entries(CAPABILITIES).map(([name, route]) => [name, routes.includes(route)])) as Record<Capability, boolean>;
  return { can, acts_for: actsForOf(p), regions: p.kind === 'staff' ? [...p.regions] : [], routes, fixmedins_code: p.kind === 'staff' ? (p.fixmedins_code ?? null) : null };
}
