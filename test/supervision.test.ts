import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { readConfig } from '../src/server/config.ts';
import { seedAll } from '../src/cli/seed.ts';
import type { Fixtures } from '../src/demo/generate.ts';
import { plantedReport } from '../src/app/supervision/report.ts';
import { runScan } from '../src/app/supervision/scan.ts';
import { settledClaimsOf, streamSettledClaims, type SettledClaim } from '../src/store/supervision/findings.ts';
import { addDays, chinaDate } from '../src/engine/calendar.ts';
import { PLANTED_PER_KIND } from '../src/demo/planted.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { envelope, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold } from './support/settlement-world.ts';
import { staffCookie } from './support/auth.ts';
import fs from 'node:fs';

const library = (): { rules: Array<Record<string, unknown>> } & Record<string, unknown> => JSON.parse(fs.readFileSync(new URL('../supervision-rules/national-2026.json', import.meta.url), 'utf8'));

// Issue 15 end to end on the seeded demo: the planted wrong claims went through the gateway, the
// scan found them, and the scan, the cancellation and 3101/3102 behave as the issue asks.

let db: TestDatabase;
let fixtures: Fixtures;
let app: FastifyInstance;
const now = new Date();
const period = { scope: 'all', from: addDays(chinaDate(now), -365), to: chinaDate(now), by: 'test' };
const count = async (where = 'true'): Promise<number> => Number((await db.pool.query(`SELECT count(*) AS n FROM supervision_findings WHERE ${where}`)).rows[0].n);

before(async () => {
  db = await freshDatabase();
  fixtures = (await seedAll(db.pool, { ...readConfig({}), demoPersons: 600 }, () => undefined))!;
  app = await buildApp({ pool: db.pool, now: () => now });
});
after(async () => {
  await app.close();
  await db.drop();
});

test('every kind of planted claim is found: recall 100% per rule type; blocked duplicates were never paid', async () => {
  const scores = await plantedReport(db.pool);
  assert.equal(scores.length, 13);
  for (const s of scores) {
    assert.ok(s.planted >= PLANTED_PER_KIND, `${s.rule_type} planted`);
    assert.equal(s.recall, 1, `${s.rule_type}: ${s.true_positives} of ${s.planted} found`);
    assert.ok((s.precision ?? 0) > 0.5, `${s.rule_type}: precision ${s.precision}`);
  }
  const refused = (await db.pool.query(`SELECT p.err_msg, (SELECT count(*) FROM settlements s WHERE s.mdtrt_id = p.mdtrt_id) AS n FROM demo_planted_claims p WHERE kind = 'duplicate_charging'`)).rows;
  assert.equal(refused.length, PLANTED_PER_KIND);
  for (const r of refused) {
    assert.match(r.err_msg, /JG-CF-001/, 'err_msg names the rule');
    assert.equal(Number(r.n), 0, 'no settlement row');
  }
  await assertBooksHold(db.pool);
});

test("a full scan's one-pass read gives the very claims the per-person read gives, lines, times and amounts included", async () => {
  const from = new Date(Date.now() - 400 * 86_400_000);
  const to = new Date(Date.now() + 86_400_000);
  const streamed: SettledClaim[] = [];
  // Small chunks: a person's claims must never be split between two.
  for await (const chunk of streamSettledClaims(db.pool, { from, to, prefix: '', periodFrom: from, periodTo: to, chunk: 7 })) {
    assert.ok(chunk.length > 0);
    const last = streamed[streamed.length - 1];
    if (last) assert.notEqual(chunk[0]!.psn_no, last.psn_no, 'a person split between two chunks');
    streamed.push(...chunk);
  }
  const persons = [...new Set(streamed.map((c) => c.psn_no))];
  const read = await settledClaimsOf(db.pool, persons, from, to);
  assert.ok(read.length > 100, `${read.length} claims`);
  assert.ok(read.some((c) => c.lines.some((l) => l.fee_ocur_time !== null)) && read.some((c) => c.endtime !== null));
  assert.deepEqual(streamed, read);
  // A region's scan reads only the persons with a settlement treated there (and all their claims).
  const zz: SettledClaim[] = [];
  for await (const chunk of streamSettledClaims(db.pool, { from, to, prefix: '4302', periodFrom: from, periodTo: to })) zz.push(...chunk);
  const zzPersons = new Set(read.filter((c) => c.mdtrtarea_admvs.startsWith('4302')).map((c) => c.psn_no));
  assert.ok(zzPersons.size > 0);
  assert.deepEqual(zz, read.filter((c) => zzPersons.has(c.psn_no)));
});

test('a rerun changes nothing; a scan cut off half-way and run again finds each finding once', async () => {
  const before = await count();
  const again = await runScan(db.pool, { ...period, incremental: false });
  assert.deepEqual([again.found, again.amended, again.closed], [0, 0, 0]);
  assert.equal(await count(), before);
  // Forget the scan's work, then cut a run off after its first batch: what it committed stays.
  const keys = (await db.pool.query(`SELECT stage, fingerprint FROM supervision_findings WHERE stage = 'after' ORDER BY 1, 2`)).rows;
  await db.pool.query(`DELETE FROM supervision_findings WHERE stage = 'after'`);
  // The progress line after a batch that found something: the run dies there.
  await assert.rejects(runScan(db.pool, { ...period, incremental: false, batch: 25, progress: (line) => { if (/ [1-9]\d* new findings/.test(line)) throw new Error('killed'); } }), /killed/);
  const partial = await count(`stage = 'after'`);
  assert.ok(partial > 0 && partial < keys.length, `the first batch committed (${partial} of ${keys.length})`);
  await runScan(db.pool, { ...period, incremental: false, batch: 25 });
  assert.deepEqual((await db.pool.query(`SELECT stage, fingerprint FROM supervision_findings WHERE stage = 'after' ORDER BY 1, 2`)).rows, keys);
});

test('a planted settlement cancelled through 2208 closes its finding; an incremental scan reads that person again and keeps it closed', async () => {
  const p = (await db.pool.query(`SELECT p.mdtrt_id, p.psn_no, p.setl_id, v.fixmedins_code, v.insuplc_admdvs FROM demo_planted_claims p JOIN visits v USING (mdtrt_id) WHERE p.kind = 'split_charging' ORDER BY 1 LIMIT 1`)).rows[0];
  // Found after settlement by the scan, and during it as a warning (a rule that does not block).
  assert.deepEqual((await db.pool.query(`SELECT stage FROM supervision_findings WHERE mdtrt_id = $1 AND status = 'open' ORDER BY stage`, [p.mdtrt_id])).rows, [{ stage: 'after' }, { stage: 'during' }]);
  await runScan(db.pool, { ...period, incremental: true });
  const everyone = Number((await db.pool.query(`SELECT count(DISTINCT psn_no) AS n FROM settlements`)).rows[0].n);
  const head = { fixmedins_code: p.fixmedins_code, sign_no: await signInAs(app, p.fixmedins_code), mdtrtarea_admvs: '430200', insuplc_admdvs: p.insuplc_admdvs };
  const res = await post(app, envelope('2208', { data: { setl_id: p.setl_id, mdtrt_id: p.mdtrt_id, psn_no: p.psn_no } }, head));
  assert.equal(res.body.infcode, 0, res.body.err_msg);
  assert.deepEqual((await db.pool.query(`SELECT DISTINCT status, closed_reason FROM supervision_findings WHERE mdtrt_id = $1`, [p.mdtrt_id])).rows, [{ status: 'closed', closed_reason: 'settlement_cancelled' }]);
  const inc = await runScan(db.pool, { ...period, incremental: true });
  assert.equal(inc.mode, 'incremental');
  assert.ok(inc.persons >= 1 && inc.persons < everyone, `only the changed persons (${inc.persons} of ${everyone})`);
  assert.equal(await count(`mdtrt_id = '${p.mdtrt_id}' AND status = 'open'`), 0);
  await assertBooksHold(db.pool);
});

test('3101 answers the rules that fire in the national shape; 3102 too; bad input names the field', async () => {
  const hospital = fixtures.institutions.find((i) => i.key === 'zhuzhou_level3_hospital')!;
  const head = { fixmedins_code: hospital.fixmedins_code, sign_no: await signInAs(app, hospital.fixmedins_code), mdtrtarea_admvs: '430200' };
  const day = chinaDate(now);
  const patient = (gend: string) => ({
    patn_id: 'X1', patn_name: '测试', gend, brdy: '1970-05-01', poolarea: '430200',
    fsi_encounter_dtos: [{
      mdtrt_id: 'HIS-1', medins_id: hospital.fixmedins_code, med_mdtrt_type: '1', adm_date: `${day} 09:00:00`, insutype: '390',
      fsi_diagnose_dtos: [{ dise_codg: 'N95.100', maindise_flag: '1' }],
      fsi_order_dtos: [{ rx_id: 'R1', hilist_code: 'XG03DAH090B002010101108', cnt: 2, pric: 6, sumamt: 12, drord_begn_date: `${day} 09:10:00` }, { rx_id: 'R2', hilist_code: '120400006', cnt: 1, pric: 25, sumamt: 25 }],
    }],
  });
  for (const infno of ['3101', '3102']) {
    const res = await post(app, envelope(infno, { data: { task_id: 'T1', patient_dtos: [patient('1')] } }, head));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    const r = res.body.output.result;
    assert.equal(r.length, 1, JSON.stringify(r));
    assert.equal(r[0].rule_id, 'JG-XB-001');
    assert.equal(r[0].sev_deg, '2');
    assert.equal(r[0].vola_amt, 12);
    assert.deepEqual(r[0].judge_result_detail_dtos.map((d: { rx_ids: string[] }) => d.rx_ids), [['R1']]);
    assert.match(r[0].vola_cont, /限女性项目/);
  }
  const fine = await post(app, envelope('3101', { data: { patient_dtos: [patient('2')] } }, head));
  assert.deepEqual(fine.body.output.result, [], 'a woman may have it');
  const bad = await post(app, envelope('3101', { data: { patient_dtos: [{ ...patient('1'), gend: undefined }] } }, head));
  assert.equal(bad.body.infcode, -1);
  assert.match(bad.body.err_msg, /input\.data\.patient_dtos\[0\]\.gend/);
  const other = await post(app, envelope('3101', { data: { patient_dtos: [{ ...patient('1'), fsi_encounter_dtos: [{ ...patient('1').fsi_encounter_dtos[0], medins_id: 'H99999999999' }] }] } }, head));
  assert.match(other.body.err_msg, /medins_id/);
});

test('REST: the supervisor sees the findings of their regions with the evidence; another region\'s supervisor and a clerk do not', async () => {
  const hunan = await staffCookie(db.pool, { username: 't.hn.sup', role: 'supervisor', regions: ['430000'] });
  const jiangxi = await staffCookie(db.pool, { username: 't.jx.sup', role: 'supervisor', regions: ['360000'] });
  const clerk = await staffCookie(db.pool, { username: 't.zz.clerk', role: 'clerk', regions: ['430200'] });
  const get = (url: string, cookie: string) => app.inject({ method: 'GET', url, headers: { cookie } });
  const list = await get('/api/v1/supervision/findings?rule_type=over_quantity_prescribing&status=open', hunan);
  assert.equal(list.statusCode, 200, list.body);
  const items = list.json().items as Array<{ id: number; mdtrt_id: string; related: string[]; rule_code: string }>;
  assert.ok(items.length >= PLANTED_PER_KIND, 'the planted ones are on the Hunan queue');
  const one = await get(`/api/v1/supervision/findings/${items[0]!.id}`, hunan);
  assert.equal(one.statusCode, 200, one.body);
  const ev = one.json();
  assert.ok(ev.lines.some((l: { concerned: boolean }) => l.concerned), 'the lines concerned are marked');
  assert.deepEqual(ev.visits.filter((v: { related: boolean }) => v.related).map((v: { mdtrt_id: string }) => v.mdtrt_id), items[0]!.related, 'the other visits that made it fire');
  // Zhuzhou's insured people treated in Zhuzhou: nothing of Jiangxi's.
  assert.equal((await get(`/api/v1/supervision/findings/${items[0]!.id}`, jiangxi)).statusCode, 403);
  assert.ok(!(await get('/api/v1/supervision/findings?rule_type=over_quantity_prescribing', jiangxi)).json().items.some((f: { id: number }) => f.id === items[0]!.id));
  assert.equal((await get('/api/v1/supervision/findings', clerk)).statusCode, 403);
  assert.equal((await get('/api/v1/supervision/findings/999999999', hunan)).statusCode, 404);
  assert.equal((await get('/api/v1/supervision/findings?severity=grave', hunan)).statusCode, 400);
  const rules = await get('/api/v1/supervision/rules', hunan);
  assert.equal(rules.json().items.length, 13);
  const bad = await app.inject({ method: 'POST', url: '/api/v1/supervision/rules/check', headers: { cookie: hunan }, payload: { ...library(), rules: [{ ...library().rules[0], severity: 'grave' }] } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /\/rules\/0\/severity/);
  const scan = await app.inject({ method: 'POST', url: '/api/v1/supervision/scans', headers: { cookie: hunan }, payload: { admdvs: '430200', incremental: true } });
  assert.equal(scan.statusCode, 200, scan.body);
  assert.equal(scan.json().scope, '430200');
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/supervision/scans', headers: { cookie: jiangxi }, payload: { admdvs: '430200' } })).statusCode, 403);
});
