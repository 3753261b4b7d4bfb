import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { readConfig } from '../src/server/config.ts';
import { seedAll } from '../src/cli/seed.ts';
import { chinaDate } from '../src/engine/calendar.ts';
import { makeIdCard } from '../src/engine/idcard.ts';
import { ROUTES } from '../src/server/auth/access.ts';
import { createFiling } from '../src/app/cooperation/filings.ts';
import { applyRecognition } from '../src/app/cooperation/recognitions.ts';
import { previewIdentityImport } from '../src/app/registry/identities.ts';
import type { Fixtures } from '../src/demo/generate.ts';
import type { StaffRole } from '../src/store/auth/principal.ts';
import { personCookie, staffCookie } from './support/auth.ts';
import { sendStaffMessage } from '../src/store/cooperation/staff-messages.ts';
import { openSupervisionCase, SYSTEM } from '../src/app/supervision/cases.ts';
import { hashPassword } from '../src/store/auth/passwords.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// Issue 11, defect 1: whose data a request touches is decided from the resource the server
// loads, never from whichever parameter the client also wrote. On the seeded demo, every route
// of /openapi.json is called by every role with the subject named in the path, the query and
// the body, disagreeing in every way (a Deyang person where a Changsha one is expected and the
// other way round): never a 2xx that shows a foreign person, never a write to one.

const committed = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../demo/fixtures.json'), 'utf8')) as Fixtures;
const persona = (key: string) => {
  const p = committed.personas.find((x) => x.key === key)!;
  return { psn_no: p.psn_no, certno: p.certno, psn_name: p.psn_name };
};
const CHANGSHA = persona('changsha_pupil'); // 杨子涵, insured in Changsha 430102
const SHIFENG = persona('zhuzhou_shifeng_resident'); // 谭秀英, who consented to sf.grid
const DEYANG = persona('deyang_severely_disabled_assisted'); // 罗小琴, insured in Deyang 510603
const HOSPITAL = committed.institutions.find((i) => i.key === 'changsha_level3_hospital')!.fixmedins_code;

/** What one side of a request names: a person and their filing, recognition, import batch, a region. */
interface Side {
  person: { psn_no: string; certno: string };
  filing_no: string;
  recognition_no: string;
  import_id: number;
  message_id: number;
  /** A message to the side's bureau (the staff inbox). */
  staff_message_id: number;
  /** A settlement both insured and treated in the side's province (the payment case route). */
  setl_id: string;
  /** A supervision finding on that settlement (the supervisor's evidence route). */
  finding_id: number;
  /** A 协查 request with the side's region on both ends (the investigation routes). */
  investigation_no: string;
  /** A supervision case opened from it (the case routes), and the institution it is against. */
  case_no: string;
  institution: string;
  region: string;
  /** The FHIR API's ids of the side's person: an enrollment (Coverage) and the settlement's visit (Claim). */
  coverage_id: string;
  mdtrt_id: string;
}

let db: TestDatabase;
let app: FastifyInstance;
const now = new Date();
const today = chinaDate(now);
let deyang: Side;
let changsha: Side;
let shifeng: Side;
let agreementNo: string;
/** Each role, signed in, with what is theirs (local); the Deyang side is foreign to all of them. */
let callers: { role: string; cookie: string; local: Side }[];

async function sideOf(p: { psn_no: string; certno: string }, region: string, insured: string): Promise<Side> {
  const staff = { type: 'staff' as const, id: 'sweep', name: 'sweep' };
  // The demo may already hold a filing or recognition for them; one of each is enough.
  const existing = async (table: string, col: string) => (await db.pool.query(`SELECT ${col} AS v FROM ${table} WHERE psn_no = $1 LIMIT 1`, [p.psn_no])).rows[0]?.v as string | undefined;
  const filingNo = (await existing('filings', 'filing_no')) ?? (await createFiling(db.pool, now, {
    psn_no: p.psn_no, kind: 'temporary_other', mdtrtarea_admdvs: '110100', begndate: today, enddate: null,
    filer: { type: 'staff', id: 'sweep' }, commitment: true, evidence: [{ kind: 'commitment_letter', ref: 'sweep.pdf' }],
  })).filing_no;
  const recognitionNo = (await existing('recognitions', 'recognition_no')) ?? (await applyRecognition(db.pool, now, {
    psn_no: p.psn_no, opsp_dise_code: 'CP01', diag_code: 'I10.x00', ide_fixmedins_code: HOSPITAL, diag_dr_codg: 'DR-1', diag_dr_name: '医师',
    hosp_ide_date: today, filer: { type: 'person', id: p.psn_no }, evidence: [{ kind: 'diagnosis', ref: 'sweep.pdf' }],
  })).recognition_no;
  const batch = await previewIdentityImport(db.pool, { source: 'civil_affairs', admdvs: insured, csv: `certno,psn_idet_type,begntime\n${p.certno},2102,2026-01-01\n` }, { actor: staff.id, now });
  const message = await db.pool.query(`SELECT id FROM notifications WHERE psn_no = $1 AND channel = 'in_app' ORDER BY id LIMIT 1`, [p.psn_no]);
  await sendStaffMessage(db.pool, now, [region], { subject: `sweep:${region}`, title: { zh: '扫描', en: 'sweep' }, body: { zh: '扫描', en: 'sweep' }, urgent: false });
  const staffMessage = await db.pool.query<{ id: number }>(`SELECT id::int AS id FROM staff_messages WHERE admdvs = $1 AND subject = $2`, [region, `sweep:${region}`]);
  const setl = await db.pool.query<{ setl_id: string; mdtrt_id: string }>(
    `SELECT setl_id, mdtrt_id FROM settlements WHERE left(insuplc_admdvs, 2) = $1 AND left(mdtrtarea_admvs, 2) = $1 ORDER BY setl_id LIMIT 1`, [region.slice(0, 2)],
  );
  assert.ok(setl.rows[0], `the demo has a settlement within ${region.slice(0, 2)}`);
  const finding = await db.pool.query<{ id: number }>(
    `INSERT INTO supervision_findings (fingerprint, stage, rule_code, rule_version, rule_type, severity, mdtrt_id, setl_id, psn_no, fixmedins_code, mdtrtarea_admvs, insuplc_admdvs, amount_fen, vola_cont, found_at)
     SELECT 'SWEEP:' || $2 || ':' || mdtrt_id, 'after', 'SWEEP', 1, 'duplicate_charging', 'hint', mdtrt_id, setl_id, psn_no, fixmedins_code, mdtrtarea_admvs, insuplc_admdvs, 0, '{"zh":"扫描","en":"sweep"}', now()
       FROM settlements WHERE setl_id = $1 RETURNING id::int AS id`,
    [setl.rows[0].setl_id, region],
  );
  // A 协查 request of the side's own province (asking and answering cities both there), as rows:
  // the Deyang one has no agreement to be raised under, and the sweep only needs it to exist.
  const caseNo = `XC${region}20260101${String(finding.rows[0]!.id).padStart(6, '0')}`;
  const answering = region.startsWith('43') ? (region.startsWith('4301') ? '430200' : '430100') : '510700';
  const request = await db.pool.query<{ id: number }>(
    `INSERT INTO cases (kind, number, region, psn_no, state, opened_at, due_on, remind_on) VALUES ('investigation_request', $1, $2, $3, 'requested', now(), '2030-01-01', '2029-12-31') RETURNING id::int`,
    [caseNo, `${region.slice(0, 4)}00`, p.psn_no],
  );
  await db.pool.query(
    `INSERT INTO investigation_requests (case_id, case_no, psn_no, requesting_admdvs, answering_admdvs, agreement_no, accept_days, answer_days, subject, reason, raised_by, raised_at)
     VALUES ($1, $2, $3, $4, $5, $6, 5, 30, '扫描', '扫描', 'sweep', now())`,
    [request.rows[0]!.id, caseNo, p.psn_no, `${region.slice(0, 4)}00`, answering, agreementNo],
  );
  const kase = await openSupervisionCase(db.pool, now, SYSTEM, { finding_ids: [finding.rows[0]!.id], reason: 'sweep' });
  const enrollment = await db.pool.query<{ id: string }>('SELECT id::text AS id FROM enrollments WHERE psn_no = $1 ORDER BY id LIMIT 1', [p.psn_no]);
  return {
    person: p, filing_no: filingNo, recognition_no: recognitionNo, import_id: batch.id, message_id: message.rows[0]?.id ?? 0, staff_message_id: staffMessage.rows[0]!.id,
    setl_id: setl.rows[0].setl_id, finding_id: finding.rows[0]!.id, investigation_no: caseNo, case_no: kase.case_no, institution: kase.fixmedins_code, region,
    coverage_id: enrollment.rows[0]!.id, mdtrt_id: setl.rows[0].mdtrt_id,
  };
}

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 60 }, () => undefined);
  app = await buildApp({ pool: db.pool, now: () => now });
  agreementNo = (await db.pool.query('SELECT agreement_no FROM agreements LIMIT 1')).rows[0].agreement_no;
  deyang = await sideOf(DEYANG, '510600', '510600');
  changsha = await sideOf(CHANGSHA, '430100', '430100');
  shifeng = await sideOf(SHIFENG, '430204', '430200');
  // The demo's accounts keep their own role and regions (the arguments only make a missing one).
  const staff = async (username: string, role: StaffRole = 'clerk', regions = ['430100']) => staffCookie(db.pool, { username, role, regions });
  callers = [
    { role: 'person', cookie: await personCookie(db.pool, CHANGSHA.psn_no), local: changsha },
    { role: 'clerk', cookie: await staff('cs.clerk'), local: changsha },
    { role: 'reviewer', cookie: await staff('cs.reviewer'), local: changsha },
    { role: 'supervisor', cookie: await staff('hn.supervisor'), local: changsha },
    { role: 'finance', cookie: await staff('hn.finance'), local: changsha },
    { role: 'grid worker', cookie: await staff('sf.grid'), local: shifeng },
    // An administrator of one city: the deployment-wide one has no foreign region to test.
    { role: 'administrator', cookie: await staff('cs.admin', 'admin', ['430100']), local: changsha },
    // An institution's account: the institution the Changsha side's finding and case are against.
    { role: 'institution', cookie: await institutionCookie('sweep.hospital', changsha.institution), local: changsha },
  ];
});
after(async () => {
  await app?.close();
  await db?.drop();
});

type Json = Record<string, unknown>;

/** An institution's account (role institution, migration 026) bound to the institution given, signed in. */
async function institutionCookie(username: string, fixmedinsCode: string): Promise<string> {
  const region = (await db.pool.query<{ admdvs: string }>('SELECT admdvs FROM institutions WHERE fixmedins_code = $1', [fixmedinsCode])).rows[0]!.admdvs;
  await db.pool.query(
    `INSERT INTO staff_accounts (username, display_name, role, regions, password_hash, fixmedins_code) VALUES ($1, $1, 'institution', $2, $3, $4) ON CONFLICT (username) DO NOTHING`,
    [username, [region], await hashPassword('sweep-password-1'), fixmedinsCode],
  );
  // signed in as anyone would (the app's clock stands still for the sweep, so the session does not idle out)
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/staff', payload: { username, password: 'sweep-password-1' } });
  assert.equal(res.statusCode, 200, res.body);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

async function call(method: string, url: string, cookie: string, payload?: Json) {
  const res = await app.inject({ method: method as 'GET', url, headers: { cookie }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, text: res.body, json: () => res.json() };
}

/** Everything stored about the Deyang person and the Deyang region, as one comparable value. */
async function deyangRows(): Promise<Record<string, string>> {
  const cols = await db.pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND column_name IN ('psn_no', 'admdvs', 'insuplc_admdvs', 'list_admdvs')
       AND table_name NOT LIKE 'dashboard%' AND table_name <> 'sessions'`,
  );
  const out: Record<string, string> = {};
  for (const { table_name: t, column_name: c } of cols.rows) {
    const where = c === 'psn_no' ? `${c} = '${DEYANG.psn_no}'` : `${c} LIKE '5106%'`;
    const r = await db.pool.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${t}" x WHERE ${where}`);
    out[`${t}.${c}`] = `${r.rows[0].n}:${r.rows[0].h}`;
  }
  // a grid worker refused for want of consent is audited with both persons by design (issue 16): that entry is the refusal, not a write
  const audit = await db.pool.query(
    `SELECT count(*)::int AS n FROM audit_log x WHERE (x::text LIKE $1 OR x::text LIKE $2) AND x.action NOT IN ('grid.proxy_refused', 'application.proxy_refused')`,
    [`%${DEYANG.psn_no}%`, `%${DEYANG.certno}%`],
  );
  out.audit_log = String(audit.rows[0].n);
  return out;
}

const counts = async (psn: string) => {
  const r = await db.pool.query(
    `SELECT (SELECT count(*)::int FROM contributions WHERE psn_no = $1) AS contributions, (SELECT count(*)::int FROM person_identities WHERE psn_no = $1) AS identities`,
    [psn],
  );
  return r.rows[0] as { contributions: number; identities: number };
};

describe('the reproduced bypasses', () => {
  test('a Changsha clerk cannot read a Deyang person by adding a Changsha psn_no to the query', async () => {
    const cs = callers.find((c) => c.role === 'clerk')!.cookie;
    assert.equal((await call('GET', `/api/v1/persons/${DEYANG.certno}`, cs)).status, 403);
    const trick = await call('GET', `/api/v1/persons/${DEYANG.certno}?psn_no=${CHANGSHA.psn_no}`, cs);
    assert.equal(trick.status, 403, trick.text);
    assert.doesNotMatch(trick.text, new RegExp(DEYANG.psn_no));
    // The other way round: their own person in the path, a Deyang psn_no beside it, is a 400
    // naming the field (a comparison of the two keys, nothing loaded for the Deyang one).
    const other = await call('GET', `/api/v1/persons/${CHANGSHA.certno}?psn_no=${DEYANG.psn_no}`, cs);
    assert.equal(other.status, 400, other.text);
    assert.equal(other.json().details[0].field, 'psn_no', 'the disagreeing field is named');
    assert.doesNotMatch(other.text, new RegExp(DEYANG.certno));
    // Nor by any other spelling of the same trick.
    for (const q of [`certno=${CHANGSHA.certno}`, `psn_no=${CHANGSHA.psn_no}&certno=${CHANGSHA.certno}`, `psn_no=${CHANGSHA.psn_no}&psn_no=${CHANGSHA.psn_no}`]) {
      const r = await call('GET', `/api/v1/persons/${DEYANG.certno}/insurance-history?${q}`, cs);
      assert.equal(r.status, 403, `${q}: ${r.status}`);
    }
  });

  test('nor write a contribution or a 低保 identity to them that way', async () => {
    const cs = callers.find((c) => c.role === 'clerk')!.cookie;
    const before = await counts(DEYANG.psn_no);
    const paid = await call('POST', `/api/v1/persons/${DEYANG.certno}/contributions?psn_no=${CHANGSHA.psn_no}`, cs, { year: 2026, amount_fen: 38000, payer: 'person' });
    assert.equal(paid.status, 403, paid.text);
    const idet = await call('POST', `/api/v1/persons/${DEYANG.certno}/identities?psn_no=${CHANGSHA.psn_no}`, cs, { psn_idet_type: '2102', begntime: '2026-01-01' });
    assert.equal(idet.status, 403, idet.text);
    assert.deepEqual(await counts(DEYANG.psn_no), before, 'nothing written to the Deyang person');
    // The same writes for the clerk's own person still work.
    const own = await call('POST', `/api/v1/persons/${CHANGSHA.certno}/contributions`, cs, { year: 2026, amount_fen: 100, payer: 'person' });
    assert.equal(own.status, 201, own.text);
  });

  test('nor read a Deyang filing or recognition with a Changsha psn_no beside its number', async () => {
    const cs = callers.find((c) => c.role === 'clerk')!.cookie;
    for (const url of [`/api/v1/filings/${deyang.filing_no}`, `/api/v1/recognitions/${deyang.recognition_no}`]) {
      assert.equal((await call('GET', url, cs)).status, 403, url);
      const trick = await call('GET', `${url}?psn_no=${CHANGSHA.psn_no}`, cs);
      assert.equal(trick.status, 403, `${url}: ${trick.text}`);
    }
    assert.equal((await call('GET', `/api/v1/filings/${changsha.filing_no}`, cs)).status, 200, 'their own region’s filing');
  });

  test('an insured person cannot read another person by naming themself in the query', async () => {
    const me = callers.find((c) => c.role === 'person')!.cookie;
    assert.equal((await call('GET', `/api/v1/persons/${CHANGSHA.certno}`, me)).status, 200);
    for (const url of [`/api/v1/persons/${DEYANG.certno}?psn_no=${CHANGSHA.psn_no}`, `/api/v1/inbox/${DEYANG.psn_no}?psn_no=${CHANGSHA.psn_no}`, `/api/v1/filings/${deyang.filing_no}?psn_no=${CHANGSHA.psn_no}`]) {
      const r = await call('GET', url, me);
      assert.equal(r.status, 403, `${url}: ${r.status} ${r.text}`);
    }
    // An application names its person once: a second, different name is refused.
    const both = await call('POST', '/api/v1/filings', me, { psn_no: CHANGSHA.psn_no, certno: DEYANG.certno, kind: 'temporary_other', mdtrtarea_admdvs: '110100', begndate: today, commitment: true });
    assert.equal(both.status, 400, both.text);
    assert.equal(both.json().details[0].field, 'certno');
  });

  test('a clerk cannot enroll their own person into another region (which would move them there)', async () => {
    const cs = callers.find((c) => c.role === 'clerk')!.cookie;
    const admin = await staffCookie(db.pool, { username: 'sweep.root', role: 'admin', regions: ['000000'] });
    const certno = makeIdCard('430102', '1988-08-08', 31);
    assert.equal((await call('POST', '/api/v1/persons', cs, { certno, psn_name: '新参保', insuplc_admdvs: '430102' })).status, 201);
    const elsewhere = await call('POST', `/api/v1/persons/${certno}/enrollments`, cs, { insutype: '390', psn_type: '1501', insuplc_admdvs: '510603' });
    assert.equal(elsewhere.status, 403, elsewhere.text);
    const row = await db.pool.query('SELECT insuplc_admdvs FROM persons WHERE certno = $1', [certno]);
    assert.equal(row.rows[0].insuplc_admdvs, '430102', 'still insured in Changsha');
    assert.equal((await call('POST', `/api/v1/persons/${certno}/enrollments`, cs, { insutype: '390', psn_type: '1501', insuplc_admdvs: '430102' })).status, 201);
    assert.equal((await call('GET', `/api/v1/persons/${certno}`, admin)).status, 200);
  });

  test('the sharing report of an agreement is read by its members’ staff only, decided from the loaded agreement', async () => {
    const member = callers.find((c) => c.role === 'supervisor')!.cookie;
    const url = `/api/v1/supervision/sharing/${encodeURIComponent(agreementNo)}?month=${today.slice(0, 7)}`;
    const ok = await call('GET', url, member);
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json().members.length >= 2);
    const outsider = await staffCookie(db.pool, { username: 'dy.supervisor', role: 'supervisor', regions: ['510600'] });
    for (const u of [url, `${url}&format=csv`, `${url}&admdvs=430100&insuplc_admdvs=430100`]) {
      const r = await call('GET', u, outsider);
      assert.equal(r.status, 403, `${u}: ${r.text}`);
    }
    assert.equal((await call('GET', `/api/v1/supervision/sharing/NO-SUCH?month=${today.slice(0, 7)}`, member)).status, 404);
    // Publishing a library: only for a region the caller covers, whatever the document says.
    const foreign = await call('POST', '/api/v1/supervision/rules', member, { admdvs: '510600', doc: { rules_id: 'x', version: 1, admdvs: '510600', rules: [] } });
    assert.equal(foreign.status, 403, foreign.text);
  });

  test('a supervisor escalates overdue filings of their own regions only', async () => {
    await db.pool.query(`UPDATE filings SET status = 'pending_review', review_due = '2020-01-01' WHERE filing_no = ANY ($1)`, [[deyang.filing_no, changsha.filing_no]]);
    await db.pool.query(
      `UPDATE cases SET state = 'pending_review', due_on = '2020-01-01', closed_at = NULL, escalated_at = NULL WHERE kind = 'filing_review' AND number = ANY ($1)`,
      [[deyang.filing_no, changsha.filing_no]],
    );
    const sup = callers.find((c) => c.role === 'supervisor')!.cookie;
    const r = await call('POST', '/api/v1/filings/escalate', sup, {});
    assert.equal(r.status, 200, r.text);
    const escalated = (r.json().escalated as { filing_no: string }[]).map((e) => e.filing_no);
    assert.ok(escalated.includes(changsha.filing_no));
    assert.ok(!escalated.includes(deyang.filing_no), 'the Deyang filing is not Hunan’s to escalate');
  });
});

describe('协查 requests', () => {
  test('a supervisor sees a request only when one of its two cities is theirs, whatever the query names', async () => {
    const sup = callers.find((c) => c.role === 'supervisor')!.cookie;
    assert.equal((await call('GET', `/api/v1/supervision/investigations/${changsha.investigation_no}`, sup)).status, 200);
    for (const q of ['', `?psn_no=${CHANGSHA.psn_no}`, `?case_no=${changsha.investigation_no}`]) {
      const r = await call('GET', `/api/v1/supervision/investigations/${deyang.investigation_no}${q}`, sup);
      assert.equal(r.status, 404, `${q}: ${r.text}`);
      assert.doesNotMatch(r.text, new RegExp(DEYANG.psn_no));
    }
    const moved = await call('POST', `/api/v1/supervision/investigations/${deyang.investigation_no}/moves`, sup, { move: 'accept' });
    assert.equal(moved.status, 404, moved.text);
    const outbox = await call('GET', '/api/v1/supervision/investigations?box=outbox', sup);
    assert.ok(outbox.json().items.some((i: { case_no: string }) => i.case_no === changsha.investigation_no));
    assert.doesNotMatch(outbox.text, new RegExp(deyang.investigation_no));
  });
});

describe('every route of /openapi.json', () => {
  test('every /api/v1 and /fhir/R4 route is declared in access.ts (who may call it, what it touches), and nothing else is', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(spec.paths)
      .filter(([p]) => p.startsWith('/api/v1/') || p.startsWith('/fhir/R4/'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`))
      .sort();
    assert.deepEqual(served, Object.keys(ROUTES).sort());
  });

  test('a route without a declaration does not start', async () => {
    const other = await buildApp({ pool: db.pool, now: () => now });
    try {
      assert.throws(() => other.get('/api/v1/undeclared', async () => ({})), /access\.ts/);
    } finally {
      await other.close();
    }
  });

  test('the sweep: every role, every route, the subject in path, query and body disagreeing — no foreign 2xx, no foreign write', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema: { additionalProperties?: boolean; properties?: Json } } } } }>>;
    };
    // Sign-in is public by design and sign-out would end the sweep's own sessions.
    const ops = Object.entries(spec.paths)
      .filter(([p]) => (p.startsWith('/api/v1/') || p.startsWith('/fhir/R4/')) && !/^\/api\/v1\/auth\/(staff|code|person|sign-out|sign-out-everywhere)$/.test(p))
      .flatMap(([p, byMethod]) => Object.entries(byMethod).map(([m, op]) => ({ method: m.toUpperCase(), path: p, op })));
    assert.ok(ops.length > 60, `the sweep covers the routes (${ops.length})`);

    const foreignMarks = [DEYANG.psn_no, DEYANG.certno, deyang.filing_no, deyang.recognition_no, deyang.investigation_no, deyang.case_no];
    // Reference reads that any signed-in caller may make for any region.
    const REFERENCE_READ = /^GET \/(api\/v1\/(regions|calendars|chronic-diseases|institutions|agreements|policies)|fhir\/R4\/(Organization|CodeSystem))\//;
    const SCOPE_PARAMS = new Set(['certno', 'psn_no', 'filing_no', 'no', 'id', 'admdvs', 'list_admdvs', 'setl_id', 'case_no']);

    let fresh = 0;
    // the FHIR API's ids: each type's own key of the side's records
    const fhirId = (s: Side, route: string): string => {
      const type = /^\/fhir\/R4\/(\w+)\//.exec(route)?.[1];
      return type === 'Patient' ? s.person.psn_no : type === 'Coverage' ? s.coverage_id : type === 'Claim' ? s.mdtrt_id
        : type === 'ClaimResponse' || type === 'ExplanationOfBenefit' ? s.setl_id : type === 'Organization' ? HOSPITAL : type === 'CodeSystem' ? 'insutype' : 'x';
    };
    const pathValue = (name: string, s: Side, route: string): string => {
      if (route.startsWith('/fhir/R4/') && name === 'id') return fhirId(s, route);
      switch (name) {
        case 'certno': return s.person.certno;
        case 'psn_no': return s.person.psn_no;
        case 'filing_no': return s.filing_no;
        case 'no': return s.recognition_no;
        case 'id': return route.includes('/staff-inbox/') ? String(s.staff_message_id) : route.includes('/inbox/') ? String(s.message_id) : route.includes('/supervision/findings/') ? String(s.finding_id) : String(s.import_id);
        case 'admdvs': case 'list_admdvs': case 'code': return s.region;
        case 'setl_id': return s.setl_id;
        case 'case_no': return route.includes('/investigations/') ? s.investigation_no : s.case_no;
        case 'year': return '2026';
        case 'day': return '2026-10-09';
        case 'fixmedins_code': return HOSPITAL;
        case 'agreement_no': return agreementNo;
        case 'policy_file': return '430100-390-2026.json';
        default: return 'x';
      }
    };
    const baseQuery = (route: string): Json => ({
      'GET /api/v1/eligibility': { fixmedins_code: HOSPITAL, med_type: '11', begndate: today },
      'GET /api/v1/calendars/{admdvs}/working-days': { from: today, days: '5' },
      'GET /api/v1/dashboard/queues/items': { queue: 'filing', month: today.slice(0, 7) },
      'GET /api/v1/dashboard/settlements/items': { day: today },
      'GET /api/v1/institutions/nearest': { lat: '28.2', lng: '112.9' },
      'GET /api/v1/supervision/sharing/{agreement_no}': { month: today.slice(0, 7) },
    })[route] ?? {};
    const baseBody = (route: string, s: Side): Json => {
      fresh++;
      const identification = { diag_code: 'I10.x00', ide_fixmedins_code: HOSPITAL, diag_dr_codg: 'DR-2', diag_dr_name: '医师', hosp_ide_date: today, evidence: [{ kind: 'diagnosis', ref: 'x.pdf' }] };
      const bodies: Record<string, Json> = {
        'POST /api/v1/persons': { certno: makeIdCard('430102', '1990-01-01', 100 + (fresh % 800)), psn_name: '扫描', insuplc_admdvs: s.region },
        'POST /api/v1/persons/{certno}/contributions': { year: 2026, amount_fen: 100, payer: 'person' },
        'POST /api/v1/persons/{certno}/identities': { psn_idet_type: '2102', begntime: '2026-01-01' },
        'POST /api/v1/persons/{certno}/enrollments': { insutype: '310', psn_type: '1101', insuplc_admdvs: s.region },
        'POST /api/v1/persons/{certno}/transfers': { to_admdvs: '430100' }, // refused for its own persons: the sweep must not move them away
        'POST /api/v1/identity-imports': { source: 'civil_affairs', admdvs: s.region, csv: 'certno,psn_idet_type,begntime\n' },
        'POST /api/v1/grid/consents': { consent_ref: `SWEEP-${fresh}`, username: 'sf.grid', granted_on: today },
        'POST /api/v1/filings': { kind: 'temporary_other', mdtrtarea_admdvs: '120100', begndate: today, commitment: true, evidence: [{ kind: 'commitment_letter', ref: 'x.pdf' }] },
        'POST /api/v1/filings/{filing_no}/review': { decision: 'approve' },
        'POST /api/v1/filings/{filing_no}/revoke': { reason: '扫描' },
        'POST /api/v1/filings/{filing_no}/change': { reason: '扫描', enddate: '2026-12-31' },
        'POST /api/v1/filings/{filing_no}/commitment-check': { result: 'verified' },
        'POST /api/v1/recognitions': { opsp_dise_code: 'CP01', ...identification },
        'POST /api/v1/recognitions/{no}/review': { decision: 'approve' },
        'POST /api/v1/recognitions/{no}/revoke': { reason: '扫描' },
        'POST /api/v1/recognitions/{no}/renew': identification,
        'POST /api/v1/eligibility': { fixmedins_code: HOSPITAL, med_type: '11', begndate: today },
        'PUT /api/v1/filing-policies/{admdvs}': { review_days_in_province: 10 },
        'PUT /api/v1/calendars/{admdvs}/days/{day}': { kind: 'holiday', name: '扫描' },
        'DELETE /api/v1/calendars/{admdvs}/days/{day}': {},
        'PUT /api/v1/chronic-diseases/{list_admdvs}/{code}': { name: '扫描病', icd10_ranges: ['G20'], valid_from: '2020-01-01' },
        'PUT /api/v1/separately-paid-drugs/{admdvs}/{drug_code}': { drug_name: '扫描药', icd10_ranges: ['C50'], dispensers: [] },
        'POST /api/v1/institutions': { fixmedins_code: `HSWEEP${fresh}`, fixmedins_name: '扫描医院', hosp_lv: '1', admdvs: s.region },
        // an empty library: refused after the region's check, so nothing is stored either way
        'POST /api/v1/supervision/rules': { admdvs: s.region, doc: {} },
        'POST /api/v1/supervision/cases': { finding_ids: [s.finding_id], reason: '扫描' },
        'POST /api/v1/supervision/cases/{case_no}/moves': { move: 'dismiss', reason: '扫描' },
        'POST /api/v1/supervision/cases/{case_no}/appeal': { waive: true, reason: '扫描' },
      };
      return bodies[route] ?? {};
    };

    type Where = 'L' | 'F';
    const VARIANTS: [Where, Where, Where][] = [['F', 'L', 'L'], ['L', 'F', 'L'], ['L', 'L', 'F'], ['F', 'F', 'F'], ['F', 'F', 'L'], ['L', 'F', 'F'], ['F', 'L', 'F']];
    const problems: string[] = [];
    let requests = 0;
    let localOk = 0;

    for (const caller of callers) {
      const side = (w: Where): Side => (w === 'L' ? caller.local : deyang);
      for (const { method, path: route, op } of ops) {
        const key = `${method} ${route}`;
        const params = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const schema = op.requestBody?.content['application/json'].schema;
        const bodyTakes = (k: string) => schema?.additionalProperties !== false || (schema.properties !== undefined && k in schema.properties);
        const before = await deyangRows();
        const seen = new Set<string>();
        for (const [p, q, b] of [['L', 'L', 'L'] as [Where, Where, Where], ...VARIANTS]) {
          const url = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathValue(name, side(p), route)));
          // a FHIR search names no subject of the REST API's kind (it would be a 400 naming it): what it
          // answers each caller, filtered by their scope, must hold nothing foreign
          const query = route.startsWith('/fhir/R4/') && !route.includes('{')
            ? new URLSearchParams({ _count: '200' })
            : new URLSearchParams({ ...baseQuery(key), psn_no: side(q).person.psn_no, certno: side(q).person.certno, insuplc_admdvs: side(q).region, admdvs: side(q).region } as Record<string, string>);
          let payload: Json | undefined;
          if (method !== 'GET') {
            payload = baseBody(key, side(b));
            // A new person's certno is theirs, not a subject already stored.
            for (const k of ['psn_no', 'certno'] as const) if (bodyTakes(k) && key !== 'POST /api/v1/persons') payload[k] = side(b).person[k];
          }
          // Variants that differ only where this route reads nothing are one request.
          const sig = `${params.some((n) => SCOPE_PARAMS.has(n)) ? p : '-'}${q}${method === 'GET' ? '-' : b}`;
          if (seen.has(sig)) continue;
          seen.add(sig);
          const res = await call(method, `${url}?${query}`, caller.cookie, payload);
          requests++;
          const what = `${caller.role} ${method} ${url}?${query} ${payload ? JSON.stringify(payload) : ''} → ${res.status}`;
          if (res.status >= 500) problems.push(`${what}: ${res.text}`);
          const local = p === 'L' && q === 'L' && b === 'L';
          const pathForeign = p === 'F' && params.some((n) => SCOPE_PARAMS.has(n) && !(route.includes('/inbox/') && n === 'id'));
          // A foreign resource in the path is refused as such (403, or 404 where its key is unknown),
          // whatever the query and the body say; only a body the schema refuses is answered first.
          if (pathForeign && !REFERENCE_READ.test(key) && ![403, 404].includes(res.status) && !(res.status === 400 && !SCOPE_PARAMS.has(res.json().details?.[0]?.field))) {
            problems.push(`${what}: a foreign resource in the path answered ${res.status} ${res.text.slice(0, 160)}`);
          }
          if (res.status < 300) {
            if (local) localOk++;
            const leaked = foreignMarks.find((m) => res.text.includes(m));
            if (leaked) problems.push(`${what}: shows ${leaked}`);
            if (pathForeign && !REFERENCE_READ.test(key)) problems.push(`${what}: a 2xx for a foreign resource in the path`);
          }
        }
        const afterRows = await deyangRows();
        for (const [t, v] of Object.entries(afterRows)) if (before[t] !== v) problems.push(`${caller.role} ${key}: wrote ${t} of Deyang (${before[t]} → ${v})`);
      }
    }
    assert.deepEqual(problems, [], `${problems.length} problems in ${requests} requests:\n${problems.slice(0, 40).join('\n')}`);
    assert.ok(requests > 1500, `${requests} requests`);
    assert.ok(localOk > 100, `the callers' own requests are answered (${localOk} of them 2xx): the sweep reaches the handlers`);
  });
});
