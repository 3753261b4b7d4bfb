import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { RETIREE, ok } from './support/gateway-world.ts';
import { assertBooksHold, lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { staffCookie } from './support/auth.ts';
import { buildApp } from '../src/server/app.ts';
import { adjust } from '../src/app/clearing/advance-funds.ts';
import { findTransfer } from '../src/store/ledger.ts';
import { unzip } from './support/zip.ts';

// The finance staff's clearing routes over settlements made through the real gateway: the
// Jiujiang (Jiangxi) retiree settles twice in Zhuzhou (Hunan) in March 2026; March is run
// through POST /clearing/runs; each side sees what it is party to; both confirm and it is paid;
// the exports hold the lines; bad input, a foreign statement and a wrong side are refused and
// change nothing.

let w: SettlementWorld;
let app: FastifyInstance;
let hn: string;
let jx: string;
let bj: string;
let admin: string;
let clerk: string;
const setlIds: string[] = [];
let owed = 0;

before(async () => {
  w = await openSettlementWorld();
  for (const prefix of ['A', 'B']) {
    const v = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
    ok(await w.call('2204', { feedetail: lines(v.data.mdtrt_id, RETIREE.psn_no, prefix, 40) }));
    const s = ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: v.data.mdtrt_id, acct_used_flag: '1' } }));
    setlIds.push(s.setlinfo.setl_id);
  }
  owed = (await w.db.pool.query<{ a: number }>(`SELECT sum(amount_fen)::bigint AS a FROM cross_region_owed`)).rows[0]!.a;
  app = await buildApp({ pool: w.db.pool, now: () => new Date('2026-04-05T02:00:00Z') });
  hn = await staffCookie(w.db.pool, { username: 'hn.finance', role: 'finance', regions: ['430000'] });
  jx = await staffCookie(w.db.pool, { username: 'jx.finance', role: 'finance', regions: ['360000'] });
  bj = await staffCookie(w.db.pool, { username: 'bj.finance', role: 'finance', regions: ['110000'] });
  admin = await staffCookie(w.db.pool, { username: 'clearing.admin', role: 'admin', regions: ['000000'] });
  clerk = await staffCookie(w.db.pool, { username: 'zz.clerk', role: 'clerk', regions: ['430200'] });
});
after(async () => {
  await app?.close();
  await w?.close();
});

async function call(method: 'GET' | 'POST', url: string, cookie: string, payload?: unknown): Promise<{ status: number; json: () => any; body: string; raw: Buffer; headers: Record<string, unknown> }> {
  const res = await app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, json: () => res.json(), body: res.body, raw: res.rawPayload, headers: res.headers };
}

const snapshot = async (): Promise<string> =>
  JSON.stringify((await w.db.pool.query(`SELECT (SELECT json_agg(s ORDER BY id) FROM clearing_statements s) AS s, (SELECT count(*) FROM clearing_lines) AS l, (SELECT count(*) FROM ledger_transfers) AS t, (SELECT count(*) FROM clearing_runs) AS r`)).rows[0]);

/** A refusal: its status, and the field its first detail names. */
async function refused(p: ReturnType<typeof call>, status: number, field: RegExp): Promise<void> {
  const r = await p;
  assert.equal(r.status, status, r.body);
  const d = r.json().details?.[0];
  assert.match(d?.field ?? '', field, r.body);
  assert.ok(d.zh && d.en, 'in Chinese and English');
}

let id = 0;
let foreign = 0;

test('the run: a dry run previews and stores nothing, the run stores one statement, a rerun returns it', async () => {
  assert.ok(owed > 0);
  const before = await snapshot();
  const dry = await call('POST', '/api/v1/clearing/runs', hn, { month: '2026-03', level: 'province', dry_run: true });
  assert.equal(dry.status, 200, dry.body);
  assert.equal(dry.json().dry_run, true);
  assert.deepEqual(dry.json().statements.map((s: any) => [s.id, s.insured_admdvs, s.treatment_admdvs, s.totals.amount_fen]), [[null, '360000', '430000', owed]]);
  assert.equal(await snapshot(), before, 'a dry run writes nothing');

  const run = await call('POST', '/api/v1/clearing/runs', hn, { month: '2026-03' });
  assert.equal(run.status, 200, run.body);
  const r = run.json();
  assert.equal(r.built, true);
  assert.equal(r.level, 'province');
  assert.equal(r.statements.length, 1);
  id = r.statements[0].id;
  assert.ok(Number.isInteger(id));
  assert.deepEqual(r.positions, [{ admdvs: '430000', net_fen: owed }], 'Hunan sees its own position');
  assert.deepEqual(r.pairs, [{ payer: '360000', payee: '430000', amount_fen: owed }]);
  const stored = await snapshot();
  const again = await call('POST', '/api/v1/clearing/runs', jx, { month: '202603', level: 'province' });
  assert.equal(again.json().built, false);
  assert.deepEqual(again.json().statements, r.statements);
  assert.deepEqual(again.json().positions, [{ admdvs: '360000', net_fen: -owed }]);
  assert.equal(await snapshot(), stored, 'a rerun writes nothing');
});

test('lists answer with the statements the caller is party to, filtered from the loaded rows', async () => {
  // A statement between two other provinces, as a run would have stored it.
  foreign = (await w.db.pool.query<{ id: number }>(
    `INSERT INTO clearing_statements (month, level, insured_admdvs, treatment_admdvs, amount_fen, totals, created_at)
     VALUES ('202603', 'province', '110000', '120000', 500, '{"amount_fen":500,"count":0,"by_fund":{},"by_insutype":{},"adjustments_fen":0,"adjustments_count":0}', now()) RETURNING id::int AS id`,
  )).rows[0]!.id;
  const ids = async (cookie: string): Promise<number[]> => {
    const r = await call('GET', '/api/v1/clearing/statements?month=2026-03&level=province', cookie);
    assert.equal(r.status, 200, r.body);
    return r.json().items.map((s: any) => s.id);
  };
  assert.deepEqual(await ids(hn), [id]);
  assert.deepEqual(await ids(jx), [id]);
  assert.deepEqual(await ids(bj), [foreign]);
  assert.deepEqual((await ids(admin)).sort(), [id, foreign].sort());
  const list = (await call('GET', '/api/v1/clearing/statements?month=202603', hn)).json();
  assert.equal(list.items[0].state, 'drafted');
  assert.equal(list.items[0].amount_fen, owed);
  assert.equal(list.items[0].totals.count, 2);
  assert.deepEqual((await call('GET', '/api/v1/clearing/statements?month=2026-03&level=city', hn)).json().items, []);

  // Positions by month: the month's netting, the caller's regions only; over all regions they sum to zero.
  const mine = (await call('GET', '/api/v1/clearing/positions?from=2026-01&to=2026-04', hn)).json();
  assert.deepEqual(mine.months, [{ month: '202603', statements: 2, paid: 0, positions: [{ admdvs: '430000', net_fen: owed }] }]);
  const all = (await call('GET', '/api/v1/clearing/positions?from=2026-01&to=2026-04', admin)).json();
  assert.equal(all.months[0].positions.length, 4);
  assert.equal(all.months[0].positions.reduce((a: number, p: any) => a + p.net_fen, 0), 0, 'net positions sum to zero');
  const byDefault = (await call('GET', '/api/v1/clearing/positions', hn)).json();
  assert.equal(byDefault.from, '202505');
  assert.equal(byDefault.to, '202604');
});

test('a statement with its lines, and a line’s settlement with its explanation; a foreign statement is refused', async () => {
  const r = await call('GET', `/api/v1/clearing/statements/${id}`, jx);
  assert.equal(r.status, 200, r.body);
  const s = r.json();
  assert.equal(s.insured_admdvs, '360000');
  assert.deepEqual(s.lines.map((l: any) => l.setl_id), setlIds);
  assert.equal(s.lines.reduce((a: number, l: any) => a + l.amount_fen, 0), owed, 'the lines add up to the statement');
  assert.equal(s.lines[0].insuplc_admdvs.slice(0, 2), '36');
  assert.match(s.lines[0].setl_time, /^2026-03-/);

  const one = await call('GET', `/api/v1/clearing/statements/${id}/settlements/${setlIds[1]}`, hn);
  assert.equal(one.status, 200, one.body);
  assert.equal(one.json().setl_id, setlIds[1]);
  assert.ok(one.json().explanation.steps.length >= 3, 'the engine’s steps as stored');
  assert.equal(one.json().psn_no, RETIREE.psn_no);
  assert.ok(one.json().explanation.setlinfo.medfee_sumamt > 0, 'the amounts as the engine returned them');

  await refused(call('GET', `/api/v1/clearing/statements/${foreign}`, hn), 403, /principal/);
  await refused(call('GET', `/api/v1/clearing/statements/${id}`, bj), 403, /principal/);
  await refused(call('GET', `/api/v1/clearing/statements/${id}/export?format=csv`, bj), 403, /principal/);
  await refused(call('GET', `/api/v1/clearing/statements/${id}/settlements/${setlIds[0]}`, bj), 403, /principal/);
  await refused(call('GET', '/api/v1/clearing/statements/999999', hn), 404, /^id$/);
  await refused(call('GET', `/api/v1/clearing/statements/${foreign}/settlements/${setlIds[0]}`, bj), 404, /setl_id/);
  await refused(call('GET', '/api/v1/clearing/statements?month=2026-03', clerk), 403, /role/);
});

test('exports: CSV with a byte-order mark, XLSX a zip whose sheet holds the lines', async () => {
  const csv = await call('GET', `/api/v1/clearing/statements/${id}/export?format=csv`, hn);
  assert.equal(csv.status, 200, csv.body);
  assert.match(String(csv.headers['content-type']), /^text\/csv; charset=utf-8/);
  assert.match(String(csv.headers['content-disposition']), /attachment; filename="clearing-202603-province-360000-430000-\d+\.csv"/);
  assert.deepEqual([...csv.raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 BOM so Excel reads the Chinese');
  const rows = csv.raw.subarray(3).toString('utf8').trimEnd().split('\r\n').map((l) => l.split(','));
  assert.equal(rows[0]![7], '结算号 setl_id');
  assert.deepEqual(rows.slice(1, -1).map((r) => r[7]), setlIds);
  const yuan = (s: string): number => Math.round(Number(s) * 100);
  assert.equal(rows.slice(1, -1).reduce((a, r) => a + yuan(r[18]!), 0), owed, 'the lines in yuan add up');
  assert.equal(rows.at(-1)![7], '合计 total');
  assert.equal(yuan(rows.at(-1)![18]!), owed);

  const xlsx = await call('GET', `/api/v1/clearing/statements/${id}/export?format=xlsx`, hn);
  assert.equal(xlsx.status, 200, xlsx.body);
  assert.equal(xlsx.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const files = unzip(xlsx.raw);
  assert.deepEqual([...files.keys()].sort(), ['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
  const sheet = files.get('xl/worksheets/sheet1.xml')!;
  for (const s of setlIds) assert.ok(sheet.includes(`<t xml:space="preserve">${s}</t>`), `the sheet holds ${s}`);
  assert.ok(sheet.includes('结算号 setl_id'));
  assert.equal((sheet.match(/<row /g) ?? []).length, setlIds.length + 2, 'header, one row per line, the total');
  assert.match(files.get('xl/workbook.xml')!, /<sheet name="202603 360000-430000"/);
  await refused(call('GET', `/api/v1/clearing/statements/${id}/export?format=pdf`, hn), 400, /format/);
});

test('both sides confirm and the statement is paid; refusals (400, 403, 409) change nothing', async () => {
  let s0 = await snapshot();
  await refused(call('POST', `/api/v1/clearing/statements/${id}/confirm`, hn, { side: 'both' }), 400, /side/);
  await refused(call('POST', `/api/v1/clearing/statements/${id}/confirm`, hn, {}), 400, /side/);
  await refused(call('POST', `/api/v1/clearing/statements/${id}/confirm`, hn, { side: 'insured' }), 403, /^side$/);
  await refused(call('POST', `/api/v1/clearing/statements/${id}/confirm`, bj, { side: 'insured' }), 403, /principal/);
  await refused(call('POST', `/api/v1/clearing/statements/${foreign}/confirm`, hn, { side: 'treatment' }), 403, /principal/);
  await refused(call('POST', '/api/v1/clearing/statements/abc/confirm', hn, { side: 'treatment' }), 400, /id/);
  assert.equal(await snapshot(), s0, 'refusals change nothing');

  const one = await call('POST', `/api/v1/clearing/statements/${id}/confirm`, jx, { side: 'insured' });
  assert.equal(one.status, 200, one.body);
  assert.equal(one.json().state, 'confirmed_by_insured');
  assert.equal(one.json().insured_confirmed_by, 'jx.finance');
  s0 = await snapshot();
  await refused(call('POST', `/api/v1/clearing/statements/${id}/confirm`, jx, { side: 'insured' }), 409, /^side$/);
  assert.equal(await snapshot(), s0);

  const paid = await call('POST', `/api/v1/clearing/statements/${id}/confirm`, hn, { side: 'treatment' });
  assert.equal(paid.status, 200, paid.body);
  assert.equal(paid.json().state, 'paid');
  const transfer = await findTransfer(w.db.pool, `clearing:${id}`);
  assert.equal(transfer?.id, paid.json().transfer_id);
  s0 = await snapshot();
  await refused(call('POST', `/api/v1/clearing/statements/${id}/confirm`, hn, { side: 'treatment' }), 409, /^state$/);
  assert.equal(await snapshot(), s0, 'a paid statement stays as it is');
  assert.equal((await call('GET', '/api/v1/clearing/positions?from=2026-03&to=2026-03', hn)).json().months[0].paid, 1);
  await assertBooksHold(w.db.pool);
});

test('advance funds with their use rate and level; read without raising a warning', async () => {
  // March's statement was paid above, so the fund carries only what no paid statement holds: one more visit, against a fund sized so that it uses 80% of it.
  const v = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
  ok(await w.call('2204', { feedetail: lines(v.data.mdtrt_id, RETIREE.psn_no, 'C', 40) }));
  const s = ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: v.data.mdtrt_id } }));
  const carried = (await w.db.pool.query<{ a: number }>(`SELECT amount_fen AS a FROM cross_region_owed WHERE setl_id = $1`, [s.setlinfo.setl_id])).rows[0]!.a;
  await adjust(w.db.pool, { insured_admdvs: '360000', treatment_admdvs: '430000', year: 2026, size_fen: Math.ceil(carried / 0.8), now: new Date('2026-01-02T02:00:00Z') });
  const r = await call('GET', '/api/v1/clearing/advance-funds?year=2026', hn);
  assert.equal(r.status, 200, r.body);
  const [fund] = r.json().funds;
  assert.equal(fund.consumed_fen, carried);
  assert.equal(fund.rate_bp, Math.floor((carried * 10000) / Math.ceil(carried / 0.8)));
  assert.equal(fund.level, 'yellow');
  assert.equal(r.json().yellow_bp, 7000);
  assert.deepEqual(r.json().warnings, [], 'a read raises no warning');
  assert.equal((await w.db.pool.query(`SELECT count(*)::int AS n FROM advance_fund_warnings`)).rows[0].n, 0);
  assert.deepEqual((await call('GET', '/api/v1/clearing/advance-funds?year=2026', bj)).json().funds, []);
  assert.equal((await call('GET', '/api/v1/clearing/advance-funds', jx)).json().year, 2026);
});

test('bad input is refused naming the field, and runs nothing', async () => {
  const s0 = await snapshot();
  await refused(call('POST', '/api/v1/clearing/runs', hn, { month: '2026-13' }), 400, /month/);
  await refused(call('POST', '/api/v1/clearing/runs', hn, { month: '2026-05', level: 'county' }), 400, /level/);
  await refused(call('POST', '/api/v1/clearing/runs', hn, { month: '2026-05', dry_run: 'perhaps' }), 400, /dry_run/);
  await refused(call('POST', '/api/v1/clearing/runs', hn, {}), 400, /month/);
  await refused(call('POST', '/api/v1/clearing/runs', clerk, { month: '2026-05' }), 403, /role/);
  await refused(call('GET', '/api/v1/clearing/statements', hn), 400, /month/);
  await refused(call('GET', '/api/v1/clearing/positions?from=2026-05&to=2026-01', hn), 400, /^from$/);
  await refused(call('GET', '/api/v1/clearing/positions?to=2026-99', hn), 400, /to/);
  await refused(call('GET', '/api/v1/clearing/advance-funds?year=1999', hn), 400, /year/);
  assert.equal(await snapshot(), s0, 'nothing was run');
});

test('disputes through the routes: a side contests a line, the list shows it, only the raising side withdraws it, the line shows its state', async () => {
  // The visit settled in the advance-fund test is not on March's statement (run before it): April's run holds it.
  const run = await call('POST', '/api/v1/clearing/runs', hn, { month: '2026-04' });
  assert.equal(run.status, 200, run.body);
  const st = run.json().statements.find((s: { insured_admdvs: string; treatment_admdvs: string }) => s.insured_admdvs === '360000' && s.treatment_admdvs === '430000');
  const detail = (await call('GET', `/api/v1/clearing/statements/${st.id}`, jx)).json();
  const setl = detail.lines[0].setl_id as string;
  const s0 = await snapshot();
  await refused(call('POST', `/api/v1/clearing/statements/${st.id}/disputes`, bj, { side: 'insured', setl_ids: [setl], reason: 'x' }), 403, /principal|side/);
  await refused(call('POST', `/api/v1/clearing/statements/${st.id}/disputes`, hn, { side: 'insured', setl_ids: [setl], reason: 'x' }), 403, /side/);
  await refused(call('POST', `/api/v1/clearing/statements/${st.id}/disputes`, jx, { side: 'insured', setl_ids: [], reason: 'x' }), 400, /setl_ids/);
  await refused(call('POST', `/api/v1/clearing/statements/${st.id}/disputes`, jx, { side: 'insured', setl_ids: ['NOPE'], reason: 'x' }), 400, /setl_ids/);
  assert.equal(await snapshot(), s0);
  const raised = await call('POST', `/api/v1/clearing/statements/${st.id}/disputes`, jx, { side: 'insured', setl_ids: [setl], reason: '病历不符 / the record does not match' });
  assert.equal(raised.status, 200, raised.body);
  assert.equal(raised.json().statement.state, 'disputed');
  const [id] = raised.json().disputes as number[];
  const list = (await call('GET', '/api/v1/clearing/disputes?state=open', hn)).json().disputes;
  assert.deepEqual(list.map((d: { id: number; setl_id: string; side: string }) => [d.id, d.setl_id, d.side]), [[id, setl, 'insured']]);
  assert.deepEqual((await call('GET', '/api/v1/clearing/disputes', bj)).json().disputes, []);
  await refused(call('POST', `/api/v1/clearing/disputes/${id}/resolve`, bj, { side: 'treatment', outcome: 'upheld' }), 403, /principal|side/);
  await refused(call('POST', `/api/v1/clearing/disputes/${id}/resolve`, hn, { side: 'treatment', outcome: 'withdrawn' }), 403, /side/);
  await refused(call('POST', `/api/v1/clearing/disputes/999999/resolve`, hn, { side: 'treatment', outcome: 'upheld' }), 404, /id/);
  const done = await call('POST', `/api/v1/clearing/disputes/${id}/resolve`, jx, { side: 'insured', outcome: 'withdrawn', note: '已核实 / checked' });
  assert.equal(done.status, 200, done.body);
  assert.equal(done.json().state, 'withdrawn');
  await refused(call('POST', `/api/v1/clearing/disputes/${id}/resolve`, jx, { side: 'insured', outcome: 'withdrawn' }), 409, /state/);
  const after = (await call('GET', `/api/v1/clearing/statements/${st.id}`, hn)).json();
  assert.deepEqual([after.state, after.lines[0].dispute_state], ['drafted', 'withdrawn']);
});
