import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { YibaoError } from '../src/engine/errors.ts';
import { readDirectory } from '../src/engine/federation/directory.ts';
import { canonicalRecords, reportTotal, type HubRecord } from '../src/engine/federation/hub-clearing.ts';
import { runHubClearing, sha256Hex } from '../src/app/federation/hub-clearing.ts';
import { postHubStatement } from '../src/app/federation/hub-post.ts';
import { reportMsgId, reportToHub } from '../src/app/federation/hub-report.ts';
import type { FederationPort } from '../src/app/federation/port.ts';
import { buildApp } from '../src/server/app.ts';
import { federationLink } from '../src/server/federation/link.ts';
import { newKeyPair, nodeOf, type FederationNode } from '../src/server/federation/node.ts';
import type { Queryable } from '../src/store/db.ts';
import { accountBalance, checkLedger } from '../src/store/ledger.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { HOSPITALS, federationBase, insertFederatedSettlement, type FederatedSettlement } from './support/federation-rows.ts';

// The hub's clearing between two deployments over the real signed HTTP route (docs/federation.md
// "Hub clearing"): Jiangxi, Hunan and the hub, each its own app, port and database. The
// cross-deployment settlements are written straight into both sides' databases (the settlement
// protocol that writes them is built elsewhere); then each deployment reports, the hub clears,
// each deployment fetches and posts its statement, and both ledgers are checked.

interface Node {
  id: 'jiangxi' | 'hunan' | 'hub';
  db: TestDatabase;
  node: FederationNode;
  app: FastifyInstance;
  port: FederationPort;
}
const nodes = {} as Record<Node['id'], Node>;
const now = (): Date => new Date();

const JIANGXI_PSN = '36040000000000001';
const HUNAN_PSN = '43010000000000001';

const keys = { jiangxi: newKeyPair(), hunan: newKeyPair(), hub: newKeyPair() };
let listing: Record<string, unknown>[] = [];

before(async () => {
  listing = [
    { id: 'jiangxi', name: '江西', url: 'http://127.0.0.1:1', public_key_pem: keys.jiangxi.publicKeyPem, regions: ['36'], role: 'deployment' },
    { id: 'hunan', name: '湖南', url: 'http://127.0.0.1:1', public_key_pem: keys.hunan.publicKeyPem, regions: ['43'], role: 'deployment' },
    { id: 'hub', name: '清算中心', url: 'http://127.0.0.1:1', public_key_pem: keys.hub.publicKeyPem, regions: [], role: 'hub' },
  ];
  for (const id of ['jiangxi', 'hunan', 'hub'] as const) {
    const db = await freshDatabase();
    const directory = readDirectory({ self: id, deployments: listing, timeout_ms: 5000, retries: 1, backoff_ms: 10 });
    const node = nodeOf(directory, crypto.createPrivateKey(keys[id].privateKeyPem));
    const app = await buildApp({ pool: db.pool, now, federation: node });
    await app.listen({ host: '127.0.0.1', port: 0 });
    nodes[id] = { id, db, node, app, port: federationLink(node, { now }) };
  }
  // The ports are known once listening: every directory learns every address.
  for (const n of Object.values(nodes)) {
    for (const d of n.node.directory.deployments) d.url = `http://127.0.0.1:${(nodes[d.id as Node['id']].app.server.address() as { port: number }).port}`;
  }
  await federationBase(nodes.jiangxi.db.pool);
  await federationBase(nodes.hunan.db.pool);
});

after(async () => {
  for (const n of Object.values(nodes)) {
    await n.app.close();
    await n.db.drop();
  }
});

/** A Jiangxi person treated in a Changsha hospital (Hunan is the treatment side), or the other way round. */
function jiangxiInHunan(fedId: string, role: 'treatment' | 'insured', fund: number, extra: Partial<FederatedSettlement> = {}): FederatedSettlement {
  return { fed_id: fedId, role, peer: role === 'treatment' ? 'jiangxi' : 'hunan', psn_no: JIANGXI_PSN, insuplc_admdvs: '360400', mdtrtarea_admvs: '430100', fixmedins_code: HOSPITALS.hunan,
    setl_time: new Date('2026-12-10T02:00:00Z'), fund, acct: 0, cash: 1000, ...extra };
}
function hunanInJiangxi(fedId: string, role: 'treatment' | 'insured', fund: number): FederatedSettlement {
  return { fed_id: fedId, role, peer: role === 'treatment' ? 'hunan' : 'jiangxi', psn_no: HUNAN_PSN, insuplc_admdvs: '430100', mdtrtarea_admvs: '360400', fixmedins_code: HOSPITALS.jiangxi,
    setl_time: new Date('2026-12-12T03:00:00Z'), fund, acct: 0, cash: 500 };
}
/** Both sides of a settlement: the treatment side's rows on its database, the insured side's on its. */
async function settleBoth(make: (role: 'treatment' | 'insured') => FederatedSettlement): Promise<void> {
  const t = make('treatment');
  await insertFederatedSettlement(nodes[t.fed_id.split(':')[0] as 'jiangxi' | 'hunan'].db.pool, t);
  const i = make('insured');
  await insertFederatedSettlement(nodes[t.peer as 'jiangxi' | 'hunan'].db.pool, i);
}

async function books(q: Queryable): Promise<void> {
  const l = await checkLedger(q);
  assert.equal(l.debits_fen, l.credits_fen, 'debits equal credits');
  assert.deepEqual(l.drifted, []);
  assert.deepEqual(l.unbalanced, []);
  assert.deepEqual(l.undeclared, []);
  assert.deepEqual(l.settlements_without_one_transfer, []);
}

async function hubState(): Promise<string> {
  const q = nodes.hub.db.pool;
  const r = await q.query<{ s: string }>(`SELECT concat_ws('|',
      (SELECT string_agg(deployment || month || msg_id || versions || count || total_fen, ',' ORDER BY deployment, month) FROM hub_reports),
      (SELECT string_agg(deployment || fed_id || report_month || owed_fen || coalesce(cleared_month, '-'), ',' ORDER BY deployment, fed_id) FROM hub_records),
      (SELECT string_agg(month || matched, ',' ORDER BY month) FROM hub_runs),
      (SELECT count(*)::text FROM hub_statements)) AS s`);
  return r.rows[0]!.s;
}

async function refusal(p: Promise<unknown>): Promise<YibaoError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof YibaoError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

test('two deployments report, the hub clears, each posts its statement: both ledgers balance, the hub positions net to zero', async () => {
  // December 2026: a Jiangxi retiree in Changsha twice (the second cancelled), a Hunan resident in Jiujiang.
  await settleBoth((role) => jiangxiInHunan('hunan:M1:1', role, 15000));
  await settleBoth((role) => jiangxiInHunan('hunan:M2:1', role, 5000));
  await settleBoth((role) => ({ ...jiangxiInHunan('hunan:M2:1:cancel', role, 5000), cancels: 'hunan:M2:1', setl_time: new Date('2026-12-11T02:00:00Z') }));
  await settleBoth((role) => hunanInJiangxi('jiangxi:M9:1', role, 8000));
  // Only Hunan holds M5 (Jiangxi's half is missing); M7's two halves differ by a yuan.
  await insertFederatedSettlement(nodes.hunan.db.pool, jiangxiInHunan('hunan:M5:1', 'treatment', 2000));
  await insertFederatedSettlement(nodes.jiangxi.db.pool, hunanInJiangxi('jiangxi:M7:1', 'treatment', 4000));
  await insertFederatedSettlement(nodes.hunan.db.pool, hunanInJiangxi('jiangxi:M7:1', 'insured', 3900));
  for (const n of [nodes.jiangxi, nodes.hunan]) await books(n.db.pool);

  // Reports: each deployment's month, both roles.
  const jx = await reportToHub(nodes.jiangxi.db.pool, nodes.jiangxi.port, { month: '202612', now: now() });
  assert.equal(jx.report.count, 5); // M1, M2, M2 cancel (insured), M9, M7 (treatment)
  assert.equal(jx.report.total, 8000 + 4000 - 15000 - 5000 + 5000);
  assert.equal(jx.msg_id, reportMsgId('jiangxi', '202612', sha256Hex(canonicalRecords(jx.report.records))));
  assert.deepEqual({ held: jx.answer.held, replaced: jx.answer.replaced, count: jx.answer.count }, { held: 5, replaced: false, count: 5 });
  const hn = await reportToHub(nodes.hunan.db.pool, nodes.hunan.port, { month: '202612', now: now() });
  assert.equal(hn.report.count, 6);

  // A resent unchanged report is answered from the hub's inbox and changes nothing.
  const state = await hubState();
  const again = await reportToHub(nodes.jiangxi.db.pool, nodes.jiangxi.port, { month: '202612', now: now() });
  assert.equal(again.msg_id, jx.msg_id);
  assert.deepEqual(again.answer, jx.answer);
  assert.equal(await hubState(), state);

  // Hunan signs a report of Jiangxi's records; then one naming the hub as a peer: refused, nothing stored.
  const jiangxiRecords: HubRecord[] = jx.report.records;
  const forged = { month: '202612', deployment: 'jiangxi', records: jiangxiRecords, count: jiangxiRecords.length, total: reportTotal(jiangxiRecords) };
  const hubDeployment = nodes.hunan.port.directory.deployments.find((d) => d.role === 'hub')!;
  const e1 = await refusal(nodes.hunan.port.send(hubDeployment, 'hub.report', 'report:forged:1', forged));
  assert.equal(e1.kind, 'forbidden');
  assert.equal(e1.details[0]!.field, 'body.deployment');
  const toHub = hn.report.records.map((r, i) => (i === 0 ? { ...r, peer: 'hub' } : r));
  const e2 = await refusal(nodes.hunan.port.send(hubDeployment, 'hub.report', 'report:forged:2', { ...hn.report, records: toHub }));
  assert.equal(e2.kind, 'forbidden');
  assert.equal(e2.details[0]!.field, 'body.records[0].peer');
  assert.equal(await hubState(), state);

  // The hub clears the month.
  const run = await runHubClearing(nodes.hub.db.pool, { month: '202612', dir: nodes.hub.node.directory, now: now() });
  assert.equal(run.built, true);
  assert.equal(run.matched, 4);
  assert.deepEqual(run.positions, [{ deployment: 'hunan', net_fen: 7000 }, { deployment: 'jiangxi', net_fen: -7000 }]);
  assert.deepEqual(run.exceptions.map((e) => `${e.kind} ${'fed_id' in e ? e.fed_id : e.deployment}`), ['one_side hunan:M5:1', 'differs jiangxi:M7:1']);
  const rerun = await runHubClearing(nodes.hub.db.pool, { month: '202612', dir: nodes.hub.node.directory, now: now() });
  assert.equal(rerun.built, false);
  assert.deepEqual(rerun.statements, run.statements);
  // A changed report of a cleared month is refused; the unchanged one still gets its first answer.
  await insertFederatedSettlement(nodes.jiangxi.db.pool, jiangxiInHunan('hunan:M5:1', 'insured', 2000)); // the reconciliation's repair, after the run
  const late = await refusal(reportToHub(nodes.jiangxi.db.pool, nodes.jiangxi.port, { month: '202612', now: now() }));
  assert.equal(late.kind, 'conflict');
  assert.equal(late.details[0]!.field, 'body.month');

  // A deployment gets only its own statement.
  const other = await refusal(nodes.jiangxi.port.send(hubDeployment, 'hub.statement', `statement:peek:${Date.now()}`, { month: '202612', deployment: 'hunan' }));
  assert.equal(other.kind, 'forbidden');

  // A statement that does not match Hunan's records (the hub's copy altered) is refused and nothing is posted.
  await nodes.hub.db.pool.query(`UPDATE hub_statements SET body = jsonb_set(body, '{cleared,0,owed_fen}', '1') WHERE deployment = 'hunan'`);
  const transfersBefore = (await checkLedger(nodes.hunan.db.pool)).transfers;
  const bad = await refusal(postHubStatement(nodes.hunan.db.pool, nodes.hunan.port, { month: '202612', now: now() }));
  assert.equal(bad.kind, 'conflict');
  assert.match(bad.details.map((d) => d.en).join('\n'), /hunan:M1:1: the statement has treatment\/jiangxi\/1 fen, this deployment treatment\/jiangxi\/15000 fen/);
  assert.equal((await checkLedger(nodes.hunan.db.pool)).transfers, transfersBefore);
  assert.equal((await nodes.hunan.db.pool.query(`SELECT 1 FROM federation_hub_statements`)).rowCount, 0);
  await nodes.hub.db.pool.query(`UPDATE hub_statements SET body = jsonb_set(body, '{cleared,0,owed_fen}', '15000') WHERE deployment = 'hunan'`);

  // Both post; a second post posts nothing.
  const pj = await postHubStatement(nodes.jiangxi.db.pool, nodes.jiangxi.port, { month: '202612', now: now() });
  const ph = await postHubStatement(nodes.hunan.db.pool, nodes.hunan.port, { month: '202612', now: now() });
  assert.equal(pj.posted && ph.posted, true);
  assert.equal(pj.hub_movement_fen, 7000); // Jiangxi owes the hub ¥70.00
  assert.equal(ph.hub_movement_fen, -7000); // the hub owes Hunan ¥70.00
  const twice = await postHubStatement(nodes.jiangxi.db.pool, nodes.jiangxi.port, { month: '202612', now: now() });
  assert.equal(twice.posted, false);
  assert.equal(twice.transfer_id, pj.transfer_id);
  const hubTransfers = await nodes.jiangxi.db.pool.query(`SELECT key, amount_fen FROM ledger_transfers WHERE kind = 'hub_clearing'`);
  assert.deepEqual(hubTransfers.rows, [{ key: `hub_clearing:202612:${pj.statement.id}`, amount_fen: 15000 + 8000 }]);

  for (const n of [nodes.jiangxi, nodes.hunan]) await books(n.db.pool);
  const jHub = await accountBalance(nodes.jiangxi.db.pool, 'hub:hub');
  const hHub = await accountBalance(nodes.hunan.db.pool, 'hub:hub');
  assert.deepEqual([jHub, hHub, jHub + hHub], [7000, -7000, 0], 'the hub positions net to zero across the two ledgers');
  // What stays in the owed accounts is exactly what was not cleared: M7 on Jiangxi (treatment) and M5, M7 on Hunan.
  assert.equal(await accountBalance(nodes.jiangxi.db.pool, 'owed_to:360400:430100'), 2000, 'M5 (repaired after the run) waits for the next month');
  assert.equal(await accountBalance(nodes.jiangxi.db.pool, 'owed_by:360400:430100'), -4000, 'M7, which differs, stays');
  assert.equal(await accountBalance(nodes.hunan.db.pool, 'owed_by:430100:360400'), -2000, 'M5 stays');
  assert.equal(await accountBalance(nodes.hunan.db.pool, 'owed_to:430100:360400'), 3900, 'M7 stays');
});

test('the next month: a carried record that now has both sides clears; one still differing stays; a deployment that did not report is listed', async () => {
  // Jiangxi's half of M5 arrived after December's run; only Jiangxi reports January.
  const jx = await reportToHub(nodes.jiangxi.db.pool, nodes.jiangxi.port, { month: '202701', now: now() });
  assert.deepEqual(jx.report.records.map((r) => r.fed_id), ['hunan:M5:1', 'jiangxi:M7:1'], 'the uncleared records of earlier months ride along');
  const run = await runHubClearing(nodes.hub.db.pool, { month: '202701', dir: nodes.hub.node.directory, now: now() });
  assert.equal(run.matched, 1);
  assert.deepEqual(run.exceptions.map((e) => `${e.kind} ${'fed_id' in e ? e.fed_id : e.deployment}`), ['differs jiangxi:M7:1', 'not_reported hunan']);
  assert.deepEqual(run.positions, [{ deployment: 'hunan', net_fen: 2000 }, { deployment: 'jiangxi', net_fen: -2000 }]);
  // December, now closed by January's run, can no longer be run again nor reported.
  const early = await refusal(reportToHub(nodes.hunan.db.pool, nodes.hunan.port, { month: '202611', now: now() }));
  assert.equal(early.kind, 'conflict');
  await postHubStatement(nodes.jiangxi.db.pool, nodes.jiangxi.port, { month: '202701', now: now() });
  const ph = await postHubStatement(nodes.hunan.db.pool, nodes.hunan.port, { month: '202701', now: now() });
  assert.equal(ph.statement.exceptions.some((e) => e.kind === 'not_reported' && e.deployment === 'hunan'), true);
  for (const n of [nodes.jiangxi, nodes.hunan]) await books(n.db.pool);
  const jHub = await accountBalance(nodes.jiangxi.db.pool, 'hub:hub');
  const hHub = await accountBalance(nodes.hunan.db.pool, 'hub:hub');
  assert.deepEqual([jHub, hHub], [9000, -9000]);
  assert.equal(await accountBalance(nodes.jiangxi.db.pool, 'owed_to:360400:430100'), 0);
  // Every fed_id is cleared once on each side, over both months.
  const cleared = await nodes.jiangxi.db.pool.query<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT fed_id)::int AS d FROM federation_hub_cleared`);
  assert.deepEqual(cleared.rows[0], { n: 5, d: 5 });
});

test('the commands: yibao federation report, clear and post, each a process of its own with YIBAO_FEDERATION and DATABASE_URL', async () => {
  await settleBoth((role) => ({ ...jiangxiInHunan('hunan:M20:1', role, 3000), setl_time: new Date('2027-02-03T02:00:00Z') }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-fed-'));
  const root = path.resolve(import.meta.dirname, '..');
  const run = promisify(execFile);
  // In-process servers answer while the command runs: the child is awaited, never waited on synchronously.
  const yibao = async (id: Node['id'], ...args: string[]): Promise<string> => {
    const file = path.join(dir, `${id}.json`);
    fs.writeFileSync(path.join(dir, `${id}.pem`), keys[id].privateKeyPem);
    fs.writeFileSync(file, JSON.stringify({ self: id, deployments: nodes[id].node.directory.deployments, private_key_file: `${id}.pem`, timeout_ms: 5000, retries: 1, backoff_ms: 10 }));
    const out = await run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'federation', ...args], {
      cwd: root, encoding: 'utf8', env: { ...process.env, YIBAO_FEDERATION: file, DATABASE_URL: nodes[id].db.url, LOG_LEVEL: 'silent' },
    });
    return out.stdout;
  };
  try {
    assert.match(await yibao('jiangxi', 'report', '--month', '202702'), /report 202702 of jiangxi: 2 records/);
    assert.match(await yibao('hunan', 'report', '--month', '202702'), /report 202702 of hunan: 2 records/);
    const cleared = await yibao('hub', 'clear', '--month', '202702');
    assert.match(cleared, /hub clearing 202702: 1 settlements matched and cleared/);
    assert.match(cleared, /hunan\t30\.00/);
    assert.match(cleared, /jiangxi\t-30\.00/);
    assert.match(cleared, /jiangxi:M7:1\tjiangxi and hunan differ on owed_fen/);
    assert.match(await yibao('jiangxi', 'post', '--month', '202702'), /statement \d+ of 202702 for jiangxi: posted, transfer \d+/);
    assert.match(await yibao('jiangxi', 'post', '--month', '202702'), /posted before/);
    await assert.rejects(yibao('hub', 'clear'), /usage: yibao federation report\|clear\|post --month YYYYMM/);
    assert.equal(await accountBalance(nodes.jiangxi.db.pool, 'hub:hub'), 12000);
    await books(nodes.jiangxi.db.pool);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a later month reported before the earlier one is run leaves the earlier month\'s records to its run', async () => {
  await settleBoth((role) => ({ ...jiangxiInHunan('hunan:M30:1', role, 6000), setl_time: new Date('2027-03-05T02:00:00Z') }));
  await reportToHub(nodes.jiangxi.db.pool, nodes.jiangxi.port, { month: '202703', now: now() });
  await reportToHub(nodes.hunan.db.pool, nodes.hunan.port, { month: '202703', now: now() });
  // Hunan's April report carries M30 again (not cleared there yet), before the hub runs March.
  const april = await reportToHub(nodes.hunan.db.pool, nodes.hunan.port, { month: '202704', now: now() });
  assert.ok(april.report.records.some((r) => r.fed_id === 'hunan:M30:1'));
  const march = await runHubClearing(nodes.hub.db.pool, { month: '202703', dir: nodes.hub.node.directory, now: now() });
  assert.equal(march.matched, 1);
  assert.deepEqual(march.positions, [{ deployment: 'hunan', net_fen: 6000 }, { deployment: 'jiangxi', net_fen: -6000 }]);
  assert.deepEqual(march.exceptions.map((e) => e.kind), ['differs']);
});
