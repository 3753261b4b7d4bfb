import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseIdCard } from '../engine/idcard.ts';
import { activeBasicEnrollment } from '../store/registry/enrollments.ts';
import { identitiesOn } from '../store/registry/identities.ts';
import { findPersonByMdtrtCert } from '../app/registry/persons.ts';
import { findPersonByCertno } from '../store/registry/persons.ts';
import { freshDatabase, type TestDatabase } from '../../test/support/db.ts';
import { DETAIL_COUNTIES, DEMO_CITIES } from './places.ts';
import { seedDemo, type Fixtures } from './generate.ts';

// The demo is deterministic, its fixtures hold in the seeded database, and the committed
// demo/fixtures.json is exactly what the generator produces (at any size).

const committed = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../demo/fixtures.json'), 'utf8')) as Fixtures;
let a: TestDatabase;
let b: TestDatabase;
let fa: Fixtures;
let fb: Fixtures;

async function digest(db: TestDatabase): Promise<string> {
  const r = await db.pool.query(`SELECT md5(string_agg(concat_ws('|', p.psn_no, p.certno, p.psn_name, p.addr, e.insutype, e.psn_type, e.psn_insu_date, e.emp_name), ',' ORDER BY p.psn_no)) AS h
    FROM persons p JOIN enrollments e USING (psn_no)`);
  const c = await db.pool.query(`SELECT md5(string_agg(concat_ws('|', psn_no, year, amount_fen, payer), ',' ORDER BY psn_no, year, payer, amount_fen)) AS h FROM contributions`);
  return `${r.rows[0].h}/${c.rows[0].h}`;
}

before(async () => {
  [a, b] = await Promise.all([freshDatabase(), freshDatabase()]);
  fa = (await seedDemo(a.pool, { persons: 300, batchSize: 100 }))!;
  fb = (await seedDemo(b.pool, { persons: 300, batchSize: 77 }))!;
});
after(async () => {
  await a.drop();
  await b.drop();
});

test('the same seed gives the same fixtures and the same people, whatever the batch size', async () => {
  assert.deepEqual(fa, fb);
  assert.equal(await digest(a), await digest(b));
});

test('the committed demo/fixtures.json is what the generator produces (it does not depend on the size)', () => {
  assert.deepEqual(fa, committed, 'regenerate with: YIBAO_DATA_DIR=$(mktemp -d) npm run yibao -- seed --fixtures demo/fixtures.json');
});

test('a second seed of a seeded database does nothing', async () => {
  assert.equal(await seedDemo(a.pool, { persons: 300 }), undefined);
  assert.equal((await a.pool.query('SELECT count(*)::int AS n FROM persons')).rows[0].n, 300);
});

test('every persona of the fixtures is in the database as described', async () => {
  const keys = fa.personas.map((p) => p.key);
  for (const k of ['zhuzhou_shifeng_resident', 'jiujiang_retiree_in_changsha', 'datonghu_dibao_resident', 'changde_elder_hypertension', 'deyang_to_changsha_transferred', 'zhuzhou_employee_with_account']) {
    assert.ok(keys.includes(k), k);
  }
  for (const p of fa.personas) {
    const person = await findPersonByCertno(a.pool, p.certno);
    assert.ok(person, p.key);
    assert.equal(person.psn_no, p.psn_no);
    assert.equal(person.psn_name, p.psn_name);
    const e = await activeBasicEnrollment(a.pool, p.psn_no);
    if (p.insutype === '310' || p.insutype === '390') {
      assert.equal(e?.insutype, p.insutype, p.key);
      assert.equal(e?.insuplc_admdvs, p.insuplc_admdvs, p.key);
    }
    const ids = await identitiesOn(a.pool, p.psn_no, '2026-06-30');
    assert.deepEqual(ids.map((i) => i.psn_idet_type).sort(), p.identities.map((i) => i.psn_idet_type).sort(), p.key);
    for (const c of p.mdtrt_certs) {
      const found = await findPersonByMdtrtCert(a.pool, c.mdtrt_cert_type, c.mdtrt_cert_no, c.card_sn);
      assert.equal(found?.psn_no, p.psn_no, `${p.key} ${c.mdtrt_cert_type}`);
    }
  }
  const dibao = fa.personas.find((p) => p.key === 'datonghu_dibao_resident')!;
  assert.equal(dibao.insuplc_admdvs, '430971');
  assert.deepEqual(dibao.identities.map((i) => i.psn_idet_type), ['2102']);
  const moved = fa.personas.find((p) => p.key === 'deyang_to_changsha_transferred')!;
  assert.deepEqual(moved.enrollment_history.map((e) => e.insuplc_admdvs), ['510603', '430104']);
  for (const inst of fa.institutions) {
    const r = await a.pool.query('SELECT fixmedins_name, hosp_lv, admdvs FROM institutions WHERE fixmedins_code = $1', [inst.fixmedins_code]);
    assert.deepEqual(r.rows[0], { fixmedins_name: inst.fixmedins_name, hosp_lv: inst.hosp_lv, admdvs: inst.admdvs });
  }
});

test('the generated people are valid and the demo counties are served', async () => {
  const people = await a.pool.query<{ certno: string; gend: string; brdy: string }>('SELECT certno, gend, brdy FROM persons');
  for (const p of people.rows) {
    const id = parseIdCard(p.certno);
    assert.ok(id.ok, p.certno);
    assert.equal(id.value.gend, p.gend);
    assert.equal(id.value.brdy, p.brdy);
  }
  const noBasic = await a.pool.query(`SELECT count(*)::int AS n FROM persons p WHERE NOT EXISTS
    (SELECT 1 FROM enrollments e WHERE e.psn_no = p.psn_no AND e.psn_insu_stas = '1')`);
  assert.equal(noBasic.rows[0].n, 0);
  const types = await a.pool.query(`SELECT DISTINCT insutype FROM enrollments ORDER BY 1`);
  assert.ok(['310', '390'].every((t) => types.rows.some((r) => r.insutype === t)));
  // At least two pharmacies settling general-outpatient pooling in every demo county (seed 000).
  const thin = await a.pool.query(`SELECT r.code FROM regions r WHERE r.level = 'county' AND r.code NOT LIKE '____99'
      AND r.parent_code = ANY($1) AND (SELECT count(*) FROM institutions i WHERE i.fixmedins_type = '2' AND i.settles_outpatient_pooling
      AND substr(i.fixmedins_code, 2, 6) = r.code) < 2`, [DEMO_CITIES.filter((c) => !c.counties).map((c) => c.code)]);
  assert.deepEqual(thin.rows, []);
  const detail = await a.pool.query(`SELECT count(*)::int AS n FROM regions WHERE level = 'village'`);
  assert.ok(detail.rows[0].n > 100 && DETAIL_COUNTIES.length > 0, 'villages of the detail counties imported');
  const notDetail = await a.pool.query(`SELECT count(*)::int AS n FROM regions WHERE level = 'town' AND substr(code, 1, 6) <> ALL($1)`, [[...DETAIL_COUNTIES]]);
  assert.equal(notDetail.rows[0].n, 0, 'towns only for the detail counties');
});

test('another seed gives other people', async () => {
  const c = await freshDatabase();
  try {
    const fc = (await seedDemo(c.pool, { persons: 50, seed: 'another' }))!;
    assert.notEqual(await digest(c), await digest(a));
    assert.notDeepEqual(fc.personas.map((p) => p.mdtrt_certs[0]), fa.personas.map((p) => p.mdtrt_certs[0]));
  } finally {
    await c.drop();
  }
});

test('the settlement fixtures: each region classifies its listed items as listed; the demo card password is set', async () => {
  const { loadRegionCatalog } = await import('../store/shipped-documents.ts');
  const { classifyFeeLines } = await import('../engine/index.ts');
  const { passwordHash } = await import('../store/settlement/passwords.ts');
  const regions = Object.keys(fa.settlement.catalog_items);
  assert.ok(regions.includes('430100') && regions.includes('360400'), 'Changsha and Jiujiang are listed');
  for (const [admdvs, it] of Object.entries(fa.settlement.catalog_items)) {
    const line = (sn: string, codg: string, pric: number) => ({ feedetl_sn: sn, med_list_codg: codg, det_item_fee_sumamt: pric as never, cnt: 1, pric: pric as never });
    const over = Math.round(it.price_limited.pric_uplmt_amt * 100) + 100;
    const [a, b, c, lim] = classifyFeeLines(
      loadRegionCatalog(admdvs),
      [line('a', it.class_a.med_list_codg, 1000), line('b', it.class_b.med_list_codg, 1000), line('c', it.class_c.med_list_codg, 1000), line('l', it.price_limited.med_list_codg, over)],
      { gend: '1', age: 40 },
      { med_type: '21' },
    );
    assert.deepEqual([a!.chrgitm_lv, a!.inscp_scp_amt], ['01', 1000], `${admdvs} 甲`);
    assert.deepEqual([b!.chrgitm_lv, b!.selfpay_prop / 10000], ['02', it.class_b.selfpay_prop], `${admdvs} 乙`);
    assert.deepEqual([c!.chrgitm_lv, c!.fulamt_ownpay_amt], ['03', 1000], `${admdvs} 丙`);
    assert.equal(lim!.overlmt_amt, 100, `${admdvs} price limit`);
  }
  assert.ok(fa.institutions.some((i) => i.fixmedins_code === fa.settlement.village_clinic.fixmedins_code && i.hosp_lv === '9'), 'a village clinic');
  assert.ok(fa.institutions.some((i) => i.fixmedins_code === fa.settlement.pharmacy.fixmedins_code && i.fixmedins_type === '2'), 'a pharmacy');
  for (const c of fa.settlement.card_passwords) {
    const r = await a.pool.query(`SELECT pwd_sha256 FROM person_certs WHERE mdtrt_cert_type = $1 AND mdtrt_cert_no = $2`, [c.mdtrt_cert_type, c.mdtrt_cert_no]);
    assert.equal(r.rows[0]?.pwd_sha256, passwordHash(c.psn_no, c.password), c.persona);
  }
});
