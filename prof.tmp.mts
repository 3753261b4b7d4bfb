import { readConfig } from './src/server/config.ts';
import { maintenanceDatabase } from './src/cli/database.ts';
import { simulateStored } from './src/app/settlement/simulation.ts';
import { replayRows } from './src/store/settlement/replay.ts';
import { DocumentRegistry } from './src/store/documents/registry.ts';
const db = await maintenanceDatabase(readConfig(), () => undefined);
const f = { admdvs: '430200', insutype: '390', from: '2000-01-01', to: '2099-12-31' };
let t = performance.now(); let n = 0; let first = 0;
for await (const rows of replayRows(db.pool, { ...f, explanation: false })) { if (!first) first = performance.now() - t; n += rows.length; }
console.log('read', n, 'rows', ((performance.now() - t) / 1000).toFixed(2), 's; first batch after', (first / 1000).toFixed(2), 's');
const draft = (await new DocumentRegistry().get(db.pool, 'policy', '430200-390-2026')).doc as any;
const d2 = { ...draft, version: 2, outpatient: { ...draft.outpatient, deductible_yuan: 0 } };
for (const workers of [1, 2]) {
  t = performance.now();
  const marks: string[] = [];
  const s = await simulateStored(db.pool, new DocumentRegistry(), { from: f.from, to: f.to, draft: d2, baseline: null }, { workers, progress: (p) => marks.push(`${((performance.now() - t) / 1000).toFixed(1)}s:${p.done}`) });
  console.log('workers', workers, s.report.claims, 'claims', s.seconds, 's', (s.report.claims / s.seconds).toFixed(0), '/s', marks.join(' '), 'rss', Math.round(process.resourceUsage().maxRSS / 1024));
}
await db.close();
