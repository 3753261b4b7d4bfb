import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { makeIdCard } from '../src/engine/idcard.ts';
import { importRegions } from '../src/app/registry/regions.ts';
import { actAsAdmin } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// The registry through its REST API against a real PostgreSQL: good writes, and every kind of
// bad input answered with a bilingual error naming the field and nothing written.

let db: TestDatabase;
let app: FastifyInstance;
const NOW = new Date('2026-11-23T04:00:00Z');

async function count(table: string): Promise<number> {
  return (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
}
async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['persons', 'enrollments', 'contributions', 'person_identities', 'personal_accounts', 'audit_log', 'identity_import_batches']) out[t] = await count(t);
  return out;
}
function post(url: string, payload: unknown) {
  return app.inject({ method: 'POST', url, payload: payload as object, headers: { 'x-yibao-actor': 'tester' } });
}
function assertBilingualError(res: { statusCode: number; json: () => any }, status: number, field: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  const body = res.json();
  assert.ok(body.details.some((d: { field: string }) => d.field === field), `field ${field} named in ${JSON.stringify(body.details)}`);
  assert.match(body.message, /[\u4e00-\u9fff]/, 'Chinese text');
  assert.match(body.message, / \/ .*[a-z]/, 'English text after the slash');
}

before(async () => {
  db = await freshDatabase();
  await importRegions(db.pool, { detailCounties: ['430204'] });
  app = await buildApp({ pool: db.pool, now: () => NOW });
  await actAsAdmin(app, db.pool);
});
after(async () => {
  await app.close();
  await db.drop();
});

const SHIFENG = makeIdCard('430204', '1958-03-02', 124); // a woman (even sequence)
const WORKER = makeIdCard('360402', '1985-07-19', 37);

describe('persons', () => {
  test('registering a person derives sex and birth date and issues psn_no in the pooling region', async () => {
    const res = await post('/api/v1/persons', { certno: SHIFENG, psn_name: '王焕英', insuplc_admdvs: '430204' });
    assert.equal(res.statusCode, 201, res.body);
    const p = res.json();
    assert.equal(p.gend, '2');
    assert.equal(p.brdy, '1958-03-02');
    assert.equal(p.psn_no, '4302000000000001', 'Zhuzhou (430200) pools for Shifeng');
    const again = await app.inject({ method: 'GET', url: `/api/v1/persons/${SHIFENG}` });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().psn_name, '王焕英');
    const audit = await db.pool.query(`SELECT actor FROM audit_log WHERE action = 'person.create' AND subject = $1`, [p.psn_no]);
    assert.equal(audit.rows[0]?.actor, 'tester');
  });

  test('an invalid ID number is refused naming certno, nothing written', async () => {
    const before = await counts();
    const bad = SHIFENG.slice(0, 17) + (SHIFENG[17] === '0' ? '1' : '0');
    assertBilingualError(await post('/api/v1/persons', { certno: bad, psn_name: '张三', insuplc_admdvs: '430204' }), 400, 'certno');
    assertBilingualError(await post('/api/v1/persons', { certno: '430204195802300012', psn_name: '张三', insuplc_admdvs: '430204' }), 400, 'certno');
    assert.deepEqual(await counts(), before);
  });

  test('an unknown region is refused naming insuplc_admdvs, nothing written', async () => {
    const before = await counts();
    const certno = makeIdCard('430204', '1990-01-01', 11);
    assertBilingualError(await post('/api/v1/persons', { certno, psn_name: '李四', insuplc_admdvs: '439999' }), 404, 'insuplc_admdvs');
    assertBilingualError(await post('/api/v1/persons', { certno, psn_name: '李四', insuplc_admdvs: '43' }), 400, 'insuplc_admdvs');
    assert.deepEqual(await counts(), before);
  });

  test('a second registration of one ID number is a conflict', async () => {
    const before = await counts();
    assertBilingualError(await post('/api/v1/persons', { certno: SHIFENG, psn_name: '王焕英', insuplc_admdvs: '430204' }), 409, 'certno');
    assert.deepEqual(await counts(), before);
  });

  test('an unknown person is 404 naming certno; a malformed one 400', async () => {
    const unknown = makeIdCard('110119', '1970-05-05', 9);
    assertBilingualError(await app.inject({ method: 'GET', url: `/api/v1/persons/${unknown}` }), 404, 'certno');
    const before = await counts();
    assertBilingualError(await post(`/api/v1/persons/${unknown}/enrollments`, { insutype: '390', psn_type: '1501' }), 404, 'certno');
    assertBilingualError(await post(`/api/v1/persons/12345/enrollments`, { insutype: '390', psn_type: '1501' }), 400, 'certno');
    assert.deepEqual(await counts(), before);
  });
});

describe('enrollment', () => {
  test('a resident enrolls once; a second basic enrollment is a 409 naming insutype', async () => {
    const ok = await post(`/api/v1/persons/${SHIFENG}/enrollments`, { insutype: '390', psn_type: '1601', psn_insu_date: '2019-01-01' });
    assert.equal(ok.statusCode, 201, ok.body);
    const before = await counts();
    const dup = await post(`/api/v1/persons/${SHIFENG}/enrollments`, { insutype: '310', psn_type: '1201', emp_name: '株洲冶炼厂' });
    assertBilingualError(dup, 409, 'insutype');
    assert.match(dup.json().message, /转移接续/);
    assert.deepEqual(await counts(), before);
  });

  test('schema violations name the field in both languages', async () => {
    const before = await counts();
    assertBilingualError(await post(`/api/v1/persons/${SHIFENG}/enrollments`, { insutype: '999', psn_type: '1601' }), 400, 'insutype');
    assertBilingualError(await post(`/api/v1/persons/${SHIFENG}/enrollments`, { psn_type: '1601' }), 400, 'insutype');
    assertBilingualError(await post(`/api/v1/persons/${SHIFENG}/contributions`, { year: 2024, amount_fen: -5, payer: 'person' }), 400, 'amount_fen');
    assert.deepEqual(await counts(), before);
  });

  test('contributions book to the enrollment covering the year; a year without one is a conflict', async () => {
    const c = await post(`/api/v1/persons/${SHIFENG}/contributions`, { year: 2024, amount_fen: 38_000, payer: 'person', paid_on: '2023-12-01' });
    assert.equal(c.statusCode, 201, c.body);
    assert.equal(c.json().insuplc_admdvs, '430204');
    const before = await counts();
    assertBilingualError(await post(`/api/v1/persons/${SHIFENG}/contributions`, { year: 2010, amount_fen: 10_000, payer: 'person' }), 409, 'year');
    assert.deepEqual(await counts(), before);
  });

  test('impossible or far-off dates are refused naming the field, nothing written (issue 11, defect 3)', async () => {
    const before = await counts();
    const url = `/api/v1/persons/${SHIFENG}`;
    for (const day of ['2026-02-30', '2026-04-31', '0000-01-01', '9999-12-31', '1850-06-01']) {
      assertBilingualError(await post(`${url}/identities`, { psn_idet_type: '2301', begntime: day }), 400, 'begntime');
      assertBilingualError(await post(`${url}/identities`, { psn_idet_type: '2301', begntime: '2026-01-01', endtime: day }), 400, 'endtime');
      assertBilingualError(await post(`${url}/contributions`, { year: 2024, amount_fen: 38_000, payer: 'person', paid_on: day }), 400, 'paid_on');
      assertBilingualError(await post(`${url}/enrollments`, { insutype: '390', psn_type: '1601', psn_insu_date: day }), 400, 'psn_insu_date');
      assertBilingualError(await post(`${url}/transfers`, { to_admdvs: '430100', transfer_date: day }), 400, 'transfer_date');
    }
    assert.deepEqual(await counts(), before);
  });
});

describe('transfer and the cross-province query', () => {
  test('an employee moving from Jiujiang to Changsha keeps both periods and their contributions', async () => {
    assert.equal((await post('/api/v1/persons', { certno: WORKER, psn_name: '陈建国', insuplc_admdvs: '360402' })).statusCode, 201);
    const e = await post(`/api/v1/persons/${WORKER}/enrollments`, { insutype: '310', psn_type: '1101', emp_name: '九江石化', psn_insu_date: '2010-03-01' });
    assert.equal(e.statusCode, 201, e.body);
    assert.equal((await post(`/api/v1/persons/${WORKER}/contributions`, { year: 2020, amount_fen: 420_000, payer: 'employer' })).statusCode, 201);

    const t = await post(`/api/v1/persons/${WORKER}/transfers`, { to_admdvs: '430102', transfer_date: '2022-07-01', emp_name: '长沙机床厂' });
    assert.equal(t.statusCode, 201, t.body);
    assert.equal(t.json().closed[0].end_date, '2022-06-30');
    assert.equal(t.json().opened.transferred_from, e.json().id);
    assert.equal((await post(`/api/v1/persons/${WORKER}/contributions`, { year: 2023, amount_fen: 510_000, payer: 'employer' })).statusCode, 201);

    const h = await app.inject({ method: 'GET', url: `/api/v1/persons/${WORKER}/insurance-history` });
    assert.equal(h.statusCode, 200, h.body);
    const history = h.json();
    assert.deepEqual(history.provinces, ['360000', '430000']);
    assert.deepEqual(history.periods.map((p: { insuplc_admdvs: string; psn_insu_stas: string }) => [p.insuplc_admdvs, p.psn_insu_stas]), [['360402', '4'], ['430102', '1']]);
    assert.equal(history.periods[0].contributions[0].amount_fen, 420_000);
    assert.equal(history.periods[1].contributions[0].year, 2023);
    assert.equal(history.periods[0].province_name, '江西省');
    assert.equal(history.contributions_total_fen, 930_000);
    assert.equal(history.personal_account.insuplc_admdvs, '430102', 'the personal account moved');
  });

  test('a transfer within one pooling region is refused and writes nothing', async () => {
    const before = await counts();
    assertBilingualError(await post(`/api/v1/persons/${WORKER}/transfers`, { to_admdvs: '430104', transfer_date: '2024-01-01' }), 400, 'to_admdvs');
    assert.deepEqual(await counts(), before);
  });

  test('the OpenAPI description lists the query', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    assert.ok(res.json().paths['/api/v1/persons/{certno}/insurance-history']);
  });
});

describe('identity comparison import', () => {
  test('preview reports without writing; apply writes exactly what the report says', async () => {
    const extra = makeIdCard('430204', '1949-10-01', 33);
    assert.equal((await post('/api/v1/persons', { certno: extra, psn_name: '刘福生', insuplc_admdvs: '430204' })).statusCode, 201);
    // Liu holds 特困 by hand; the roster does not list him, so it ends. Wang is added as 低保.
    assert.equal((await post(`/api/v1/persons/${extra}/identities`, { psn_idet_type: '2101', begntime: '2020-01-01', source: 'civil_affairs' })).statusCode, 201);
    const csv = [
      'certno,psn_idet_type,begntime,endtime,psn_name',
      `${SHIFENG},2102,2025-01-01,,王焕英`,
      `${SHIFENG.slice(0, 17)}0,2102,2025-01-01,,`, // bad check digit (or duplicate)
      `${makeIdCard('430204', '1966-06-06', 1)},2102,2025-01-01,,`, // not registered
      `${WORKER},2102,2025-01-01,,陈建国`, // insured in Changsha now
      `${SHIFENG},2102,2025-02-01,,王焕英`, // duplicate row
      `${extra},9999,2025-01-01,,`,
    ].join('\n');
    const before = await counts();
    const preview = await post('/api/v1/identity-imports', { source: 'civil_affairs', admdvs: '430200', idet_types: ['2101', '2102'], as_of: '2026-11-01', file_name: 'mz.csv', csv });
    assert.equal(preview.statusCode, 201, preview.body);
    const report = preview.json().report;
    assert.equal(report.counts.added, 1);
    assert.equal(report.added[0].certno, SHIFENG);
    assert.equal(report.counts.ended, 1);
    assert.equal(report.ended[0].certno, extra);
    assert.equal(report.ended[0].endtime, '2026-10-31');
    assert.equal(report.counts.rejected, 5, JSON.stringify(report.rejected));
    assert.ok(report.rejected.every((r: { reason_zh: string; reason_en: string }) => r.reason_zh && r.reason_en));
    const after = await counts();
    assert.equal(after.person_identities, before.person_identities, 'preview wrote no identity');
    assert.equal(after.identity_import_batches, before.identity_import_batches! + 1);

    const applied = await post(`/api/v1/identity-imports/${preview.json().id}/apply`, {});
    assert.equal(applied.statusCode, 200, applied.body);
    assert.equal(applied.json().status, 'applied');
    assert.equal(applied.json().applied_by, 'tester');
    assert.deepEqual(applied.json().report.counts, report.counts);
    const ids = await db.pool.query(`SELECT p.certno, i.psn_idet_type, i.endtime FROM person_identities i JOIN persons p USING (psn_no) ORDER BY i.id`);
    assert.deepEqual(ids.rows, [
      { certno: extra, psn_idet_type: '2101', endtime: '2026-10-31' },
      { certno: SHIFENG, psn_idet_type: '2102', endtime: null },
    ]);
    assertBilingualError(await post(`/api/v1/identity-imports/${preview.json().id}/apply`, {}), 409, 'id');
  });

  test('a roster without the required columns is refused', async () => {
    const before = await counts();
    assertBilingualError(await post('/api/v1/identity-imports', { source: 'tax', admdvs: '430200', csv: 'name,type\n张三,2102' }), 400, 'csv');
    assert.deepEqual(await counts(), before);
  });
});

describe('concurrency', () => {
  test('two simultaneous enrollments of one person: one wins, the other is a clean 409', async () => {
    const certno = makeIdCard('430211', '1992-02-02', 71);
    assert.equal((await post('/api/v1/persons', { certno, psn_name: '何平', insuplc_admdvs: '430211' })).statusCode, 201);
    const [r1, r2] = await Promise.all([
      post(`/api/v1/persons/${certno}/enrollments`, { insutype: '390', psn_type: '1501', psn_insu_date: '2020-01-01' }),
      post(`/api/v1/persons/${certno}/enrollments`, { insutype: '310', psn_type: '1101', emp_name: '株洲电力机车厂', psn_insu_date: '2020-01-01' }),
    ]);
    assert.deepEqual([r1.statusCode, r2.statusCode].sort(), [201, 409]);
    const n = await db.pool.query(`SELECT count(*)::int AS n FROM enrollments e JOIN persons p USING (psn_no) WHERE p.certno = $1`, [certno]);
    assert.equal(n.rows[0].n, 1);
  });

  test('simultaneous registrations in one region get distinct consecutive psn_no', async () => {
    const certnos = Array.from({ length: 8 }, (_, i) => makeIdCard('360403', '1980-01-01', 100 + i));
    const res = await Promise.all(certnos.map((certno, i) => post('/api/v1/persons', { certno, psn_name: `测试${'甲乙丙丁戊己庚辛'[i]}`, insuplc_admdvs: '360403' })));
    assert.ok(res.every((r) => r.statusCode === 201), res.map((r) => r.body).join());
    const nos = res.map((r) => r.json().psn_no).sort();
    assert.equal(new Set(nos).size, 8);
    // Jiujiang (360400) issued 1 to the worker earlier; these take 2..9.
    assert.deepEqual(nos, Array.from({ length: 8 }, (_, i) => `360400${String(i + 2).padStart(10, '0')}`));
  });
});

describe('fuzz', () => {
  test('property: arbitrary request bodies and paths never cause a 500, and a refusal writes nothing', async () => {
    const fc = (await import('fast-check')).default;
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('430204', '1501', '390', '2024-01-01', SHIFENG));
    const body = fc.dictionary(fc.constantFrom('certno', 'psn_name', 'insuplc_admdvs', 'insutype', 'psn_type', 'year', 'amount_fen', 'payer', 'to_admdvs', 'transfer_date', 'csv', 'source', 'admdvs', 'x'), value);
    const url = fc.constantFrom(
      '/api/v1/persons', `/api/v1/persons/${SHIFENG}/enrollments`, `/api/v1/persons/${SHIFENG}/contributions`, `/api/v1/persons/${SHIFENG}/transfers`,
      '/api/v1/persons/abc/enrollments', '/api/v1/identity-imports', '/api/v1/identity-imports/99999999999999999999/apply', `/api/v1/persons/${SHIFENG}/identities`,
    );
    await fc.assert(
      fc.asyncProperty(url, body, async (u, b) => {
        const before = await counts();
        const res = await post(u, b);
        assert.ok(res.statusCode < 500, `${u} ${JSON.stringify(b)} → ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assert.deepEqual(await counts(), before);
      }),
      { numRuns: 150 },
    );
  });
});
