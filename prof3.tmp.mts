import { readConfig } from './src/server/config.ts';
import { maintenanceDatabase } from './src/cli/database.ts';
const db = await maintenanceDatabase(readConfig(), () => undefined);
const W = `WHERE s.insuplc_admdvs = '430200' AND s.insutype = '390'`;
const O = `ORDER BY s.psn_no, s.setl_time, s.setl_id`;
for (const [label, sql] of [
  ['all ordered', `SELECT s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, s.setl_time::text, s.setl_year, s.insutype, s.policy_id, s.policy_version, s.setlinfo::text, s.setldetail::text, s.increments::text, s.inputs::text FROM settlements s ${W} ${O}`],
  ['all unordered', `SELECT s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, s.setl_time::text, s.setl_year, s.insutype, s.policy_id, s.policy_version, s.setlinfo::text, s.setldetail::text, s.increments::text, s.inputs::text FROM settlements s ${W}`],
  ['no jsonb ordered', `SELECT s.psn_no, s.setl_id, s.inputs::text, s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay FROM settlements s ${W} ${O}`],
]) {
  const r = await db.pool.query(`EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) ${sql}`);
  console.log(label.padEnd(18), r.rows.at(-1)['QUERY PLAN'], '|', r.rows.slice(0, 4).map((x: any) => x['QUERY PLAN'].trim().slice(0, 50)).join(' / '));
}
const sz = await db.pool.query(`SELECT pg_size_pretty(pg_table_size('settlements')) t, current_setting('shared_buffers') sb, current_setting('work_mem') wm`);
console.log(sz.rows[0]);
await db.close();
