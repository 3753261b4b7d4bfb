import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/store/embedded.ts';
import { createPool, type Pool } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { NOW, RESIDENT, envelope, post, seedRegistry, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, lines } from './support/settlement-world.ts';

// The database's disk filling up (issue 18, docs/operations.md "The database going away"): the
// tables a settlement writes are moved to a tablespace on a small tmpfs of this test's own, which
// the traffic fills. Once PostgreSQL cannot extend a file (SQLSTATE 53100) every message is
// answered −1 "unavailable, retry with the same msgid", nothing half-written, the cause logged
// for the operator; when the disk is given room (the tmpfs remounted larger) the same msgids are
// retried and each settles once.

const TABLES = ['visits', 'fee_lines', 'settlements', 'ledger_transfers', 'ledger_legs', 'gateway_messages'];
let dir: string;
let mount: string;
let mounted = false;
let server: EmbeddedServer;
let pool: Pool;
let app: FastifyInstance;
let signNo = '';
const logged: string[] = [];

before(async () => {
  if (process.getuid?.() !== 0) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-diskfull-'));
  fs.chmodSync(dir, 0o755);
  server = await startEmbeddedPostgres(path.join(dir, 'pg'), { notice: () => undefined });
  const admin = createPool(server.url('postgres'), 1);
  await admin.query('CREATE DATABASE diskfull');
  mount = path.join(dir, 'small');
  fs.mkdirSync(mount);
  const uid = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=4m,uid=${uid},gid=${gid},mode=0700`, 'tmpfs', mount]);
  mounted = true;
  await admin.query(`CREATE TABLESPACE small LOCATION '${mount}'`);
  await admin.end();
  pool = createPool(server.url('diskfull'), 10);
  await migrate(pool);
  await seedRegistry(pool);
  await seedSettlementDocuments(pool);
  for (const t of TABLES) await pool.query(`ALTER TABLE ${t} SET TABLESPACE small`);
  const logDestination = { write: (line: string) => void logged.push(line) };
  app = await buildApp({ pool, now: () => NOW, logLevel: 'error', logDestination });
  signNo = await signInAs(app);
});

after(async () => {
  await app?.close();
  await pool?.end().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  if (mounted) execFileSync('umount', ['-l', mount]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the disk fills: −1 "retry with the same msgid", nothing half-written, the cause logged; given room, every retry settles once', { skip: process.getuid?.() !== 0 ? 'mounting a small tmpfs needs root (CI runs as root)' : false }, async () => {
  const send = async (infno: string, input: unknown, msgid?: string) => {
    const e = envelope(infno, input, { sign_no: signNo });
    if (msgid) e['msgid'] = msgid;
    const r = await post(app, e);
    return { body: r.body, msgid: String(e['msgid']) };
  };
  const settled: string[] = [];
  const unanswered: Array<{ infno: string; input: unknown; msgid: string }> = [];
  // Flows until the disk refuses; the message that met the full disk is kept to retry.
  for (let i = 0; i < 2000 && unanswered.length === 0; i++) {
    const reg = await send('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00' } });
    if (reg.body.infcode !== 0) {
      unanswered.push({ infno: '2201', input: { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00' } }, msgid: reg.msgid });
      assert.match(reg.body.err_msg, /数据库暂时不可用.*同一报文重试.*retry later with the same msgid/);
      break;
    }
    const id = reg.body.output.data.mdtrt_id as string;
    const upInput = { feedetail: lines(id, RESIDENT.psn_no, `D${i}-`, 40) };
    const up = await send('2204', upInput);
    if (up.body.infcode !== 0) {
      assert.match(up.body.err_msg, /retry later with the same msgid/);
      unanswered.push({ infno: '2204', input: upInput, msgid: up.msgid });
      break;
    }
    const setInput = { data: { psn_no: RESIDENT.psn_no, mdtrt_id: id } };
    const s = await send('2207', setInput);
    if (s.body.infcode !== 0) {
      assert.match(s.body.err_msg, /retry later with the same msgid/);
      unanswered.push({ infno: '2207', input: setInput, msgid: s.msgid });
      break;
    }
    settled.push(s.body.output.setlinfo.setl_id as string);
  }
  assert.equal(unanswered.length, 1, 'the disk filled');
  assert.ok(settled.length > 0, 'some settled before it did');
  assert.ok(logged.some((l) => /No space left on device|could not extend/.test(l)), `the cause is logged for the operator: ${logged.slice(-3).join('\n')}`);
  // Nothing half-written: what was answered is there, the books hold, the refused message left nothing.
  const stored = await pool.query<{ setl_id: string }>(`SELECT setl_id FROM settlements WHERE kind = 'settle'`);
  assert.deepEqual(stored.rows.map((r) => r.setl_id).sort(), [...settled].sort());
  const answered = await pool.query(`SELECT 1 FROM gateway_messages WHERE msgid = $1 AND idempotent`, [unanswered[0]!.msgid]);
  assert.equal(answered.rowCount, 0, 'the refused message has no answer a retry would replay');
  await assertBooksHold(pool);

  // The operator gives the disk room; the hospital retries the same message.
  execFileSync('mount', ['-o', 'remount,size=64m', mount]);
  const again = unanswered[0]!;
  const retried = await send(again.infno, again.input, again.msgid);
  assert.equal(retried.body.infcode, 0, retried.body.err_msg);
  const twice = await send(again.infno, again.input, again.msgid);
  assert.deepEqual(twice.body.output, retried.body.output, 'a second retry is answered from the log');
  await assertBooksHold(pool);
});
