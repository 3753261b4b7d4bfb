import { readConfig } from './src/server/config.ts';
import { maintenanceDatabase } from './src/cli/database.ts';
const db = await maintenanceDatabase(readConfig(), () => undefined);
const W = `WHERE s.insuplc_admdvs = '430200' AND s.insutype = '390'`;
const O = `ORDER BY s.psn_no, s.setl_time, s.setl_id`;
const ALL = `s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, s.setl_time::text, s.setl_year, s.insutype, s.policy_id, s.policy_version, s.setlinfo::text, s.setldetail::text, s.increments::text, s.inputs::text`;
const c = await db.pool.connect();
for (const [label, set, sql] of [
  ['sorted (default)', 'SET enable_indexscan = on', `SELECT ${ALL} FROM settlements s ${W} ${O}`],
  ['index, rpc 1.1', 'SET random_page_cost = 1.1', `SELECT ${ALL} FROM settlements s ${W} ${O}`],
  ['no sort', 'SET enable_sort = off', `SELECT ${ALL} FROM settlements s ${W} ${O}`],
  ['no sort, no parallel', 'SET max_parallel_workers_per_gather = 0', `SELECT ${ALL} FROM settlements s ${W} ${O}`],
]) {
  await c.query(set);
  const r = await c.query(`EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) ${sql}`);
  console.log(label.padEnd(22), r.rows.at(-1)['QUERY PLAN'], '|', r.rows.slice(0, 2).map((x: any) => x['QUERY PLAN'].trim().slice(0, 60)).join(' / '));
}
c.release();
await db.close();
