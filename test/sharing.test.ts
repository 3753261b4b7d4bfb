import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { HOSPITAL, RESIDENT, RETIREE, ok } from './support/gateway-world.ts';
import { lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { staffCookie } from './support/auth.ts';
import { buildApp } from '../src/server/app.ts';
import { createAgreement } from '../src/app/cooperation/agreements.ts';
import { FUND_PARTS } from '../src/app/supervision/sharing.ts';
import { unzip } from './support/zip.ts';

// The monthly expense-data sharing report (协议数据共享) over settlements made through the real
// gateway: the Jiujiang retiree settles three times in Zhuzhou in March 2026 (one of them then
// cancelled) and a Zhuzhou resident once at home; an agreement of Jiujiang, Zhuzhou and Changsha
// shares data. The report's figures equal a direct SQL sum over the month's settlements; the
// findings on them are counted by rule type (a closed one is not); CSV and XLSX hold the rows;
// staff of a member read it, of a non-member are refused; bad input names its field.

let w: SettlementWorld;
let app: FastifyInstance;
let hn: string;
let jx: string;
let sc: string;
const AGREEMENT = 'TEST-SHARE-1';
const MONTH = '2026-03';
const setlIds: string[] = [];

before(async () => {
  w = await openSettlementWorld();
  for (const prefix of ['A', 'B', 'C']) {
    const v = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
    ok(await w.call('2204', { feedetail: lines(v.data.mdtrt_id, RETIREE.psn_no, prefix, prefix === 'B' ? 7 : 3) }));
    const s = ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: v.data.mdtrt_id, acct_used_flag: '1' } }));
    setlIds.push(s.setlinfo.setl_id);
    if (prefix === 'C') ok(await w.call('2208', { data: { psn_no: RETIREE.psn_no, mdtrt_id: v.data.mdtrt_id, setl_id: s.setlinfo.setl_id } }));
  }
  // A local settlement: insured and treated in Zhuzhou, not shared.
  const v = ok(await w.call('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno } }));
  ok(await w.call('2204', { feedetail: lines(v.data.mdtrt_id, RESIDENT.psn_no, 'R', 2) }));
  ok(await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: v.data.mdtrt_id } }));

  const actor = { type: 'staff' as const, id: 'test', name: 'test' };
  await createAgreement(w.db.pool, new Date(), actor, {
    agreement_no: AGREEMENT, name: '测试数据共享协议', begndate: '2025-01-01', members: ['360400', '430200', '430100'],
    clauses: [{ kind: 'data_sharing', params: { report: 'monthly' } }],
  });
  await createAgreement(w.db.pool, new Date(), actor, { agreement_no: 'TEST-NOSHARE', name: '无共享条款', begndate: '2025-01-01', members: ['360400', '430200'], clauses: [{ kind: 'inpatient_dip_budget' }] });
  await createAgreement(w.db.pool, new Date(), actor, {
    agreement_no: 'TEST-LATER', name: '共享条款晚于三月', begndate: '2025-01-01', members: ['360400', '430200'], clauses: [{ kind: 'data_sharing', begndate: '2026-06-01' }],
  });
  // Findings on the first settlement: two open (of two rule types), one closed (not counted).
  const finding = (fp: string, type: string, amount: number, status: string, setl: string) => w.db.pool.query(
    `INSERT INTO supervision_findings (fingerprint, stage, rule_code, rule_version, rule_type, severity, mdtrt_id, setl_id, psn_no, fixmedins_code, mdtrtarea_admvs, insuplc_admdvs, amount_fen, vola_cont, status, found_at)
     SELECT $1, 'after', 'T-' || $2, 1, $2, 'suspect', mdtrt_id, setl_id, psn_no, fixmedins_code, mdtrtarea_admvs, insuplc_admdvs, $3, '{"zh":"测试","en":"test"}', $4, now() FROM settlements WHERE setl_id = $5`,
    [fp, type, amount, status, setl],
  );
  await finding('T1', 'duplicate_charging', 1250, 'open', setlIds[0]!);
  await finding('T2', 'over_standard_charging', 300, 'in_case', setlIds[0]!);
  await finding('T3', 'split_charging', 999, 'closed', setlIds[1]!);
  // a finding on the cancelled settlement is not on a settlement in force
  await finding('T4', 'duplicate_charging', 777, 'open', setlIds[2]!);

  app = await buildApp({ pool: w.db.pool, now: () => new Date('2026-04-05T02:00:00Z') });
  hn = await staffCookie(w.db.pool, { username: 'hn.supervisor', role: 'supervisor', regions: ['430000'] });
  jx = await staffCookie(w.db.pool, { username: 'jj.reviewer', role: 'reviewer', regions: ['360400'] });
  sc = await staffCookie(w.db.pool, { username: 'sc.supervisor', role: 'supervisor', regions: ['510000'] });
});
after(async () => {
  await app?.close();
  await w?.close();
});

async function get(url: string, cookie: string): Promise<{ status: number; json: () => any; body: string; raw: Buffer; headers: Record<string, unknown> }> {
  const res = await app.inject({ method: 'GET', url, headers: { cookie } });
  return { status: res.statusCode, json: () => res.json(), body: res.body, raw: res.rawPayload, headers: res.headers };
}

test("the month's figures equal a direct sum over the settlements in force, Jiujiang's people in Zhuzhou only", async () => {
  const r = await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}`, hn);
  assert.equal(r.status, 200, r.body);
  const rep = r.json();
  assert.deepEqual(rep.members.map((m: any) => m.admdvs), ['360400', '430100', '430200']);
  const parts = FUND_PARTS.map((p) => `coalesce(sum((setlinfo->>'${p}')::bigint), 0)::bigint AS ${p}`).join(', ');
  const direct = (await w.db.pool.query(
    `SELECT count(*)::int AS n, count(DISTINCT psn_no)::int AS psn, sum(medfee_sumamt)::bigint AS medfee, sum(fund_pay_sumamt)::bigint AS fund, ${parts}
       FROM settlements WHERE kind = 'settle' AND status = 'settled' AND insuplc_admdvs LIKE '3604%' AND mdtrtarea_admvs LIKE '4302%'
        AND setl_time >= '2026-03-01T00:00:00+08:00' AND setl_time < '2026-04-01T00:00:00+08:00'`,
  )).rows[0];
  assert.equal(direct.n, 2, 'two settlements in force (the third was cancelled)');
  const jj = rep.members.find((m: any) => m.admdvs === '360400');
  assert.equal(jj.name, '九江市');
  assert.equal(jj.institutions.length, 1);
  const inst = jj.institutions[0];
  assert.deepEqual([inst.treatment_admdvs, inst.fixmedins_code, inst.setl_cnt, inst.psn_cnt], ['430200', HOSPITAL, 2, 1]);
  assert.equal(inst.medfee_sumamt, Number(direct.medfee));
  assert.equal(inst.fund_pay_sumamt, Number(direct.fund));
  for (const p of FUND_PARTS) assert.equal(inst.parts[p], Number(direct[p]), p);
  assert.ok(inst.parts.hifp_pay > 0 && inst.parts.acct_pay > 0, 'the pooled fund and the account both paid');
  assert.equal(FUND_PARTS.reduce((s, p) => s + inst.parts[p], 0), inst.medfee_sumamt, 'the parts add up to the cost');
  assert.deepEqual(jj.by_treatment.map((t: any) => [t.treatment_admdvs, t.treatment_name, t.setl_cnt]), [['430200', '株洲市', 2]]);
  assert.deepEqual(jj.totals.setl_cnt, 2);
  // Findings: the open and the in-case one on a settlement in force; not the closed one, nor the one on the cancelled settlement.
  assert.deepEqual(inst.findings_by_rule_type, [{ rule_type: 'duplicate_charging', n: 1, amount_fen: 1250 }, { rule_type: 'over_standard_charging', n: 1, amount_fen: 300 }]);
  assert.deepEqual([inst.findings, inst.findings_amount_fen], [2, 1550]);
  assert.deepEqual(rep.findings_by_rule_type, jj.findings_by_rule_type);
  // Zhuzhou's own resident at home is no one's shared row; Changsha and Zhuzhou have no insured people elsewhere.
  for (const m of rep.members.filter((x: any) => x.admdvs !== '360400')) assert.deepEqual([m.institutions, m.totals.setl_cnt], [[], 0], m.admdvs);
  assert.equal(rep.totals.setl_cnt, 2);
  assert.equal(rep.totals.medfee_sumamt, Number(direct.medfee));
  assert.equal(rep.fund_part_names.hifp_pay.zh, '基本医疗保险统筹基金');

  // A month without settlements: every member, nothing in it.
  const feb = (await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=2026-02`, hn)).json();
  assert.equal(feb.totals.setl_cnt, 0);
  assert.deepEqual(feb.members.map((m: any) => m.institutions.length), [0, 0, 0]);
});

test('every member reads every member’s rows; a non-member region’s staff is refused', async () => {
  const a = await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}`, hn);
  const b = await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}`, jx);
  assert.equal(b.status, 200, b.body);
  assert.equal(b.body, a.body, 'Jiujiang and Hunan see the same report');
  const foreign = await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}`, sc);
  assert.equal(foreign.status, 403, foreign.body);
  assert.doesNotMatch(foreign.body, new RegExp(HOSPITAL));
  for (const f of ['csv', 'xlsx']) assert.equal((await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}&format=${f}`, sc)).status, 403, f);
  // A path naming a member region in the query does not let a non-member in.
  assert.equal((await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}&admdvs=360400`, sc)).status, 403);
  const clerk = await staffCookie(w.db.pool, { username: 'zz.clerk', role: 'clerk', regions: ['430200'] });
  assert.equal((await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}`, clerk)).status, 403, 'a clerk does not read supervision reports');
});

test('CSV has the byte-order mark and the rows; XLSX opens as a zip with the sheet', async () => {
  const csv = await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}&format=csv`, hn);
  assert.equal(csv.status, 200, csv.body);
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  assert.match(String(csv.headers['content-disposition']), new RegExp(`sharing-${AGREEMENT}-${MONTH}\\.csv`));
  assert.deepEqual([...csv.raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the UTF-8 BOM');
  const rows = csv.raw.subarray(3).toString('utf8').trim().split('\r\n');
  assert.match(rows[0]!, /^协议 agreement,月份 month,参保地 insured/);
  assert.equal(rows.length, 1 + 1 + 3, 'the header, one institution row, a total per member');
  const inst = rows.find((r) => r.includes(HOSPITAL))!;
  const rep = (await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}`, hn)).json();
  const i = rep.members[0].institutions[0];
  assert.ok(inst.startsWith(`${AGREEMENT},${MONTH},360400,九江市,430200,株洲市,${HOSPITAL},`), inst);
  assert.ok(inst.includes(`,2,1,${i.medfee_sumamt / 100},${i.fund_pay_sumamt / 100},`), `counts and yuan amounts: ${inst}`);
  assert.match(inst, /重复收费 duplicate_charging 1 \/ 12\.50/);
  assert.ok(rows.some((r) => r.startsWith(`${AGREEMENT},${MONTH},360400,九江市,合计 total`)));

  const xlsx = await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}&format=xlsx`, hn);
  assert.equal(xlsx.status, 200, xlsx.body);
  assert.equal(xlsx.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const files = unzip(xlsx.raw);
  const sheet = files.get('xl/worksheets/sheet1.xml');
  assert.ok(sheet, [...files.keys()].join(', '));
  assert.match(sheet, new RegExp(HOSPITAL));
  assert.match(sheet, /<c r="I2"><v>2<\/v><\/c>/, 'the settlement count as a number');
  assert.match(files.get('xl/workbook.xml') ?? '', new RegExp(`name="${MONTH} ${AGREEMENT}"`));
});

test('bad input names its field, in Chinese and English', async () => {
  const refused = async (url: string, status: number, field: string) => {
    const r = await get(url, hn);
    assert.equal(r.status, status, `${url}: ${r.body}`);
    const d = r.json().details?.[0];
    assert.equal(d?.field, field, r.body);
    assert.ok(d.zh && d.en, 'in Chinese and English');
  };
  for (const m of ['2026-13', '2026-3', '202603', 'march', '1999-12']) await refused(`/api/v1/supervision/sharing/${AGREEMENT}?month=${m}`, 400, 'month');
  await refused(`/api/v1/supervision/sharing/${AGREEMENT}`, 400, 'month');
  await refused(`/api/v1/supervision/sharing/NO-SUCH?month=${MONTH}`, 404, 'agreement_no');
  await refused(`/api/v1/supervision/sharing/TEST-NOSHARE?month=${MONTH}`, 400, 'agreement_no');
  await refused(`/api/v1/supervision/sharing/TEST-LATER?month=${MONTH}`, 400, 'month');
  assert.equal((await get(`/api/v1/supervision/sharing/TEST-LATER?month=2026-06`, hn)).status, 200, 'within the clause');
  const fmt = await get(`/api/v1/supervision/sharing/${AGREEMENT}?month=${MONTH}&format=pdf`, hn);
  assert.equal(fmt.status, 400, fmt.body);
});
