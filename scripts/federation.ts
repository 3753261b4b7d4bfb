// `npm run federation [-- --once] [--fresh] [--persons N] [--port-base P]`: the two-deployment
// demo (issue 17, docs/federation.md "Running two deployments"). Makes the keys and the three
// directory files in .yibao-federation/, starts one embedded PostgreSQL with a database per
// deployment, starts the hub, Jiangxi and Hunan as three `yibao serve` processes on the
// federation demo, then drives a cross-deployment outpatient settlement of the Jiangxi retiree
// at a Changsha hospital through Hunan's national gateway and prints both sides' records.
// It stays up with the three servers (Ctrl-C stops all) unless --once.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FEDERATION_PERSONAS, personaCertno, personaPsnNo } from '../src/demo/federation.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { personalAccountBalance } from '../src/store/ledger.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { catalogItems, DEMO_DEPLOYMENTS, DeploymentProcess, Hospital, outpatientVisit, ROOT, writeDirectories } from '../test/support/federation.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    once: { type: 'boolean' },
    fresh: { type: 'boolean' },
    persons: { type: 'string' },
    'port-base': { type: 'string' },
  },
});
const persons = Number(values.persons ?? '200');
const portBase = Number(values['port-base'] ?? '8200');
const folder = path.join(ROOT, '.yibao-federation');
const say = (line: string): void => console.log(`[federation] ${line}`);
/** An accumulator document without its zeros (nested per-disease maps flattened to `key.code`). */
function nonZero(acc: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(acc)) {
    if (typeof v === 'number' && v !== 0) out[k] = v;
    else if (v && typeof v === 'object') for (const [c, n] of Object.entries(v)) if (typeof n === 'number' && n !== 0) out[`${k}.${c}`] = n;
  }
  return out;
}

if (values.fresh) fs.rmSync(folder, { recursive: true, force: true });
fs.mkdirSync(folder, { recursive: true });
const ports = new Map(DEMO_DEPLOYMENTS.map((d, i) => [d.id, portBase + i]));
const files = writeDirectories(folder, DEMO_DEPLOYMENTS, (_viewer, target) => `http://127.0.0.1:${ports.get(target)!}`);
say(`keys and directory files in ${path.relative(process.cwd(), folder) || folder}: ${[...files.values()].map((f) => path.basename(f)).join(', ')}`);

say('starting one embedded PostgreSQL for the three deployments…');
const pg = await startEmbeddedPostgres(path.join(folder, 'pg'), { notice: say });
const dbName = (id: string): string => `yibao_${id}`;
for (const d of DEMO_DEPLOYMENTS) await ensureDatabase(pg.url('postgres'), dbName(d.id));
say(`PostgreSQL ready: psql ${pg.tcpUrl(dbName('hunan'))} (and ${dbName('jiangxi')}, ${dbName('hub')})`);

const processes = DEMO_DEPLOYMENTS.map((d) => new DeploymentProcess({
  id: d.id, port: ports.get(d.id)!, databaseUrl: pg.url(dbName(d.id)), federationFile: files.get(d.id)!, persons,
  env: { LOG_LEVEL: 'warn' }, // the demo prints its own story; the servers only their warnings
  echo: (line) => console.log(`[${d.id}] ${line.replace(/^\[yibao\] /, '')}`),
}));
const pools: Pool[] = [];
let stopping = false;
const stopAll = async (code: number): Promise<never> => {
  if (!stopping) {
    stopping = true;
    say('stopping the three servers and PostgreSQL…');
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all(pools.map((p) => p.end()));
    await pg.stop().catch(() => undefined);
  }
  process.exit(code);
};
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  say(`starting hub :${ports.get('hub')}, jiangxi :${ports.get('jiangxi')}, hunan :${ports.get('hunan')} (YIBAO_DEMO=federation, ${persons} persons each; the first start seeds)…`);
  const t0 = performance.now();
  await Promise.all(processes.map((p) => p.start(600_000)));
  say(`all three answer GET /healthz (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const jx = createPool(pg.url(dbName('jiangxi')), 2);
  const hn = createPool(pg.url(dbName('hunan')), 2);
  pools.push(jx, hn);
  const retiree = FEDERATION_PERSONAS.find((p) => p.key === 'jiujiang_retiree_in_changsha')!;
  const inst = (await hn.query<{ fixmedins_code: string; fixmedins_name: string }>(`SELECT fixmedins_code, fixmedins_name FROM institutions WHERE fixmedins_name = '长沙市第一人民医院'`)).rows[0]!;
  say(`persona: ${retiree.psn_name} (psn_no ${personaPsnNo(retiree)}, certno ${personaCertno(retiree)}), insured in Jiujiang, treated at ${inst.fixmedins_name} ${inst.fixmedins_code} (Hunan)`);
  const hospital = new Hospital({ url: `http://127.0.0.1:${ports.get('hunan')}`, fixmedins_code: inst.fixmedins_code, fixmedins_name: inst.fixmedins_name, mdtrtarea_admvs: '430100', retryForMs: 20_000 });
  say(`9001 sign-in at Hunan's gateway: sign_no ${await hospital.signIn()}`);
  const items = catalogItems('430100');
  const visit = await outpatientVisit(hospital, { certno: personaCertno(retiree), insuplc_admdvs: retiree.insuplc_admdvs }, [[items.limited.code, items.limited.limit_fen, 1], [items.class_b, 12_000, 3], [items.class_a, 8_500, 2]], { preview: true });
  say(`1101 → psn_no ${visit.psn_no}; 2201 → mdtrt_id ${visit.mdtrt_id}; 2204 fee lines ${(visit.medfee_sumamt_fen / 100).toFixed(2)} yuan`);
  const p = visit.preview?.output?.setlinfo;
  if (p) say(`2206 pre-settlement: fund ${p.fund_pay_sumamt}, account ${p.acct_pay}, cash ${p.psn_cash_pay}`);
  if (visit.settle.infcode !== 0) throw new Error(`2207 refused: ${visit.settle.err_msg}`);
  const s = visit.settle.output.setlinfo;
  say(`2207 settled: setl_id ${s.setl_id}, total ${s.medfee_sumamt}, fund ${s.fund_pay_sumamt}, account ${s.acct_pay}, cash ${s.psn_cash_pay}`);

  const side = async (name: string, q: Pool, where: string, arg: string): Promise<string | undefined> => {
    const rows = (await q.query(`SELECT f.fed_id, f.role, f.peer, f.kind, f.status, f.setl_id, f.peer_setl_id, f.medfee_sumamt, f.fund_pay_sumamt, f.acct_pay, f.psn_cash_pay, f.owed_fen, s.mdtrt_id, s.insuplc_admdvs, s.mdtrtarea_admvs, s.increments
                                     FROM federation_settlements f JOIN settlements s USING (setl_id) WHERE ${where} = $1 ORDER BY f.recorded_at`, [arg])).rows;
    say(`${name}: federation_settlements ⋈ settlements`);
    for (const { increments, ...r } of rows) console.log(`  ${JSON.stringify(r)}\n  increments: ${JSON.stringify(nonZero(increments))}`);
    return rows[0]?.fed_id as string | undefined;
  };
  const fedId = await side('Hunan (treatment side)', hn, 'f.treatment_mdtrt_id', visit.mdtrt_id);
  if (!fedId) throw new Error('no federation_settlements row on the Hunan side: is the settlement protocol merged (docs/federation.md)?');
  await side('Jiangxi (insured side), the same fed_id', jx, 'f.fed_id', fedId);
  const acc = (await jx.query(`SELECT * FROM accumulators WHERE psn_no = $1`, [visit.psn_no])).rows;
  say(`Jiangxi: accumulators of ${visit.psn_no}`);
  for (const r of acc) console.log(`  ${r.year}: ${JSON.stringify(nonZero(r.acc))} after ${r.settlements} settlement(s)`);
  say(`Jiangxi: personal account of ${visit.psn_no}: ${(await personalAccountBalance(jx, visit.psn_no) / 100).toFixed(2)} yuan`);
} catch (err) {
  say(`failed: ${(err as Error).message}`);
  await stopAll(1);
}

if (values.once) await stopAll(0);
say(`running: hub http://127.0.0.1:${ports.get('hub')}, jiangxi http://127.0.0.1:${ports.get('jiangxi')}, hunan http://127.0.0.1:${ports.get('hunan')} (Ctrl-C stops all)`);
