import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { RETIREE, ok } from './support/gateway-world.ts';
import { lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { staffCookie } from './support/auth.ts';
import { buildApp } from '../src/server/app.ts';

// What the supervision pages call beyond the scan's own tests: the finding queue's region and
// period filters with its counts by rule type, and publishing a region's rule library as a new
// version (checked first, refused by JSON path, only for a region the caller covers, audited).

let w: SettlementWorld;
let app: FastifyInstance;
let hn: string;
let zz: string;
let admin: string;
let mdtrtId = '';

before(async () => {
  w = await openSettlementWorld();
  const v = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
  mdtrtId = v.data.mdtrt_id;
  ok(await w.call('2204', { feedetail: lines(mdtrtId, RETIREE.psn_no, 'A', 2) }));
  const s = ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, acct_used_flag: '1' } }));
  for (const [fp, type, amount] of [['Q1', 'duplicate_charging', 100], ['Q2', 'duplicate_charging', 200], ['Q3', 'sex_restricted', 50]] as const) {
    await w.db.pool.query(
      `INSERT INTO supervision_findings (fingerprint, stage, rule_code, rule_version, rule_type, severity, mdtrt_id, setl_id, psn_no, fixmedins_code, mdtrtarea_admvs, insuplc_admdvs, amount_fen, vola_cont, found_at)
       SELECT $1, 'after', 'T-' || $1, 1, $2, 'suspect', mdtrt_id, setl_id, psn_no, fixmedins_code, mdtrtarea_admvs, insuplc_admdvs, $3, '{"zh":"测试","en":"test"}', now() FROM settlements WHERE setl_id = $4`,
      [fp, type, amount, s.setlinfo.setl_id],
    );
  }
  app = await buildApp({ pool: w.db.pool, now: () => new Date('2026-04-05T02:00:00Z') });
  hn = await staffCookie(w.db.pool, { username: 'hn.supervisor', role: 'supervisor', regions: ['430000'] });
  zz = await staffCookie(w.db.pool, { username: 'zz.supervisor', role: 'supervisor', regions: ['430200'] });
  admin = await staffCookie(w.db.pool, { username: 'root', role: 'admin', regions: ['000000'] });
});
after(async () => {
  await app?.close();
  await w?.close();
});

async function call(method: 'GET' | 'POST', url: string, cookie: string, payload?: unknown): Promise<{ status: number; json: () => any; body: string }> {
  const res = await app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, json: () => res.json(), body: res.body };
}

test('the queue: counts by rule type under the other filters, region and period filters narrow, never widen', async () => {
  const all = (await call('GET', '/api/v1/supervision/findings', hn)).json();
  assert.equal(all.total, 3);
  assert.deepEqual(all.by_rule_type, [{ rule_type: 'duplicate_charging', n: 2, amount_fen: 300 }, { rule_type: 'sex_restricted', n: 1, amount_fen: 50 }]);
  const dup = (await call('GET', '/api/v1/supervision/findings?rule_type=duplicate_charging&limit=1', hn)).json();
  assert.equal(dup.total, 2);
  assert.equal(dup.items.length, 1, 'paged');
  assert.deepEqual(dup.by_rule_type, all.by_rule_type, 'the counts show every type whichever is picked');
  const page2 = (await call('GET', '/api/v1/supervision/findings?rule_type=duplicate_charging&limit=1&offset=1', hn)).json();
  assert.notEqual(page2.items[0].id, dup.items[0].id);
  // The period is the claim's begin day (2026-03-15, China time).
  assert.equal((await call('GET', '/api/v1/supervision/findings?from=2026-03-15&to=2026-03-15', hn)).json().total, 3);
  assert.equal((await call('GET', '/api/v1/supervision/findings?from=2026-03-16', hn)).json().total, 0);
  assert.equal((await call('GET', '/api/v1/supervision/findings?to=2026-03-14', hn)).json().total, 0);
  // Region: the treatment (Zhuzhou) or insured (Jiujiang) region; another region has none.
  assert.equal((await call('GET', '/api/v1/supervision/findings?admdvs=430200', hn)).json().total, 3);
  assert.equal((await call('GET', '/api/v1/supervision/findings?admdvs=430100', hn)).json().total, 0);
  // A Hunan supervisor naming Jiujiang sees only what is Hunan's too: these are, being treated in Zhuzhou.
  assert.equal((await call('GET', '/api/v1/supervision/findings?admdvs=360400', hn)).json().total, 3);
  const sc = await staffCookie(w.db.pool, { username: 'sc.supervisor', role: 'supervisor', regions: ['510000'] });
  assert.equal((await call('GET', '/api/v1/supervision/findings?admdvs=430200', sc)).json().total, 0, 'naming a region does not widen the caller’s');
  const bad = await call('GET', '/api/v1/supervision/findings?from=2026-03-20&to=2026-03-01', hn);
  assert.equal(bad.status, 400, bad.body);
  assert.equal(bad.json().details[0].field, 'to');
});

const zhuzhouLibrary = (version: number, extra: Record<string, unknown> = {}) => ({
  rules_id: 'supervision-430200', version, admdvs: '430200', effective_from: '2026-01-01', source: 'test',
  rules: [{
    code: 'ZZ-FZ-001', name: { zh: '株洲分解住院（10 天）', en: 'Zhuzhou split admission (10 days)' }, type: 'split_admission', severity: 'suspect', blocking: false,
    scenarios: ['inpatient'], stages: ['after'], insutypes: [], regions: [], params: { days: 10, diagnosis_match: 'category', same_institution: false }, ...extra,
  }],
});

test('check refuses a bad draft by JSON path; publish stores a new version for a region the caller covers, audited', async () => {
  const check = await call('POST', '/api/v1/supervision/rules/check', hn, zhuzhouLibrary(1, { severity: 'terrible' }));
  assert.equal(check.status, 400, check.body);
  assert.ok(check.json().details.some((d: any) => d.field === '/rules/0/severity' && d.zh && d.en), check.body);

  const docsBefore = (await w.db.pool.query(`SELECT count(*)::int AS n FROM documents WHERE kind = 'supervision_rules'`)).rows[0].n;
  const refused = await call('POST', '/api/v1/supervision/rules', hn, { admdvs: '430200', doc: zhuzhouLibrary(1, { params: { days: -3 } }) });
  assert.equal(refused.status, 400, refused.body);
  assert.ok(refused.json().details.some((d: any) => d.field.startsWith('/rules/0/params')), refused.body);
  const mismatch = await call('POST', '/api/v1/supervision/rules', hn, { admdvs: '430100', doc: zhuzhouLibrary(1) });
  assert.equal(mismatch.status, 400, mismatch.body);
  assert.equal(mismatch.json().details[0].field, '/admdvs');
  const foreign = await call('POST', '/api/v1/supervision/rules', zz, { admdvs: '360400', doc: { ...zhuzhouLibrary(1), admdvs: '360400', rules_id: 'supervision-360400' } });
  assert.equal(foreign.status, 403, foreign.body);
  const national = await call('POST', '/api/v1/supervision/rules', hn, { admdvs: '000000', doc: { ...zhuzhouLibrary(2), admdvs: 'national', rules_id: 'supervision-national' } });
  assert.equal(national.status, 403, 'the national library is for the deployment’s administrators');
  assert.equal((await w.db.pool.query(`SELECT count(*)::int AS n FROM documents WHERE kind = 'supervision_rules'`)).rows[0].n, docsBefore, 'nothing stored');

  const published = await call('POST', '/api/v1/supervision/rules', zz, { admdvs: '430200', doc: zhuzhouLibrary(1), note: '株洲 10 天' });
  assert.equal(published.status, 201, published.body);
  assert.deepEqual([published.json().rules_id, published.json().version, published.json().admdvs, published.json().stored_by], ['supervision-430200', 1, '430200', 'zz.supervisor']);
  const audit = await w.db.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'supervision_rules.publish'`);
  assert.deepEqual(audit.rows.map((r) => [r.actor, r.detail.version]), [['zz.supervisor', 1]]);
  const rules = (await call('GET', '/api/v1/supervision/rules', hn)).json();
  const mine = rules.items.find((r: any) => r.code === 'ZZ-FZ-001');
  assert.deepEqual([mine.version, mine.regions, mine.params.days], [1, ['4302'], 10]);
  assert.ok(rules.documents.some((d: any) => d.rules_id === 'supervision-430200' && d.version === 1 && d.doc.rules[0].code === 'ZZ-FZ-001'));

  const again = await call('POST', '/api/v1/supervision/rules', zz, { admdvs: '430200', doc: zhuzhouLibrary(1) });
  assert.equal(again.status, 409, 'a version is never replaced');
  const v2 = await call('POST', '/api/v1/supervision/rules', admin, { admdvs: '430200', doc: zhuzhouLibrary(2) });
  assert.equal(v2.status, 201, v2.body);
  const clerk = await staffCookie(w.db.pool, { username: 'zz.clerk', role: 'clerk', regions: ['430200'] });
  assert.equal((await call('POST', '/api/v1/supervision/rules', clerk, { admdvs: '430200', doc: zhuzhouLibrary(3) })).status, 403);
});
