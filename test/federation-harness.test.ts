import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { federationPersonas } from '../src/demo/federation.ts';
import { readDirectory } from '../src/engine/federation/index.ts';
import { YibaoError } from '../src/engine/errors.ts';
import { readConfig } from '../src/server/config.ts';
import { personalAccountBalance } from '../src/store/ledger.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { FaultProxy, NO_FAULTS } from './support/fault-proxy.ts';
import { startFederation, type RunningFederation } from './support/federation.ts';

// The fault harness itself (issue 17): the proxy does what a test asks of it, reproducibly,
// and a deployment process killed with SIGKILL comes back on its database and port with what
// it had. The federation demo's lean seed is checked on the way.

async function echoServer(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ n: hits, echo: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** One POST through the proxy: the answer's body, or 'reset' when the connection was destroyed. */
async function through(proxy: FaultProxy, payload: string): Promise<string> {
  try {
    const res = await fetch(proxy.url + '/x', { method: 'POST', body: payload, headers: { 'content-type': 'text/plain' } });
    return await res.text();
  } catch {
    return 'reset';
  }
}

test('YIBAO_DEMO: full by default, federation only with a directory, anything else refused naming the variable', () => {
  assert.equal(readConfig({}).demo, 'full');
  assert.equal(readConfig({ YIBAO_DEMO: 'federation', YIBAO_FEDERATION: 'dir.json' }).demo, 'federation');
  const refused = (env: NodeJS.ProcessEnv): boolean => {
    try {
      readConfig(env);
      return false;
    } catch (err) {
      return err instanceof YibaoError && err.details[0]!.field === 'YIBAO_DEMO';
    }
  };
  assert.ok(refused({ YIBAO_DEMO: 'federation' }), 'the federation demo needs YIBAO_FEDERATION');
  assert.ok(refused({ YIBAO_DEMO: 'tiny' }));
});

describe('fault proxy', () => {
  test('forwards untouched without faults, drops a request unforwarded, drops a response after forwarding, duplicates, delays', async () => {
    const echo = await echoServer();
    const proxy = new FaultProxy(echo.url, 'p1');
    await proxy.listen();
    try {
      assert.deepEqual(JSON.parse(await through(proxy, 'hello')), { n: 1, echo: 'hello' });

      proxy.rates = { ...NO_FAULTS, dropRequest: 1 };
      assert.equal(await through(proxy, 'a'), 'reset');
      assert.equal(echo.hits(), 1, 'a dropped request never reaches the target');

      proxy.rates = { ...NO_FAULTS, dropResponse: 1 };
      assert.equal(await through(proxy, 'b'), 'reset');
      assert.equal(echo.hits(), 2, 'a dropped response was forwarded first');

      proxy.rates = { ...NO_FAULTS, duplicate: 1 };
      const dup = JSON.parse(await through(proxy, 'c'));
      await proxy.idle();
      assert.equal(echo.hits(), 4, 'a duplicated request reaches the target twice');
      assert.equal(dup.echo, 'c');
      assert.equal(dup.n, 3, 'the sender gets the first answer');

      proxy.rates = { ...NO_FAULTS, delay: 1, delayMs: [150, 160] };
      const t0 = performance.now();
      await through(proxy, 'd');
      assert.ok(performance.now() - t0 >= 145, 'a delayed request waits');
      assert.deepEqual(
        { requests: proxy.stats.requests, droppedRequests: proxy.stats.droppedRequests, droppedResponses: proxy.stats.droppedResponses, duplicated: proxy.stats.duplicated, delayed: proxy.stats.delayed },
        { requests: 5, droppedRequests: 1, droppedResponses: 1, duplicated: 1, delayed: 1 },
      );

      // A target that is gone is a reset for the sender, not an answer.
      proxy.target = 'http://127.0.0.1:1';
      proxy.rates = NO_FAULTS;
      assert.equal(await through(proxy, 'e'), 'reset');
    } finally {
      await proxy.close();
      await echo.close();
    }
  });

  test('the same seed gives the same faults in the same order; another seed other faults', async () => {
    const echo = await echoServer();
    const run = async (seed: string): Promise<string> => {
      const proxy = new FaultProxy(echo.url, seed, { dropRequest: 0.3, dropResponse: 0.3, delay: 0, delayMs: [0, 0], duplicate: 0 });
      await proxy.listen();
      let out = '';
      for (let i = 0; i < 40; i++) out += (await through(proxy, String(i))) === 'reset' ? 'x' : '.';
      await proxy.close();
      return out;
    };
    try {
      const a = await run('seed-a');
      assert.equal(await run('seed-a'), a);
      assert.notEqual(await run('seed-b'), a);
      assert.ok(a.includes('x') && a.includes('.'), a);
    } finally {
      await echo.close();
    }
  });
});

describe('deployment processes', () => {
  let folder: string;
  const dbs = new Map<string, TestDatabase>();
  let fed: RunningFederation;
  const specs = [
    { id: 'jiangxi', name: '江西省医保平台', regions: ['36'] },
    { id: 'hunan', name: '湖南省医保平台', regions: ['43'] },
  ];

  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-fed-'));
    for (const s of specs) dbs.set(s.id, await freshDatabase());
    fed = await startFederation({ folder, specs, databaseUrl: (id) => dbs.get(id)!.url, persons: 12 });
  });
  after(async () => {
    await fed?.stop();
    for (const db of dbs.values()) await db.drop();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test('each deployment holds the national reference data and only its own regions\' persons, with its persona and her approved filing', async () => {
    const jx = dbs.get('jiangxi')!.pool;
    const hn = dbs.get('hunan')!.pool;
    const count = async (q: typeof jx, sql: string): Promise<number> => Number((await q.query<{ n: string }>(sql)).rows[0]!.n);
    for (const [q, prefix, other] of [[jx, '36', '43'], [hn, '43', '36']] as const) {
      assert.equal(await count(q, `SELECT count(*) AS n FROM persons`), 12);
      assert.equal(await count(q, `SELECT count(*) AS n FROM persons WHERE insuplc_admdvs NOT LIKE '${prefix}%'`), 0);
      assert.equal(await count(q, `SELECT count(*) AS n FROM enrollments WHERE insutype IN ('310', '390') AND insuplc_admdvs LIKE '${prefix}%'`), 12);
      assert.ok((await count(q, `SELECT count(*) AS n FROM institutions WHERE admdvs LIKE '${other}%'`)) > 50, 'the other province\'s institutions are known too');
      assert.ok((await count(q, `SELECT count(*) AS n FROM contributions`)) > 0);
      assert.equal(await count(q, `SELECT count(*) AS n FROM staff_accounts WHERE username = 'admin'`), 1);
    }
    assert.equal(await count(jx, `SELECT count(*) AS n FROM institutions`), await count(hn, `SELECT count(*) AS n FROM institutions`));
    assert.equal(
      (await jx.query(`SELECT string_agg(fixmedins_code, ',' ORDER BY fixmedins_code) AS c FROM institutions`)).rows[0].c,
      (await hn.query(`SELECT string_agg(fixmedins_code, ',' ORDER BY fixmedins_code) AS c FROM institutions`)).rows[0].c,
      'one national institution code base',
    );
    assert.deepEqual((await jx.query(`SELECT username FROM staff_accounts ORDER BY username`)).rows.map((r) => r.username), ['admin', 'jj.clerk', 'jx.finance', 'jx.supervisor']);
    const dir = readDirectory(JSON.parse(fs.readFileSync(fed.files.get('jiangxi')!, 'utf8')));
    const [retiree] = federationPersonas(dir);
    assert.equal(retiree!.key, 'jiujiang_retiree_in_changsha');
    const row = (await jx.query(`SELECT p.certno, f.status, f.mdtrtarea_admdvs FROM persons p JOIN filings f USING (psn_no) WHERE p.psn_no = $1`, [retiree!.psn_no])).rows[0];
    assert.deepEqual(row, { certno: retiree!.certno, status: 'effective', mdtrtarea_admdvs: '430100' });
    assert.equal(await personalAccountBalance(jx, retiree!.psn_no), 523_400);
  });

  test('kill -9 of a deployment, then a restart on the same database and port: it answers again with what it had, seeded once', async () => {
    const hunan = fed.processes.get('hunan')!;
    const before = hunan.pid;
    await hunan.kill();
    assert.equal(hunan.running, false);
    await assert.rejects(fetch(`${hunan.url}/healthz`, { signal: AbortSignal.timeout(1000) }));
    // Its peer is still up and its proxy answers the killed one as a reset.
    assert.equal((await fetch(`${fed.processes.get('jiangxi')!.url}/healthz`)).status, 200);
    await assert.rejects(fetch(`${fed.proxies.get('hunan')!.url}/healthz`, { signal: AbortSignal.timeout(2000) }));
    await hunan.start();
    assert.notEqual(hunan.pid, before);
    assert.equal((await fetch(`${hunan.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${fed.proxies.get('hunan')!.url}/healthz`)).status, 200, 'the proxy reaches it again');
    const hn = dbs.get('hunan')!.pool;
    assert.equal(Number((await hn.query(`SELECT count(*) AS n FROM persons`)).rows[0].n), 12);
    assert.equal(Number((await hn.query(`SELECT count(*) AS n FROM audit_log WHERE action = 'demo.seed'`)).rows[0].n), 1);
  });
});
