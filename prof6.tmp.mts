import { readConfig } from './src/server/config.ts';
import { maintenanceDatabase } from './src/cli/database.ts';
import { replayRows } from './src/store/settlement/replay.ts';
const db = await maintenanceDatabase(readConfig(), () => undefined);
const f = { admdvs: '430200', insutype: '390', from: '2000-01-01', to: '2099-12-31' };
const c0 = process.cpuUsage(); const t = performance.now(); let n = 0; let chars = 0;
for await (const rows of replayRows(db.pool, { ...f, explanation: false })) { n += rows.length; for (const r of rows) chars += r.row.length; }
const cpu = process.cpuUsage(c0);
console.log('read', n, ((performance.now() - t) / 1000).toFixed(2), 's wall; node cpu', ((cpu.user + cpu.system) / 1e6).toFixed(2), 's;', (chars / n).toFixed(0), 'chars/row');
await db.close();
