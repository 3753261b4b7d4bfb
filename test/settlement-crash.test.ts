import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { HOSPITAL, RESIDENT, envelope, seedRegistry } from './support/gateway-world.ts';
import { assertBooksHold, lines } from './support/settlement-world.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';

// kill -9 of a real server process in the middle of a load of settlements: after a restart
// every acknowledged settlement is there and complete, nothing is half-written, the ledger
// balances and the accumulators are the sum of the settlements. Retrying the messages that
// were in flight settles each visit exactly once.

const ROOT = path.resolve(import.meta.dirname, '..');
let db: TestDatabase;
let server: ChildProcess | undefined;

before(async () => {
  db = await freshDatabase();
  await seedRegistry(db.pool);
  await seedSettlementDocuments(db.pool);
  // The demo counts as loaded: the server starts straight away.
  await db.pool.query(`INSERT INTO audit_log (actor, action, subject) VALUES ('test', 'demo.seed', 'demo')`);
});
after(async () => {
  server?.kill('SIGKILL');
  await db.drop();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function start(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', YIBAO_DEMO_PERSONS: '0', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return child;
}

async function call(port: number, body: Record<string, unknown>): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}/fsi/api/rsfComIfsService/callService`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

test('kill -9 during a load of settlements loses nothing acknowledged and half-writes nothing', { timeout: 180_000 }, async () => {
  const port = await freePort();
  server = await start(port);
  const signIn = await call(port, envelope('9001', { signIn: { opter_no: '1', mac: 'x', ip: '127.0.0.1' } }));
  const signNo = signIn.output.signinoutb.sign_no as string;
  const msg = (infno: string, input: unknown) => envelope(infno, input, { sign_no: signNo, msgid: `${HOSPITAL}${Date.now()}${Math.random().toString(36).slice(2, 10)}` });

  const acknowledged: string[] = [];
  const inFlight: Array<{ mdtrt_id: string; env: Record<string, unknown> }> = [];
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      let settleEnv: Record<string, unknown> | undefined;
      let mdtrtId: string | undefined;
      try {
        const reg = await call(port, msg('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390' } }));
        mdtrtId = reg.output.data.mdtrt_id as string;
        const up = await call(port, msg('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
        assert.equal(up.infcode, 0, up.err_msg);
        settleEnv = msg('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6 } });
        const setl = await call(port, settleEnv);
        assert.equal(setl.infcode, 0, setl.err_msg);
        acknowledged.push(setl.output.setlinfo.setl_id);
      } catch (err) {
        if (!stop) throw err;
        if (settleEnv && mdtrtId) inFlight.push({ mdtrt_id: mdtrtId, env: settleEnv });
        return;
      }
    }
  };
  const workers = Array.from({ length: 12 }, () => worker());
  while (acknowledged.length < 60) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  server.kill('SIGKILL');
  await Promise.allSettled(workers);
  const killed = server;
  if (killed.exitCode === null && killed.signalCode === null) await new Promise((r) => killed.once('exit', r));

  // Straight from the database: every acknowledged settlement is complete.
  const q = db.pool;
  const rows = await q.query<{ setl_id: string; lines: number; transfer: number; status: string }>(
    `SELECT s.setl_id, (SELECT count(*)::int FROM fee_lines l WHERE l.setl_id = s.setl_id) AS lines,
            (SELECT count(*)::int FROM ledger_transfers t WHERE t.setl_id = s.setl_id) AS transfer, v.status
       FROM settlements s JOIN visits v ON v.mdtrt_id = s.mdtrt_id WHERE s.setl_id = ANY($1::text[])`,
    [acknowledged],
  );
  assert.equal(rows.rows.length, acknowledged.length, 'every acknowledged settlement is present');
  for (const r of rows.rows) assert.deepEqual([r.lines, r.transfer, r.status], [3, 1, 'settled'], `settlement ${r.setl_id} is complete`);
  const half = await q.query(`SELECT 1 FROM visits v WHERE status = 'settled' AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.mdtrt_id = v.mdtrt_id)`);
  assert.equal(half.rowCount, 0, 'no settled visit without its settlement');
  await assertBooksHold(q);

  // After a restart the messages that were in flight are retried: each visit settles exactly once.
  server = await start(port);
  for (const f of inFlight) {
    const again = await call(port, { ...f.env, sign_no: signNo });
    assert.equal(again.infcode, 0, again.err_msg);
  }
  const per = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM settlements WHERE kind = 'settle' GROUP BY mdtrt_id HAVING count(*) > 1`);
  assert.equal(per.rowCount, 0, 'no visit settled twice');
  await assertBooksHold(q);
  server.kill('SIGKILL');
  server = undefined;
});
