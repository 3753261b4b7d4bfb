// One simulation for bench/simulate.ts, in a process of its own so that its peak memory is its
// own: `node --import tsx bench/simulate-run.ts DRAFT.json WORKERS [BASELINE_ID@VERSION]` on
// DATABASE_URL, printing { claims, seconds, peak_rss_mb }.
import fs from 'node:fs';
import { simulateStored } from '../src/app/settlement/simulation.ts';
import { createPool } from '../src/store/db.ts';
import { DocumentRegistry } from '../src/store/documents/registry.ts';

const [draftFile, workers, baseline] = process.argv.slice(2);
const pool = createPool(process.env.DATABASE_URL!, 2);
try {
  const [id, version] = baseline?.split('@') ?? [];
  const base = id === undefined ? null : (await new DocumentRegistry().get(pool, 'policy', id, Number(version))).doc;
  const s = await simulateStored(pool, new DocumentRegistry(), { from: '2000-01-01', to: '2099-12-31', draft: JSON.parse(fs.readFileSync(draftFile!, 'utf8')), baseline: base }, { workers: Number(workers) });
  console.log(JSON.stringify({ claims: s.report.claims, seconds: s.seconds, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
} finally {
  await pool.end();
}
