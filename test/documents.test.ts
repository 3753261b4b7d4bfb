import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { createPool, inTransaction, type Pool } from '../src/store/db.ts';
import { DocumentRegistry } from '../src/store/documents/registry.ts';
import { DOCUMENT_KINDS } from '../src/store/documents/rows.ts';
import type { YibaoError } from '../src/engine/errors.ts';
import { migrate, migrationsDir } from '../src/store/migrate.ts';
import { staffCookie } from './support/auth.ts';
import { envelope, NOW, ok, post, RESIDENT, signInAs } from './support/gateway-world.ts';
import { lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';

// The one registry of versioned documents: the rows of policy_documents and catalog_documents
// come across migration 014; a stored version moves the generation, settlement prices it and
// the workbench shows it (not the file); a refused document stores nothing; versions are
// never edited.

const root = path.resolve(import.meta.dirname, '..');
const file = (f: string): any => JSON.parse(fs.readFileSync(path.join(root, f), 'utf8'));

let w: SettlementWorld;
let app: FastifyInstance;
let registry: DocumentRegistry;
let admin: string;
let clerk: string;
let signNo: string;
before(async () => {
  w = await openSettlementWorld();
  // This app's own registry, checked on every request, so an answer follows a store at once.
  registry = new DocumentRegistry(0);
  app = await buildApp({ pool: w.db.pool, now: () => NOW, documents: registry });
  signNo = await signInAs(app);
  admin = await staffCookie(w.db.pool, { username: 'zz.admin', role: 'admin', regions: ['430200'] });
  clerk = await staffCookie(w.db.pool, { username: 'zz.clerk', role: 'clerk', regions: ['430200'] });
});
after(async () => {
  await app.close();
  await w.close();
});

const call = (infno: string, input: unknown): ReturnType<typeof post> => post(app, envelope(infno, input, { sign_no: signNo }));
async function rest(method: 'GET' | 'POST', url: string, cookie: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  return { status: res.statusCode, body: res.json() };
}
const generation = async (): Promise<number> => (await registry.compiled(w.db.pool, { fresh: true })).generation;
const rowCount = async (): Promise<number> => (await w.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents`)).rows[0]!.n;

test('migration 014 carries the policy and catalog rows across; the old names stay readable', async () => {
  const adminUrl = process.env.YIBAO_TEST_ADMIN_URL!;
  const name = 'm14_' + crypto.randomBytes(5).toString('hex');
  const admin = createPool(adminUrl, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = '/' + name;
  const pool: Pool = createPool(url.toString(), 2);
  try {
    // The schema as it was before 014, recorded as applied, holding documents the old way.
    await pool.query(`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const f of fs.readdirSync(migrationsDir()).filter((n) => /^\d{3}_/.test(n) && n < '014').sort()) {
      await pool.query(fs.readFileSync(path.join(migrationsDir(), f), 'utf8'));
      await pool.query(`INSERT INTO schema_migrations (name) VALUES ($1)`, [f]);
    }
    const policy = file('policies/430200-390-2026.json');
    const loadedAt = new Date('2026-01-02T03:04:05Z');
    await pool.query(`INSERT INTO policy_documents (policy_id, version, admdvs, insutype, doc, loaded_at) VALUES ($1, 1, '430200', '390', $2, $3)`, [policy.policy_id, policy, loadedAt]);
    await pool.query(`INSERT INTO catalog_documents (catalog_id, admdvs, version, doc, loaded_at) VALUES ('base-2026', 'base', 1, $1, $2), ('430200-2026', '430200', 1, $3, $2)`, [file('catalogs/base.json'), loadedAt, file('catalogs/430200.json')]);
    const before = (await pool.query<{ g: string }>(`SELECT last_value::text AS g FROM settlement_documents_generation`)).rows[0]!.g;

    assert.ok((await migrate(pool)).includes('014_documents.sql'));
    const rows = (await pool.query(`SELECT kind, doc_id, version, admdvs, stored_at, stored_by, doc FROM documents ORDER BY kind, doc_id`)).rows;
    assert.deepEqual(rows.map((r) => [r.kind, r.doc_id, r.version, r.admdvs, r.stored_at.toISOString(), r.stored_by]), [
      ['catalog', '430200-2026', 1, '430200', loadedAt.toISOString(), 'migration 014'],
      ['catalog', 'base-2026', 1, 'base', loadedAt.toISOString(), 'migration 014'],
      ['policy', '430200-390-2026', 1, '430200', loadedAt.toISOString(), 'migration 014'],
    ]);
    assert.deepEqual(rows[2]!.doc, policy, 'the document itself, unchanged');
    // Readable the same way under the old names.
    const old = (await pool.query(`SELECT policy_id, version, admdvs, insutype, loaded_at FROM policy_documents`)).rows;
    assert.deepEqual(old.map((r) => [r.policy_id, r.version, r.admdvs, r.insutype, r.loaded_at.toISOString()]), [['430200-390-2026', 1, '430200', '390', loadedAt.toISOString()]]);
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM catalog_documents WHERE admdvs = 'base'`)).rows[0].n, 1);
    // The generation keeps counting, and the carried set compiles for settlement.
    const docs = await new DocumentRegistry(0).compiled(pool);
    assert.ok(docs.generation >= Number(before), `generation ${docs.generation} continues from ${before}`);
    assert.deepEqual(docs.policies.map((p) => p.policy_id), ['430200-390-2026']);
    assert.ok(docs.catalogs.has('430200'));
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});

test('the kinds are declared, each with its rules', async () => {
  assert.deepEqual(registry.kinds().map((k) => [k.kind, k.storable]), [['policy', true], ['catalog', true], ['clearing_rules', true], ['grouping_scheme', true], ['payment_rules', true], ['supervision_rules', true], ['service_items', true], ['assistance_rules', true]]);
  assert.deepEqual(registry.kinds().map((k) => k.kind), [...DOCUMENT_KINDS]);
  // A service-item catalogue without items is refused naming the field.
  await assert.rejects(inTransaction(w.db.pool, (q) => registry.store(q, { kind: 'service_items', doc: { catalogue_id: 'service-items-x', admdvs: '000000', version: 1, items: [] }, stored_by: 'test' })), (err: YibaoError) => err.details.some((d) => d.field === '/items'));
  // A supervision library is checked like a policy: an empty one is refused naming the field.
  await assert.rejects(inTransaction(w.db.pool, (q) => registry.store(q, { kind: 'supervision_rules', doc: { ...file('supervision-rules/national-2026.json'), rules: [] }, stored_by: 'test' })), (err: YibaoError) => err.details.some((d) => d.field === '/rules'));
});

test('a new policy version: the generation moves, settlement prices it, the workbench lists and shows it', async () => {
  const v1 = file('policies/430200-390-2026.json');
  const v2 = structuredClone(v1);
  v2.version = 2;
  v2.outpatient.deductible_yuan_by_lv['3'] = 0;
  v2.outpatient.ratio_bp_by_lv['3'] = 9000;

  // A visit priced on version 1.
  const mdtrtId = ok(await call('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, ipt_otp_no: 'MZ-DOC', dept_code: '01', dept_name: '内科', caty: 'A03' } })).data.mdtrt_id;
  ok(await call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
  const settleInput = { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } };
  const before = ok(await call('2206', settleInput)).setlinfo;
  const g1 = await generation();

  const stored = await rest('POST', '/api/v1/policies', admin, { admdvs: '430200', policy: v2, note: '三级医院门诊报销 90%' });
  assert.equal(stored.status, 201, JSON.stringify(stored.body));
  assert.deepEqual([stored.body.file, stored.body.version, stored.body.stored_by, stored.body.note], ['430200-390-2026.json', 2, 'zz.admin', '三级医院门诊报销 90%']);
  assert.ok((await generation()) > g1, 'the generation moved');

  // Settlement prices the new version.
  const after = ok(await call('2206', settleInput)).setlinfo;
  assert.ok(after.hifp_pay > before.hifp_pay, `the pooled fund pays more on version 2 (${before.hifp_pay} → ${after.hifp_pay})`);
  const setl = ok(await call('2207', settleInput)).setlinfo;
  const row = (await w.db.pool.query(`SELECT policy_id, policy_version FROM settlements WHERE setl_id = $1`, [setl.setl_id])).rows[0];
  assert.deepEqual(row, { policy_id: '430200-390-2026', policy_version: 2 });

  // The workbench reads the same stored versions.
  const list = await rest('GET', '/api/v1/policies', clerk);
  const item = list.body.items.find((p: any) => p.policy_id === '430200-390-2026');
  assert.deepEqual(item, { file: '430200-390-2026.json', policy_id: '430200-390-2026', version: 2, admdvs: '430200', region_name: v1.region_name, insutype: '390', effective_from: v1.effective_from, effective_to: v1.effective_to });
  assert.equal(list.body.items.filter((p: any) => p.policy_id === '430200-390-2026').length, 1, 'one entry per policy: its newest version');
  const shown = await rest('GET', '/api/v1/policies/430200-390-2026.json', clerk);
  assert.equal(shown.body.outpatient.ratio_bp_by_lv['3'], 9000, 'the stored version, not the file');
  assert.equal((await rest('GET', '/api/v1/policies/430200-390-2026.json?version=1', clerk)).body.outpatient.ratio_bp_by_lv['3'], v1.outpatient.ratio_bp_by_lv['3']);
  const versions = await rest('GET', '/api/v1/policies/430200-390-2026.json/versions', clerk);
  assert.deepEqual(versions.body.items.map((v: any) => [v.version, v.stored_by]), [[2, 'zz.admin'], [1, 'seed']]);

  // One claim explained on the stored version in force, and the draft simulated against it.
  const claim = { visit: { med_type: '11', hosp_lv: '3', mdtrtarea_admvs: '430200', insuplc_admdvs: '430200', cross_region_status: 'local', dise_codes: ['J06.900'], setl_date: '2026-03-15' }, person: { psn_no: 'X1', insutype: '390', psn_type: '1501', gend: '1', age: 45 }, feedetail: [{ feedetl_sn: '1', med_list_codg: '110200001', det_item_fee_sumamt: 100, cnt: 1, pric: 100 }] };
  const one = await rest('POST', '/api/v1/policies/simulate', clerk, { claims: JSON.stringify(claim) });
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.deepEqual([one.body.settlement.policy_id, one.body.settlement.policy_version], ['430200-390-2026', 2]);
  const v3 = structuredClone(v2);
  v3.version = 3;
  v3.outpatient.ratio_bp_by_lv['3'] = 5000;
  const sim = await rest('POST', '/api/v1/policies/simulate', clerk, { to: v3, claims: JSON.stringify(claim) });
  assert.equal(sim.status, 200, JSON.stringify(sim.body));
  assert.deepEqual(sim.body.changes, [{ path: '/outpatient/ratio_bp_by_lv/3', from: 9000, to: 5000 }], 'compared with the stored version 2');
  assert.ok(Number(sim.body.fund.difference) < 0);
});

test('a document the engine refuses, or one that overlaps a stored policy, stores nothing', async () => {
  const count = await rowCount();
  const g = await generation();
  const broken = { ...file('policies/430200-310-2026.json'), version: 2, outpatient: { ratio_bp_by_lv: { '1': 12000 } } };
  const refused = await rest('POST', '/api/v1/policies', admin, { admdvs: '430200', policy: broken });
  assert.equal(refused.status, 400);
  assert.ok(refused.body.details.some((d: any) => d.field.startsWith('/outpatient')), JSON.stringify(refused.body.details));
  // A second policy of 430200 residents in force over the same period.
  const overlapping = { ...file('policies/430200-390-2026.json'), policy_id: '430200-390-2026x', version: 1 };
  const validated = await rest('POST', '/api/v1/policies/validate', clerk, { policy: overlapping });
  assert.equal(validated.body.valid, false);
  assert.deepEqual(validated.body.problems.map((p: any) => p.field), ['/effective_from']);
  assert.match(validated.body.problems[0].en, /overlaps 430200-390-2026/);
  assert.equal((await rest('POST', '/api/v1/policies', admin, { admdvs: '430200', policy: overlapping })).status, 400);
  // A catalog for a region whose items the base does not hold.
  await assert.rejects(
    inTransaction(w.db.pool, (q) => registry.store(q, { kind: 'catalog', doc: { ...file('catalogs/430200.json'), version: 2, items: [{ med_list_codg: 'NOTINBASE01', removed: true }] }, stored_by: 'test' })),
    /removed item is not in the base catalog/,
  );
  assert.equal(await rowCount(), count, 'nothing stored');
  assert.equal(await generation(), g, 'the generation did not move');
  // The workbench's store stays behind the access table and the caller's region.
  assert.equal((await rest('POST', '/api/v1/policies', clerk, { admdvs: '430200', policy: file('policies/430200-310-2026.json') })).status, 403);
  assert.equal((await rest('POST', '/api/v1/policies', admin, { admdvs: '360400', policy: file('policies/360400-390-2026.json') })).status, 403);
  assert.equal((await rest('POST', '/api/v1/policies', admin, { admdvs: '430200', policy: file('policies/360400-390-2026.json') })).status, 400, 'the document is of another region than the body says');
});

test('versions are append-only: the same or an older version is refused, and SQL cannot edit one', async () => {
  const again = await rest('POST', '/api/v1/policies', admin, { admdvs: '430200', policy: file('policies/430200-310-2026.json') });
  assert.equal(again.status, 409);
  assert.match(again.body.message, /already has version 1/);
  await assert.rejects(w.db.pool.query(`UPDATE documents SET doc = '{}' WHERE kind = 'policy' AND doc_id = '430200-310-2026'`), /append-only/);
  await assert.rejects(w.db.pool.query(`DELETE FROM documents WHERE kind = 'policy'`), /append-only/);
  // The seed on a later start leaves a newer stored version alone.
  const { seedSettlementDocuments } = await import('../src/store/documents/seed.ts');
  assert.deepEqual(await seedSettlementDocuments(w.db.pool), { policies: 0, catalogs: 0, clearing_rules: 0, payment_rules: 0, supervision_rules: 0 });
  assert.equal((await registry.newest(w.db.pool, 'policy', '430200-390-2026')).version, 2);
});

test('the CLI with --database settles and compares on the stored versions', async () => {
  const { execFileSync } = await import('node:child_process');
  const os = await import('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-cli-'));
  try {
    const claim = { visit: { med_type: '11', hosp_lv: '3', mdtrtarea_admvs: '430200', insuplc_admdvs: '430200', cross_region_status: 'local', dise_codes: ['J06.900'], setl_date: '2026-03-15' }, person: { psn_no: 'X1', insutype: '390', psn_type: '1501', gend: '1', age: 45 }, feedetail: [{ feedetl_sn: '1', med_list_codg: '110200001', det_item_fee_sumamt: 100, cnt: 1, pric: 100 }] };
    const claimFile = path.join(dir, 'claim.json');
    fs.writeFileSync(claimFile, JSON.stringify(claim));
    const yibao = (...args: string[]): string => execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
    const stored = JSON.parse(yibao('settle', '--database', w.db.url, '--claim', claimFile, '--json'));
    assert.deepEqual([stored.policy_id, stored.policy_version], ['430200-390-2026', 2], 'the stored version in force');
    const onFiles = JSON.parse(yibao('settle', '--claim', claimFile, '--json'));
    assert.deepEqual([onFiles.policy_id, onFiles.policy_version], ['430200-390-2026', 1], 'on files: the file');
    const compared = JSON.parse(yibao('compare', '--database', w.db.url, '--from', '430200-390-2026@1', '--to', '430200-390-2026.json', '--claims', claimFile));
    assert.equal(compared.claims, 1);
    assert.ok(Number(compared.fund.difference) > 0, 'version 2 pays more than version 1');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
