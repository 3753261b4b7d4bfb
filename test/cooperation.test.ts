import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { actAsAdmin, staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { INSTITUTIONS, coopCounts, insertCoopBase, insertPerson } from './support/coop-rows.ts';

// End to end through the REST API against the real database: filing, review clock, eligibility,
// recognitions, agreements, and every refusal leaving the tables as they were.

let db: TestDatabase;
let app: FastifyInstance;
let clock = new Date('2026-03-02T02:00:00Z'); // Monday 10:00 in Beijing

const GANXIANG_MEMBERS = ['360400', '360300', '360700', '360900', '360800', '430100', '430200', '430300', '430600', '431000'];

before(async () => {
  db = await freshDatabase();
  await insertCoopBase(db.pool);
  app = await buildApp({ pool: db.pool, now: () => clock });
  await actAsAdmin(app, db.pool);
});
after(async () => {
  await app.close();
  await db.drop();
});

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, cookie?: string): Promise<{ status: number; body: any }> {
  const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), ...(cookie ? { headers: { cookie } } : {}) });
  return { status: res.statusCode, body: res.json() };
}

const eligibility = (psn_no: string, fixmedins_code: string, med_type: string, begndate: string, extra: Record<string, string> = {}) =>
  call('GET', `/api/v1/eligibility?${new URLSearchParams({ psn_no, fixmedins_code, med_type, begndate, ...extra })}`);

function retireeFiling(psn_no: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    psn_no,
    kind: 'resettled_retiree',
    mdtrtarea_admdvs: '430100',
    begndate: '2026-03-02',
    filer: { type: 'person', id: psn_no },
    evidence: [
      { kind: 'residence_permit', ref: 'doc-rp-1' },
      { kind: 'retirement_proof', ref: 'doc-ret-1' },
    ],
    ...over,
  };
}

describe('filing for care elsewhere', () => {
  test('the Jiujiang retiree files long-term to Changsha, is reviewed within 3 working days, and settles like a local', async () => {
    clock = new Date('2026-03-02T02:00:00Z');
    const p = await insertPerson(db.pool, '360400', { name: '九江退休人员' });
    const created = await call('POST', '/api/v1/filings', retireeFiling(p.psn_no));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'pending_review');
    assert.equal(created.body.review_due, '2026-03-05', 'cross-province: 3 working days after Monday');
    assert.equal(created.body.enddate, null, 'long-term: until revoked');

    const before = await eligibility(p.psn_no, INSTITUTIONS.changshaHospital, '21', '2026-03-03');
    assert.equal(before.body.status, 'unfiled', 'a filing waiting for review does not count yet');

    const queue = await call('GET', '/api/v1/filings/queue?as_of=2026-03-02&insuplc_admdvs=360400');
    assert.ok(queue.body.items.some((i: any) => i.filing_no === created.body.filing_no && !i.overdue));

    // The decision is recorded under the signed-in clerk, whatever the body says.
    const jjClerk = await staffCookie(db.pool, { username: 'jj-staff-01', role: 'clerk', regions: ['360400'] });
    const approved = await call('POST', `/api/v1/filings/${created.body.filing_no}/review`, { decision: 'approve', opter: 'someone-else', reason: '材料齐全' }, jjClerk);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, 'effective');
    assert.equal(approved.body.decided_by, 'staff:jj-staff-01');

    const e = await eligibility(p.psn_no, INSTITUTIONS.changshaHospital, '21', '2026-03-10', { enddate: '2026-03-20' });
    assert.equal(e.status, 200, JSON.stringify(e.body));
    assert.equal(e.body.allowed, true);
    assert.equal(e.body.status, 'long_term_filed');
    assert.equal(e.body.terms.treatedAsLocal, true);
    assert.equal(e.body.terms.filingNo, created.body.filing_no);
    assert.ok(e.body.reasons.every((r: any) => r.zh && r.en));

    const inbox = await call('GET', `/api/v1/inbox/${p.psn_no}`);
    assert.equal(inbox.body.notifications.length, 2, 'received, then approved');
    const audit = await db.pool.query('SELECT actor, action FROM audit_log WHERE subject = $1 ORDER BY id', [`filing:${created.body.filing_no}`]);
    assert.deepEqual(audit.rows.map((r) => r.action), ['filing.submit', 'filing.approve']);
    const detail = await call('GET', `/api/v1/filings/${created.body.filing_no}`);
    assert.deepEqual(detail.body.events.map((x: any) => x.action), ['submit', 'approve']);
    assert.equal(detail.body.evidence.length, 2);

    // A revoked filing no longer counts.
    const revoked = await call('POST', `/api/v1/filings/${created.body.filing_no}/revoke`, { actor: { type: 'person', id: p.psn_no }, reason: '回原籍居住' });
    assert.equal(revoked.body.status, 'revoked');
    const afterRevoke = await eligibility(p.psn_no, INSTITUTIONS.changshaHospital, '21', '2026-03-10', { enddate: '2026-03-20' });
    assert.equal(afterRevoke.body.status, 'unfiled');
    assert.equal(afterRevoke.body.terms.reduced, true);
  });

  test('a temporary traveller without filing gets the reduced terms; in-province only where the policy waives filing', async () => {
    const p = await insertPerson(db.pool, '360400');
    const beijing = await eligibility(p.psn_no, INSTITUTIONS.beijingHospital, '11', '2026-03-03');
    assert.equal(beijing.body.allowed, true);
    assert.equal(beijing.body.status, 'unfiled');
    assert.equal(beijing.body.terms.reduced, true);
    assert.equal(beijing.body.crossProvince, true);

    const nanchangBefore = await eligibility(p.psn_no, INSTITUTIONS.nanchangHospital, '21', '2026-03-03');
    assert.equal(nanchangBefore.body.allowed, false, 'Jiujiang has not waived in-province filing yet');
    const set = await call('PUT', '/api/v1/filing-policies/360400', { in_province_unfiled_allowed: true, opter: 'jj-staff-01' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const nanchang = await eligibility(p.psn_no, INSTITUTIONS.nanchangHospital, '21', '2026-03-03');
    assert.equal(nanchang.body.allowed, true);
    assert.equal(nanchang.body.status, 'in_province_unfiled');
    assert.equal(nanchang.body.terms.reduced, true);
    await call('PUT', '/api/v1/filing-policies/360400', { in_province_unfiled_allowed: false, opter: 'jj-staff-01' });

    const local = await eligibility(p.psn_no, INSTITUTIONS.jiujiangHospital, '21', '2026-03-03');
    assert.equal(local.body.status, 'local');
    const emergency = await eligibility(p.psn_no, INSTITUTIONS.beijingHospital, '21', '2026-03-03', { emergency_flag: '1' });
    assert.equal(emergency.body.status, 'emergency');
    assert.equal(emergency.body.terms.reduced, false);
  });

  test('reference data changed straight in the database is seen by the next check (the cache follows the generation)', async () => {
    const p = await insertPerson(db.pool, '360400');
    const before = await eligibility(p.psn_no, INSTITUTIONS.nanchangHospital, '21', '2026-03-03');
    assert.equal(before.body.allowed, false);
    const g0 = (await db.pool.query<{ n: number }>('SELECT n FROM reference_generation')).rows[0]!.n;
    await db.pool.query(`UPDATE filing_policies SET in_province_unfiled_allowed = true WHERE insuplc_admdvs = '360400'`);
    await db.pool.query(`INSERT INTO filing_policies (insuplc_admdvs, in_province_unfiled_allowed) VALUES ('360400', true) ON CONFLICT (insuplc_admdvs) DO NOTHING`);
    assert.ok((await db.pool.query<{ n: number }>('SELECT n FROM reference_generation')).rows[0]!.n > g0, 'a change moves the generation');
    const after = await eligibility(p.psn_no, INSTITUTIONS.nanchangHospital, '21', '2026-03-03');
    assert.equal(after.body.allowed, true, 'no stale cache');
    await db.pool.query(`UPDATE filing_policies SET in_province_unfiled_allowed = false WHERE insuplc_admdvs = '360400'`);
    assert.equal((await eligibility(p.psn_no, INSTITUTIONS.nanchangHospital, '21', '2026-03-03')).body.allowed, false);
  });

  test('a filing made after admission, under commitment, counts at discharge', async () => {
    clock = new Date('2026-06-05T03:00:00Z'); // admitted 06-01, filed 06-05
    const p = await insertPerson(db.pool, '360400');
    const filed = await call('POST', '/api/v1/filings', {
      psn_no: p.psn_no,
      kind: 'temporary_other',
      mdtrtarea_admdvs: '430100',
      begndate: '2026-06-05',
      commitment: true,
      mdtrt_id: 'MDTRT-0601',
      filer: { type: 'grid_worker', id: 'grid-273', consent_ref: 'consent-2026-0605-01' },
      evidence: [{ kind: 'commitment_letter', ref: 'cl-1' }],
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    assert.equal(filed.body.status, 'effective', 'under commitment: effective at once');
    assert.equal(filed.body.enddate, '2026-12-04', 'temporary: six months');
    const atDischarge = await eligibility(p.psn_no, INSTITUTIONS.changshaHospital, '21', '2026-06-01', { enddate: '2026-06-10' });
    assert.equal(atDischarge.body.status, 'temporary_filed');
    assert.ok(atDischarge.body.reasons.some((r: any) => r.code === 'filed' && r.en.includes('after admission')));
    const settledBefore = await eligibility(p.psn_no, INSTITUTIONS.changshaHospital, '21', '2026-05-20', { enddate: '2026-05-28' });
    assert.equal(settledBefore.body.status, 'unfiled', 'a stay settled before the filing is not covered');
    const queue = await call('GET', '/api/v1/filings/queue?as_of=2026-06-05');
    assert.ok(queue.body.items.some((i: any) => i.filing_no === filed.body.filing_no && i.task === 'commitment_check'));
  });

  test('the review clock skips the National Day holiday and counts the adjusted working day; overdue items escalate', async () => {
    clock = new Date('2026-09-30T02:00:00Z'); // Wednesday before National Day
    const cross = await insertPerson(db.pool, '360400');
    const a = await call('POST', '/api/v1/filings', retireeFiling(cross.psn_no, { begndate: '2026-10-01' }));
    assert.equal(a.body.review_due, '2026-10-10', '10-01…07 off; 10-08, 10-09, then Saturday 10-10 is worked');
    const inProvince = await insertPerson(db.pool, '360400');
    const b = await call('POST', '/api/v1/filings', retireeFiling(inProvince.psn_no, { mdtrtarea_admdvs: '360100', begndate: '2026-10-01' }));
    assert.equal(b.body.review_due, '2026-10-08', 'in-province: 1 working day');

    const wd = await call('GET', '/api/v1/calendars/360400/working-days?from=2026-09-18&days=1');
    assert.equal(wd.body.due, '2026-09-20', 'Sunday 09-20 is 调休上班');

    const overdue = await call('GET', '/api/v1/filings/queue?as_of=2026-10-09');
    assert.equal(overdue.body.items.find((i: any) => i.filing_no === b.body.filing_no).overdue, true);
    assert.equal(overdue.body.items.find((i: any) => i.filing_no === a.body.filing_no).overdue, false);
    clock = new Date('2026-10-09T01:00:00Z');
    const esc = await call('POST', '/api/v1/filings/escalate', { opter: 'system-sla', as_of: '2026-10-09' });
    assert.deepEqual(esc.body.escalated.map((x: any) => x.filing_no), [b.body.filing_no]);
    const again = await call('POST', '/api/v1/filings/escalate', { opter: 'system-sla', as_of: '2026-10-09' });
    assert.deepEqual(again.body.escalated, [], 'once a day');

    // Staff maintain the calendar: a regional holiday moves the deadline.
    const set = await call('PUT', '/api/v1/calendars/360400/days/2026-11-02', { kind: 'holiday', name: '本地调整（测试）', opter: 'jj-staff-01' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal((await call('GET', '/api/v1/calendars/360400/working-days?from=2026-10-30&days=1')).body.due, '2026-11-03');
    assert.equal((await call('GET', '/api/v1/calendars/430100/working-days?from=2026-10-30&days=1')).body.due, '2026-11-02');
    const year = await call('GET', '/api/v1/calendars/360400/2026');
    assert.ok(year.body.days.some((d: any) => d.day === '2026-10-10' && d.kind === 'workday'));
  });

  test('a long-term filing changes only after six months, unless staff override', async () => {
    clock = new Date('2026-03-02T02:00:00Z');
    const p = await insertPerson(db.pool, '360400');
    const f = await call('POST', '/api/v1/filings', retireeFiling(p.psn_no, { commitment: true, evidence: [{ kind: 'commitment_letter', ref: 'c' }] }));
    assert.equal(f.body.status, 'effective');
    const early = await call('POST', `/api/v1/filings/${f.body.filing_no}/change`, { actor: { type: 'person', id: p.psn_no }, mdtrtarea_admdvs: '430200' });
    assert.equal(early.status, 409);
    assert.equal(early.body.details[0].field, 'filing_no');
    clock = new Date('2026-09-03T02:00:00Z');
    const later = await call('POST', `/api/v1/filings/${f.body.filing_no}/change`, { actor: { type: 'person', id: p.psn_no }, mdtrtarea_admdvs: '430200' });
    assert.equal(later.status, 201, JSON.stringify(later.body));
    assert.equal(later.body.mdtrtarea_admdvs, '430200');
    assert.equal(later.body.replaces_filing_no, f.body.filing_no);
    const old = await call('GET', `/api/v1/filings/${f.body.filing_no}`);
    assert.equal(old.body.filing.status, 'superseded');
  });
});

describe('chronic diseases and the 赣湘 agreement', () => {
  test('an agreement-only disease settles between members and is refused between non-members', async () => {
    clock = new Date('2026-03-02T02:00:00Z');
    const ag = await call('POST', '/api/v1/agreements', {
      agreement_no: 'GX10-2026',
      name: '赣湘10设区市医保合作协议',
      begndate: '2026-01-01',
      members: GANXIANG_MEMBERS,
      opter: 'gx-office',
      clauses: [{ kind: 'extra_chronic_diseases' }, { kind: 'pooling_pharmacies' }, { kind: 'inpatient_dip_budget' }, { kind: 'data_sharing' }, { kind: 'assistance_investigation' }],
      extra_diseases: [{ code: 'GX01', name: '帕金森病', icd10_ranges: ['G20'] }],
      pooling_pharmacies: [
        { county_admdvs: '430102', fixmedins_code: INSTITUTIONS.changshaPharmacy1 },
        { county_admdvs: '430103', fixmedins_code: INSTITUTIONS.changshaPharmacy2 },
      ],
    });
    assert.equal(ag.status, 201, JSON.stringify(ag.body));
    assert.equal(ag.body.members.length, 10);
    assert.ok(ag.body.pharmacy_shortfall.some((s: any) => s.county_admdvs === '430102' && s.designated === 1));

    const list = await call('PUT', '/api/v1/chronic-diseases/360400/JJ-PD', { name: '帕金森病', icd10_ranges: ['G20'], validity_months: 24, valid_from: '2020-01-01', opter: 'jj-staff-01' });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const p = await insertPerson(db.pool, '360400');
    const rec = await call('POST', '/api/v1/recognitions', {
      psn_no: p.psn_no,
      opsp_dise_code: 'JJ-PD',
      diag_code: 'G20.x00',
      ide_fixmedins_code: INSTITUTIONS.jiujiangHospital,
      diag_dr_codg: 'D3604001',
      diag_dr_name: '王医生',
      hosp_ide_date: '2026-02-20',
      evidence: [{ kind: 'diagnosis', ref: 'dx-1' }],
    });
    assert.equal(rec.status, 201, JSON.stringify(rec.body));
    assert.equal(rec.body.status, 'pending_review');
    assert.equal(rec.body.enddate, '2028-02-19', 'valid 24 months');
    const rq = await call('GET', '/api/v1/recognitions/queue?as_of=2026-03-10&insuplc_admdvs=360400');
    assert.deepEqual(rq.body.items.map((i: any) => [i.recognition_no, i.review_due, i.overdue]), [[rec.body.recognition_no, '2026-03-09', true]]);
    const ok = await call('POST', `/api/v1/recognitions/${rec.body.recognition_no}/review`, { decision: 'approve', opter: 'jj-staff-02' });
    assert.equal(ok.body.status, 'recognised');

    const member = await eligibility(p.psn_no, INSTITUTIONS.changshaHospital, '14', '2026-03-03', { diag_code: 'G20.x00' });
    assert.equal(member.body.allowed, true, JSON.stringify(member.body.reasons));
    assert.equal(member.body.terms.chronicDisease.basis, 'agreement');
    assert.equal(member.body.terms.chronicDisease.agreementNo, 'GX10-2026');
    const posted = await call('POST', '/api/v1/eligibility', { psn_no: p.psn_no, fixmedins_code: INSTITUTIONS.changshaHospital, med_type: '14', begndate: '2026-03-03', diag_code: 'G20.x00' });
    assert.deepEqual(posted.body, member.body, 'GET and POST answer alike');
    const nonMember = await eligibility(p.psn_no, INSTITUTIONS.beijingHospital, '14', '2026-03-03', { diag_code: 'G20.x00' });
    assert.equal(nonMember.body.allowed, false);
    assert.equal(nonMember.body.reasons.at(-1).code, 'chronic_not_cross_province');

    // The same person's inpatient stay in Changsha enters the treatment place's DIP budget.
    const stay = await eligibility(p.psn_no, INSTITUTIONS.changshaHospital, '21', '2026-03-03');
    assert.equal(stay.body.terms.inpatientPayment, 'treatment_place_dip_budget');
    const pharmacy = await eligibility(p.psn_no, INSTITUTIONS.changshaPharmacy1, '41', '2026-03-03');
    assert.equal(pharmacy.body.allowed, true);

    // Revoking the recognition stops it counting.
    await call('POST', `/api/v1/recognitions/${rec.body.recognition_no}/revoke`, { opter: 'jj-staff-02', reason: '复核不符' });
    assert.equal((await eligibility(p.psn_no, INSTITUTIONS.changshaHospital, '14', '2026-03-03', { diag_code: 'G20.x00' })).body.allowed, false);
  });

  test('separately paid drugs need the recognised disease, the responsible doctor and a designated dispenser', async () => {
    const p = await insertPerson(db.pool, '360400');
    await call('PUT', '/api/v1/chronic-diseases/360400/JJ-BC', { name: '乳腺癌（特殊疾病）', icd10_ranges: ['C50'], validity_months: 12, valid_from: '2020-01-01', opter: 'jj-staff-01' });
    const drug = await call('PUT', '/api/v1/separately-paid-drugs/360400/XDRUG001', { drug_name: '曲妥珠单抗注射液', icd10_ranges: ['C50'], dispensers: [INSTITUTIONS.jiujiangHospital], opter: 'jj-staff-01' });
    assert.equal(drug.status, 200, JSON.stringify(drug.body));
    const rec = await call('POST', '/api/v1/recognitions', {
      psn_no: p.psn_no, opsp_dise_code: 'JJ-BC', diag_code: 'C50.900', ide_fixmedins_code: INSTITUTIONS.jiujiangHospital,
      diag_dr_codg: 'D1', diag_dr_name: '李医生', hosp_ide_date: '2026-02-01', resp_dr_codg: 'D1', resp_dr_name: '李医生',
      filer: { type: 'hospital', id: INSTITUTIONS.jiujiangHospital }, evidence: [{ kind: 'diagnosis', ref: 'path-1' }],
    });
    assert.equal(rec.body.status, 'recognised', 'identified by the designated hospital');
    const ok = await eligibility(p.psn_no, INSTITUTIONS.jiujiangHospital, '11', '2026-03-03', { drug_code: 'XDRUG001', dr_codg: 'D1' });
    assert.equal(ok.body.allowed, true, JSON.stringify(ok.body.reasons));
    assert.equal(ok.body.terms.separatelyPaidDrug.drugCode, 'XDRUG001');
    const wrongDoctor = await eligibility(p.psn_no, INSTITUTIONS.jiujiangHospital, '11', '2026-03-03', { drug_code: 'XDRUG001', dr_codg: 'D2' });
    assert.equal(wrongDoctor.body.allowed, false);
    const renewal = await call('POST', `/api/v1/recognitions/${rec.body.recognition_no}/renew`, {
      diag_code: 'C50.900', ide_fixmedins_code: INSTITUTIONS.jiujiangHospital, diag_dr_codg: 'D1', diag_dr_name: '李医生', hosp_ide_date: '2027-01-10',
      filer: { type: 'hospital', id: INSTITUTIONS.jiujiangHospital }, evidence: [{ kind: 'diagnosis', ref: 'path-2' }],
    });
    assert.equal(renewal.status, 201, JSON.stringify(renewal.body));
    assert.equal(renewal.body.begndate, '2027-02-01');
    assert.equal(renewal.body.renews_no, rec.body.recognition_no);
  });
});

describe('bad input writes nothing', () => {
  test('each refusal names its field and leaves every table as it was', async () => {
    clock = new Date('2026-03-02T02:00:00Z');
    const p = await insertPerson(db.pool, '360400');
    const first = await call('POST', '/api/v1/filings', retireeFiling(p.psn_no, { commitment: true, evidence: [{ kind: 'commitment_letter', ref: 'c' }] }));
    assert.equal(first.status, 201);
    const counts = await coopCounts(db.pool);

    const cases: [string, string, unknown, number, string][] = [
      ['overlapping filing', '/api/v1/filings', retireeFiling(p.psn_no, { mdtrtarea_admdvs: '430200', begndate: '2026-04-01' }), 409, 'begndate'],
      ['filing into one’s own region', '/api/v1/filings', retireeFiling(p.psn_no, { mdtrtarea_admdvs: '360400' }), 400, 'mdtrtarea_admdvs'],
      ['dates out of order', '/api/v1/filings', { ...retireeFiling(p.psn_no), kind: 'temporary_other', mdtrtarea_admdvs: '110100', begndate: '2026-05-01', enddate: '2026-04-01', evidence: [] }, 400, 'enddate'],
      ['missing evidence', '/api/v1/filings', retireeFiling(p.psn_no, { kind: 'posted_worker', mdtrtarea_admdvs: '110100', evidence: [] }), 400, 'evidence'],
      ['grid worker without consent', '/api/v1/filings', retireeFiling(p.psn_no, { kind: 'temporary_other', mdtrtarea_admdvs: '110100', filer: { type: 'grid_worker', id: 'g1' } }), 400, 'filer.consent_ref'],
      ['unknown disease code', '/api/v1/recognitions', { psn_no: p.psn_no, opsp_dise_code: 'NOPE', diag_code: 'I10.x00', ide_fixmedins_code: INSTITUTIONS.jiujiangHospital, diag_dr_codg: 'D1', diag_dr_name: '医生', hosp_ide_date: '2026-02-01', evidence: [{ kind: 'diagnosis', ref: 'x' }] }, 400, 'opsp_dise_code'],
      ['diagnosis outside the disease', '/api/v1/recognitions', { psn_no: p.psn_no, opsp_dise_code: 'CP01', diag_code: 'E11.900', ide_fixmedins_code: INSTITUTIONS.jiujiangHospital, diag_dr_codg: 'D1', diag_dr_name: '医生', hosp_ide_date: '2026-02-01', evidence: [{ kind: 'diagnosis', ref: 'x' }] }, 400, 'diag_code'],
      ['recognition without a diagnosis document', '/api/v1/recognitions', { psn_no: p.psn_no, opsp_dise_code: 'CP01', diag_code: 'I10.x00', ide_fixmedins_code: INSTITUTIONS.jiujiangHospital, diag_dr_codg: 'D1', diag_dr_name: '医生', hosp_ide_date: '2026-02-01', evidence: [] }, 400, 'evidence'],
      ['agreement naming a region twice', '/api/v1/agreements', { agreement_no: 'DUP-1', name: '重复成员', begndate: '2026-01-01', members: ['360400', '430100', '360400'], clauses: [], opter: 's' }, 400, 'members/2'],
      ['agreement dates out of order', '/api/v1/agreements', { agreement_no: 'DATE-1', name: '日期', begndate: '2026-01-01', enddate: '2025-01-01', members: ['360400', '430100'], clauses: [], opter: 's' }, 400, 'enddate'],
      // issue 11, defect 3: impossible and far-off dates, a time of 25 o'clock behind a real day
      ['filing on 30 February', '/api/v1/filings', { ...retireeFiling(p.psn_no), kind: 'temporary_other', mdtrtarea_admdvs: '110100', begndate: '2026-02-30', evidence: [] }, 400, 'begndate'],
      ['filing ending in 9999', '/api/v1/filings', { ...retireeFiling(p.psn_no), kind: 'temporary_other', mdtrtarea_admdvs: '110100', begndate: '2026-05-01', enddate: '9999-12-31', evidence: [] }, 400, 'enddate'],
      ['filing ending at 25:00', '/api/v1/filings', { ...retireeFiling(p.psn_no), kind: 'temporary_other', mdtrtarea_admdvs: '110100', begndate: '2026-05-01', enddate: '2026-06-01 25:00:00', evidence: [] }, 400, 'enddate'],
      ['agreement from year 0000', '/api/v1/agreements', { agreement_no: 'Y0-1', name: '零年', begndate: '0000-01-01', members: ['360400', '430100'], clauses: [], opter: 's' }, 400, 'begndate'],
      ['agreement with an unknown region', '/api/v1/agreements', { agreement_no: 'UNK-1', name: '未知', begndate: '2026-01-01', members: ['360400', '999900'], clauses: [], opter: 's' }, 400, 'members/1'],
    ];
    for (const [name, url, payload, status, field] of cases) {
      const res = await call('POST', url, payload);
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.ok(res.body.details.some((d: any) => d.field === field), `${name}: expected field ${field}, got ${JSON.stringify(res.body.details)}`);
      assert.ok(res.body.message.includes(' / '), `${name}: bilingual message`);
      assert.deepEqual(await coopCounts(db.pool), counts, `${name}: nothing written`);
    }
    const review = await call('POST', `/api/v1/filings/${first.body.filing_no}/review`, { decision: 'approve', opter: 's' });
    assert.equal(review.status, 409, 'an effective filing is not waiting for review');
    const reject = await call('POST', `/api/v1/filings/${first.body.filing_no}/commitment-check`, { result: 'failed', opter: 's' });
    assert.equal(reject.status, 400);
    assert.equal(reject.body.details[0].field, 'reason');
    assert.deepEqual(await coopCounts(db.pool), counts);
  });
});
