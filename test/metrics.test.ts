import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { CALL_SERVICE_PATH } from '../src/server/gateway/route.ts';
import { NOW, RESIDENT, envelope, ok, post, seedRegistry } from './support/gateway-world.ts';
import { lines } from './support/settlement-world.ts';
import { staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// GET /metrics (issue 18): after real gateway messages and REST calls, the text format shows
// the counters moved by what was done, with the labels operators query on; the token guards
// it; the request id is echoed and on every log line of its request.

const ROOT = path.resolve(import.meta.dirname, '..');
const TOKEN = 'metrics-token-for-the-test-0123';
let db: TestDatabase;
let app: FastifyInstance;
let logLines: Array<Record<string, any>>;

before(async () => {
  db = await freshDatabase();
  await seedRegistry(db.pool);
  await seedSettlementDocuments(db.pool);
  logLines = [];
  const logDestination = { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, any>) };
  app = await buildApp({ pool: db.pool, now: () => NOW, logLevel: 'info', logDestination, metricsToken: TOKEN });
});
after(async () => {
  await app?.close();
  await db?.drop();
});

type Samples = Map<string, number>;

/** The text format as name{labels sorted} → value. */
function parse(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}=${l[2]}`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

function key(name: string, labels: Record<string, string> = {}): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(',')}}`;
}

async function scrape(): Promise<Samples> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  return parse(res.body);
}

const value = (s: Samples, name: string, labels: Record<string, string> = {}): number => s.get(key(name, labels)) ?? 0;

test('gateway messages, a settlement, refusals and group-commit batches move their metrics', async () => {
  const before = await scrape();
  const signIn = ok(await post(app, envelope('9001', { signIn: { opter_no: '001', mac: '00-11-22-33-44-55', ip: '10.0.0.8' } })));
  const call = (infno: string, input: unknown) => post(app, envelope(infno, input, { sign_no: signIn.signinoutb.sign_no }));
  const visit = ok(await call('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, ipt_otp_no: 'MZ001', dept_code: '01', dept_name: '内科', caty: 'A03' } }));
  const mdtrtId = visit.data.mdtrt_id as string;
  ok(await call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
  const setl = ok(await call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } }));
  // A refusal: 2207 again on the settled visit; and an unknown transaction.
  const again = await call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } });
  assert.equal(again.body.infcode, -1);
  const unknown = await call('9999', {});
  assert.equal(unknown.body.infcode, -1);

  const afterwards = await scrape();
  const moved = (name: string, labels: Record<string, string> = {}): number => value(afterwards, name, labels) - value(before, name, labels);
  assert.equal(moved('yibao_gateway_messages_total', { infno: '9001', infcode: '0' }), 1);
  assert.equal(moved('yibao_gateway_messages_total', { infno: '2207', infcode: '0' }), 1);
  assert.equal(moved('yibao_gateway_messages_total', { infno: '2207', infcode: '-1' }), 1);
  assert.equal(moved('yibao_gateway_messages_total', { infno: 'unsupported', infcode: '-1' }), 1, 'an infno not served here is one label, not a new one each');
  assert.equal(moved('yibao_gateway_message_duration_seconds_count', { infno: '2204', infcode: '0' }), 1);
  assert.equal(moved('yibao_refusals_total', { source: 'gateway', kind: 'invalid', field: 'infno' }), 1);
  const gatewayRefusals = [...afterwards].filter(([k]) => k.startsWith('yibao_refusals_total{') && k.includes('source=gateway')).reduce((n, [k, v]) => n + v - (before.get(k) ?? 0), 0);
  assert.equal(gatewayRefusals, 2, 'both -1 answers are counted by their reason');

  const region = setl.setlinfo.insuplc_admdvs as string;
  assert.match(region, /^[0-9]{6}$/);
  assert.equal(moved('yibao_settlements_total', { insuplc_admdvs: region, kind: 'outpatient' }), 1);
  assert.equal(moved('yibao_settlement_fund_pay_fen_total', { insuplc_admdvs: region }), Math.round(Number(setl.setlinfo.fund_pay_sumamt) * 100));
  assert.ok(Number(setl.setlinfo.fund_pay_sumamt) > 0, 'the fund paid something');

  // Every write (9001, 2201, 2204, 2207 twice) went through the group commit, one unit at a time here.
  assert.ok(moved('yibao_group_commit_units_count') >= 5, `batches observed: ${moved('yibao_group_commit_units_count')}`);
  assert.equal(moved('yibao_group_commit_units_sum'), moved('yibao_group_commit_units_count'), 'sequential messages: one unit per transaction');
  assert.ok(moved('yibao_group_commit_rollbacks_total', { then: 'failed' }) >= 1, 'the refused 2207 rolled its transaction back');

  for (const g of ['yibao_db_pool_total', 'yibao_db_pool_idle', 'yibao_db_pool_waiting']) assert.ok(afterwards.has(key(g)), g);
  assert.ok(value(afterwards, 'yibao_db_pool_total') >= 1);
});

test('REST routes are counted by route pattern and status; refusals and job runs too', async () => {
  const admin = await staffCookie(db.pool, { username: 'metrics.admin', role: 'admin', regions: ['000000'] });
  const before = await scrape();
  const get = (url: string, cookie?: string) => app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
  assert.equal((await get('/api/v1/regions/430200', admin)).statusCode, 200);
  assert.equal((await get('/api/v1/regions/430204', admin)).statusCode, 200);
  assert.equal((await get('/api/v1/regions/430200')).statusCode, 401);
  const bad = await app.inject({ method: 'POST', url: '/api/v1/clearing/runs', headers: { cookie: admin }, payload: { month: '2026-13' } });
  assert.equal(bad.statusCode, 400);
  const run = await app.inject({ method: 'POST', url: '/api/v1/clearing/runs', headers: { cookie: admin }, payload: { month: '2026-03', dry_run: true } });
  assert.equal(run.statusCode, 200, run.body);

  const afterwards = await scrape();
  const moved = (name: string, labels: Record<string, string> = {}): number => value(afterwards, name, labels) - value(before, name, labels);
  assert.equal(moved('yibao_http_requests_total', { method: 'GET', route: '/api/v1/regions/:code', status: '200' }), 2, 'one label for the pattern, not one per region');
  assert.equal(moved('yibao_http_requests_total', { method: 'GET', route: '/api/v1/regions/:code', status: '401' }), 1);
  assert.equal(moved('yibao_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/regions/:code', status: '200' }), 2);
  assert.equal(moved('yibao_refusals_total', { source: 'rest', kind: 'unauthenticated', field: 'session' }) + moved('yibao_refusals_total', { source: 'rest', kind: 'unauthenticated', field: 'request' }), 1, 'the 401 is a refusal');
  const restRefusals = [...afterwards].filter(([k]) => k.startsWith('yibao_refusals_total{') && k.includes('source=rest')).reduce((n, [k, v]) => n + v - (before.get(k) ?? 0), 0);
  assert.equal(restRefusals, 2, 'the 401 and the 400');
  assert.equal(moved('yibao_job_runs_total', { job: 'clearing', outcome: 'ok' }), 1);
  assert.equal(moved('yibao_job_runs_total', { job: 'clearing', outcome: 'refused' }), 1);
  assert.equal(moved('yibao_job_duration_seconds_count', { job: 'clearing' }), 2);
  assert.equal(moved('yibao_gateway_messages_total', { infno: '9001', infcode: '0' }), 0, 'REST calls are no gateway messages');
});

test('/metrics wants the token; without a token configured only loopback may read it', async () => {
  const from = (remoteAddress: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });
  assert.equal((await from('10.1.2.3')).statusCode, 401);
  assert.equal((await from('127.0.0.1')).statusCode, 401, 'with a token set, loopback needs it too');
  assert.equal((await from('10.1.2.3', { authorization: 'Bearer wrong-token-wrong-token' })).statusCode, 401);
  assert.equal((await from('10.1.2.3', { authorization: `Bearer ${TOKEN}` })).statusCode, 200);
  // The staff session is not what guards it: a staff cookie alone does not open it.
  const admin = await staffCookie(db.pool, { username: 'metrics.cookie', role: 'admin', regions: ['000000'] });
  assert.equal((await from('10.1.2.3', { cookie: admin })).statusCode, 401);

  const open = await buildApp({ pool: db.pool, now: () => NOW });
  try {
    const at = (remoteAddress: string) => open.inject({ method: 'GET', url: '/metrics', remoteAddress });
    assert.equal((await at('10.1.2.3')).statusCode, 403);
    assert.equal((await at('192.168.0.9')).statusCode, 403);
    assert.equal((await at('127.0.0.1')).statusCode, 200);
    assert.equal((await at('::1')).statusCode, 200);
    assert.equal((await at('::ffff:127.0.0.1')).statusCode, 200);
  } finally {
    await open.close();
  }
});

test('a request id is echoed and on every log line of its request, the gateway message line included', async () => {
  logLines.length = 0;
  const res = await app.inject({ method: 'POST', url: CALL_SERVICE_PATH, headers: { 'content-type': 'application/json', 'x-request-id': 'his-trace-0001' }, payload: JSON.stringify(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, psn_cert_type: '01', certno: RESIDENT.certno } })) });
  assert.equal(res.headers['x-request-id'], 'his-trace-0001');
  const body = res.json() as { inf_refmsgid: string };
  const mine = logLines.filter((l) => l.reqId === 'his-trace-0001');
  assert.ok(mine.length >= 3, `incoming, message, completed: ${JSON.stringify(mine)}`);
  assert.deepEqual(logLines.filter((l) => l.reqId !== undefined && l.reqId !== 'his-trace-0001'), [], 'no other request logged meanwhile');
  const message = mine.find((l) => l.msg === 'gateway: message answered');
  assert.ok(message, 'the gateway logs the message');
  assert.equal(message.infno, '1101');
  assert.equal(message.inf_refmsgid, body.inf_refmsgid, 'the log line names the answer, as kept in gateway_messages');
  const row = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM gateway_messages WHERE msgid = $1 AND response->>'inf_refmsgid' = $2`, [message.msgid, body.inf_refmsgid]);
  assert.equal(row.rows[0]!.n, 1, 'from the log line to the message log row');

  // An unsane id is replaced by a fresh one, still echoed and logged.
  logLines.length = 0;
  const weird = await app.inject({ method: 'GET', url: '/api/v1/regions/430200', headers: { 'x-request-id': 'bad id with spaces and {json}' } });
  const id = String(weird.headers['x-request-id']);
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.ok(logLines.length >= 2 && logLines.every((l) => l.reqId === id), JSON.stringify(logLines));
});

test('under node:cluster one scrape of any worker answers the sum over all workers', { timeout: 120_000 }, async () => {
  const cdb = await freshDatabase();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: cdb.url, PORT: String(port), HOST: '127.0.0.1', YIBAO_WORKERS: '2', YIBAO_DEMO_PERSONS: '0', YIBAO_METRICS_TOKEN: '', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => void (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => void (out += b.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (let i = 0; i < 600 && !out.includes('ready on'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(out.includes('(2 workers)'), out);
    // New connections are handed to the workers in turn: each serves some of the 8.
    const N = 8;
    for (let i = 0; i < N; i++) assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } })).status, 200);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } });
      assert.equal(res.status, 200);
      const text = await res.text();
      const s = parse(text);
      assert.equal(value(s, 'yibao_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }), N, 'every worker\'s requests, whichever worker was asked');
      // One sequential client holds one connection per pool: two means both workers' pools, summed.
      assert.ok(value(s, 'yibao_db_pool_total') >= 2, 'the pools of both workers, summed');
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    await cdb.drop();
  }
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
