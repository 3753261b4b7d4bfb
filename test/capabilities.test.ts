import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { IDENTITY_SOURCES, INSUTYPES, PSN_TYPES } from '../src/engine/codes.ts';
import { CAPABILITIES, ROUTES, type Capability } from '../src/server/auth/access.ts';
import type { StaffRole } from '../src/store/auth/principal.ts';
import { personCookie, staffCookie } from './support/auth.ts';
import { insertCoopBase, insertPerson } from './support/coop-rows.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// What GET /auth/me says a principal may do must be what the routes then let them do: for each
// role, every capability is tried on its own route. A "yes" gets past the role gate (whatever
// else it answers: the probes name records that do not exist, so nothing is decided); a "no"
// is the role gate's 403.

const ABSENT_CERTNO = '11010519491231002X';

/** A request to each capability's route that is well formed, so only the role gate can refuse it. */
const PROBES: Record<Capability, { method: 'GET' | 'POST'; url: string; payload?: object }> = {
  see_queues: { method: 'GET', url: '/api/v1/filings/queue' },
  review_filings: { method: 'POST', url: '/api/v1/filings/NO-SUCH-FILING/review', payload: { decision: 'approve' } },
  review_recognitions: { method: 'POST', url: '/api/v1/recognitions/NO-SUCH-RECOGNITION/review', payload: { decision: 'approve' } },
  register_persons: {
    method: 'POST', url: `/api/v1/persons/${ABSENT_CERTNO}/enrollments`,
    payload: { insutype: Object.keys(INSUTYPES)[0], psn_type: Object.keys(PSN_TYPES)[0] },
  },
  import_identities: { method: 'POST', url: '/api/v1/identity-imports', payload: { source: Object.keys(IDENTITY_SOURCES)[0], admdvs: '430100', csv: 'certno,psn_idet_type,begntime\n' } },
  file_for_persons: { method: 'POST', url: '/api/v1/filings', payload: { psn_no: 'NO-SUCH-PERSON' } },
  read_policies: { method: 'GET', url: '/api/v1/policies' },
  run_simulations: { method: 'POST', url: '/api/v1/simulations', payload: { admdvs: '430100', draft: { policy_id: 'none' }, from: '2026-01-01', to: '2026-12-31' } },
  see_dashboard: { method: 'GET', url: '/api/v1/dashboard/enrollment' },
  refresh_dashboard: { method: 'POST', url: '/api/v1/dashboard/refresh', payload: {} },
  see_clearing: { method: 'GET', url: '/api/v1/clearing/statements?month=2026-11' },
  see_payment: { method: 'GET', url: '/api/v1/payment/regions/430100/years/2026' },
  see_investigations: { method: 'GET', url: '/api/v1/supervision/investigations?box=inbox' },
  see_supervision: { method: 'GET', url: '/api/v1/supervision/rules' },
  edit_supervision_rules: { method: 'POST', url: '/api/v1/supervision/rules', payload: { admdvs: '430100', doc: {} } },
  // the service network
  see_coverage: { method: 'GET', url: '/api/v1/coverage?admdvs=430100' },
  edit_service_points: { method: 'POST', url: '/api/v1/service-points', payload: { admdvs: '430100' } },
  // the service network (issue 16)
  apply_for_persons: { method: 'POST', url: '/api/v1/applications', payload: { psn_no: 'NO-SUCH-PERSON', item_code: 'enrollment' } },
  handle_applications: { method: 'POST', url: '/api/v1/applications/430100SQ2026010100000001/accept', payload: {} },
  see_service_summary: { method: 'GET', url: '/api/v1/service-summary' },
  see_assistance: { method: 'GET', url: '/api/v1/assistance/queue' },
  review_assistance: { method: 'POST', url: '/api/v1/assistance/applications/430100YJ2026010100000001/review', payload: { decision: 'approve' } },
  pay_assistance: { method: 'POST', url: '/api/v1/assistance/applications/430100YJ2026010100000001/pay' },
  run_subsidies: { method: 'POST', url: '/api/v1/assistance/subsidies', payload: { admdvs: '430100', year: 2026, apply: false } },
  // the FHIR API
  read_fhir: { method: 'GET', url: '/fhir/R4/ExplanationOfBenefit?_count=1' },
};

interface Me {
  can: Record<Capability, boolean>;
  acts_for: string;
  regions: string[];
  routes: string[];
}

let db: TestDatabase;
let app: FastifyInstance;

before(async () => {
  db = await freshDatabase();
  await insertCoopBase(db.pool);
  app = await buildApp({ pool: db.pool, now: () => new Date() });
});
after(async () => {
  await app?.close();
  await db?.drop();
});

async function me(cookie: string): Promise<Me> {
  const res = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Me;
}

async function probe(cookie: string, capability: Capability): Promise<{ status: number; body: string }> {
  const p = PROBES[capability];
  const res = await app.inject({ method: p.method, url: p.url, headers: { cookie }, ...(p.payload ? { payload: p.payload } : {}) });
  return { status: res.statusCode, body: res.body };
}

describe('GET /auth/me: what the signed-in user may do', () => {
  const REGION_WIDE: { role: StaffRole; regions: string[] }[] = [
    { role: 'clerk', regions: ['430100'] },
    { role: 'reviewer', regions: ['430100'] },
    { role: 'supervisor', regions: ['430000'] },
    { role: 'finance', regions: ['430000'] },
    { role: 'admin', regions: ['000000'] },
  ];
  for (const { role, regions } of REGION_WIDE) {
    test(`${role === 'admin' ? 'an' : 'a'} ${role}: each capability's yes passes the role gate, each no is a 403`, async () => {
      const cookie = await staffCookie(db.pool, { username: `cap.${role}`, role, regions });
      const answer = await me(cookie);
      assert.equal(answer.acts_for, 'regions');
      assert.deepEqual(answer.regions, regions);
      for (const capability of Object.keys(PROBES) as Capability[]) {
        const { status, body } = await probe(cookie, capability);
        if (answer.can[capability]) assert.notEqual(status, 403, `${role} may ${capability}, yet ${PROBES[capability].url} said ${body}`);
        else assert.equal(status, 403, `${role} may not ${capability}, yet ${PROBES[capability].url} said ${status} ${body}`);
        assert.equal(answer.routes.includes(CAPABILITIES[capability]), answer.can[capability], capability);
      }
    });
  }

  test('the roles differ as the route table says: a clerk registers, a reviewer decides recognitions, a supervisor watches', async () => {
    const can = async (role: StaffRole, regions: string[]) => (await me(await staffCookie(db.pool, { username: `cap.${role}`, role, regions }))).can;
    const clerk = await can('clerk', ['430100']);
    const reviewer = await can('reviewer', ['430100']);
    const supervisor = await can('supervisor', ['430000']);
    assert.deepEqual([clerk.register_persons, reviewer.register_persons, supervisor.register_persons], [true, false, false]);
    assert.deepEqual([clerk.review_recognitions, reviewer.review_recognitions, supervisor.review_recognitions], [false, true, false]);
    assert.deepEqual([clerk.see_dashboard, reviewer.see_dashboard, supervisor.see_dashboard], [false, false, true]);
    assert.deepEqual([clerk.see_queues, reviewer.see_queues, supervisor.see_queues], [true, true, true]);
  });

  test('an insured person and a grid worker act for one person: every region-wide capability is a no, and a 403', async () => {
    const grid = await staffCookie(db.pool, { username: 'cap.grid', role: 'grid_worker', regions: ['430204'] });
    const gridMe = await me(grid);
    assert.equal(gridMe.acts_for, 'consenting persons');
    assert.equal(gridMe.can.file_for_persons, true, 'a grid worker files for the persons who consented');
    for (const [capability, yes] of Object.entries(gridMe.can) as [Capability, boolean][]) {
      if (!yes) assert.equal((await probe(grid, capability)).status, 403, capability);
    }
    // Nothing "touches nothing" for them: the hook refuses those routes to whoever acts for one person.
    for (const route of gridMe.routes) {
      const rule = ROUTES[route]!;
      assert.ok(!Array.isArray(rule.access) || rule.touches !== 'nothing', route);
    }

    const insured = await insertPerson(db.pool, '430102', { name: '能力测试参保人' });
    const cookie = await personCookie(db.pool, insured.psn_no);
    const person = await me(cookie);
    assert.equal(person.acts_for, 'self');
    assert.deepEqual(person.regions, []);
    assert.deepEqual(Object.entries(person.can).filter(([, yes]) => yes).map(([c]) => c), ['file_for_persons', 'apply_for_persons', 'read_fhir']);
    for (const [capability, yes] of Object.entries(person.can) as [Capability, boolean][]) {
      if (!yes) assert.equal((await probe(cookie, capability)).status, 403, capability);
    }
    // Their one yes, for themself: past the gate, to the handler's own check of the filing.
    const own = await app.inject({ method: 'POST', url: '/api/v1/filings', headers: { cookie }, payload: { psn_no: insured.psn_no } });
    assert.equal(own.statusCode, 400, own.body);
  });
});
