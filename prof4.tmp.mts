import { readConfig } from './src/server/config.ts';
import { maintenanceDatabase } from './src/cli/database.ts';
const db = await maintenanceDatabase(readConfig(), () => undefined);
await db.pool.query(`CREATE INDEX IF NOT EXISTS settlements_replay ON settlements (insuplc_admdvs, insutype, psn_no, setl_time, setl_id)`);
await db.pool.query(`ANALYZE settlements`);
const W = `WHERE s.insuplc_admdvs = '430200' AND s.insutype = '390'`;
const O = `ORDER BY s.psn_no, s.setl_time, s.setl_id`;
for (const [label, sql] of [
  ['all ordered', `SELECT s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, s.setl_time::text, s.setl_year, s.insutype, s.policy_id, s.policy_version, s.setlinfo::text, s.setldetail::text, s.increments::text, s.inputs::text FROM settlements s ${W} ${O}`],
  ['setlinfo', `SELECT s.setlinfo::text FROM settlements s ${W} ${O}`],
  ['setldetail', `SELECT s.setldetail::text FROM settlements s ${W} ${O}`],
  ['increments', `SELECT s.increments::text FROM settlements s ${W} ${O}`],
  ['inputs', `SELECT s.inputs::text FROM settlements s ${W} ${O}`],
  ['keys', `SELECT s.psn_no FROM settlements s ${W} ${O}`],
]) {
  const r = await db.pool.query(`EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) ${sql}`);
  console.log(label.padEnd(18), r.rows.at(-1)['QUERY PLAN'], '|', r.rows.slice(0, 2).map((x: any) => x['QUERY PLAN'].trim().slice(0, 50)).join(' / '));
}
await db.close();
