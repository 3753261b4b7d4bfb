import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { startEmbeddedPostgres, freePort, type EmbeddedServer } from '../src/store/embedded.ts';
import { createPool, type Pool } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { NOW, RESIDENT, envelope, post, seedRegistry, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, lines } from './support/settlement-world.ts';

// PostgreSQL going away under load (issue 18, docs/operations.md "The database going away"):
// a server of this test's own, crashed (SIGQUIT: an immediate shutdown, crash recovery at the
// next start) while hospitals keep sending. While it is down every message is answered −1 with
// a clear "try again"; when it is back the gateway recovers by itself; a message that committed
// before the crash is answered from the log on retry, and nothing is half-written.

let dir: string;
let port: number;
let server: EmbeddedServer;
let pool: Pool;
let app: FastifyInstance;
let signNo = '';

async function start(): Promise<void> {
  server = await startEmbeddedPostgres(path.join(dir, 'pg'), { port, notice: () => undefined });
}

/** An immediate shutdown of the postmaster: what a crash leaves (no checkpoint; recovery at start). */
function crash(): void {
  const pid = Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGQUIT');
}

async function waitFor(check: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-restart-'));
  fs.chmodSync(dir, 0o755);
  port = await freePort();
  await start();
  const admin = createPool(server.url('postgres'), 1);
  await admin.query('CREATE DATABASE restart');
  await admin.end();
  pool = createPool(server.url('restart'), 10);
  await migrate(pool);
  await seedRegistry(pool);
  await seedSettlementDocuments(pool);
  app = await buildApp({ pool, now: () => NOW });
  signNo = await signInAs(app);
});

after(async () => {
  await app?.close();
  await pool?.end().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the database crashes under load: −1 "try again" while it is down, recovery by itself, every retry answered once', async () => {
  const call = (infno: string, input: unknown, msgid?: string) => {
    const e = envelope(infno, input, { sign_no: signNo });
    if (msgid) e['msgid'] = msgid;
    return post(app, e).then((r) => ({ ...r, msgid: String(e['msgid']) }));
  };
  let seen = 0;
  /** A message sent until it gets an answer that is not "the database is unavailable", with the same msgid throughout. */
  const untilAnswered = async (infno: string, input: unknown): Promise<{ body: any; msgid: string; unavailable: number }> => {
    let msgid: string | undefined;
    let unavailable = 0;
    for (;;) {
      const r = await call(infno, input, msgid);
      msgid = r.msgid;
      if (r.body.infcode !== 0) errors.push(String(r.body.err_msg).slice(0, 200));
      if (r.body.infcode === 0 || !/database is unavailable/.test(String(r.body.err_msg))) return { body: r.body, msgid, unavailable };
      unavailable += 1;
      seen += 1;
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  const settled: Array<{ msgid: string; body: any }> = [];
  const errors: string[] = [];
  let stop = false;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const reg = await untilAnswered('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00' } });
      if (reg.body.infcode !== 0) continue;
      const id = reg.body.output.data.mdtrt_id as string;
      const up = await untilAnswered('2204', { feedetail: lines(id, RESIDENT.psn_no, `W${w}-${i}-`) });
      if (up.body.infcode !== 0) continue;
      const s = await untilAnswered('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: id } });
      if (s.body.infcode === 0) settled.push(s);
    }
  };
  const load = [0, 1, 2, 3].map((w) => worker(w));
  await waitFor(() => settled.length >= 5);
  crash();
  // While it is down: the answer names the cause and what to do.
  await waitFor(() => seen > 0).catch((e) => {
    throw new Error(`${(e as Error).message}; answers: ${[...new Set(errors)].join(' | ')}`);
  });
  const down = await call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: '1' } });
  assert.equal(down.body.infcode, -1);
  assert.match(down.body.err_msg, /数据库暂时不可用.*同一报文重试/);
  assert.match(down.body.err_msg, /retry later with the same msgid/);
  const rest = await app.inject({ method: 'GET', url: '/healthz' });
  assert.ok(rest.statusCode >= 500, 'the health check says the platform is not well');
  await new Promise((r) => setTimeout(r, 500));
  await start();
  const before = settled.length;
  await waitFor(() => settled.length >= before + 5, 30_000);
  stop = true;
  await Promise.all(load);
  assert.ok(seen > 0, 'some messages met the database down');
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'recovered by itself');

  // Every acknowledged settlement is there once; a retry of its msgid gets the same answer.
  const rows = await pool.query<{ setl_id: string; msgid: string }>(`SELECT setl_id, msgid FROM settlements WHERE kind = 'settle'`);
  const byMsg = new Map(rows.rows.map((r) => [r.msgid, r.setl_id]));
  for (const s of settled) assert.equal(byMsg.get(s.msgid), s.body.output.setlinfo.setl_id, `settlement of ${s.msgid} is stored`);
  assert.equal(rows.rows.length, settled.length, 'no settlement the hospitals were not told of');
  const first = settled[0]!;
  const retried = await post(app, { ...envelope('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: first.body.output.setlinfo.mdtrt_id } }, { sign_no: signNo }), msgid: first.msgid });
  assert.deepEqual(retried.body.output, first.body.output, 'answered from the log');
  await assertBooksHold(pool);
});
