import { readConfig } from './src/server/config.ts';
import { maintenanceDatabase } from './src/cli/database.ts';
const db = await maintenanceDatabase(readConfig(), () => undefined);
const W = `WHERE s.insuplc_admdvs = '430200' AND s.insutype = '390' ORDER BY s.psn_no, s.setl_time, s.setl_id`;
async function run(label: string, cols: string, batch = 2000) {
  const c = await db.pool.connect();
  await c.query('BEGIN');
  await c.query(`DECLARE x NO SCROLL CURSOR FOR SELECT ${cols} FROM settlements s ${W}`);
  const t = performance.now(); let n = 0; let bytes = 0;
  for (;;) { const r = await c.query({ text: `FETCH ${batch} FROM x`, rowMode: 'array' }); if (!r.rows.length) break; n += r.rows.length; for (const row of r.rows) for (const v of row as any[]) bytes += typeof v === 'string' ? v.length : 0; }
  await c.query('COMMIT'); c.release();
  const s = (performance.now() - t) / 1000;
  console.log(label.padEnd(22), n, (n / s).toFixed(0), 'rows/s', (bytes / n).toFixed(0), 'chars/row');
}
await db.pool.query('SELECT 1');
await run('psn_no', 's.psn_no');
await run('inputs', 's.psn_no, s.inputs::text');
await run('jsonb cols', 's.psn_no, s.setlinfo::text, s.setldetail::text, s.increments::text');
await run('all', `s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, s.setl_time::text, s.setl_year, s.insutype, s.policy_id, s.policy_version, s.setlinfo::text, s.setldetail::text, s.increments::text, s.inputs::text`);
await run('all, batch 10000', `s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, s.setl_time::text, s.setl_year, s.insutype, s.policy_id, s.policy_version, s.setlinfo::text, s.setldetail::text, s.increments::text, s.inputs::text`, 10000);
await db.close();
