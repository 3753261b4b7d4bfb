import { workerData } from 'node:worker_threads';
import { serveBatches } from '../app/threads.ts';
import { loadPolicy, type Catalog } from '../engine/index.ts';
import { invalid } from '../engine/errors.ts';
import { PolicyComparison, type ClaimFile } from '../engine/simulator.ts';
import type { TallyData } from '../engine/simulation-report.ts';
import { diseaseLookup, loadRegionCatalog } from '../store/shipped-documents.ts';

// One worker thread of `yibao compare` (src/cli/settle.ts): it is sent every line of the persons
// hashed to it, in the file's order, and settles them under both policies; at the end it
// answers its tally. The persons of two workers never meet, so the tallies simply merge.

export interface CompareWorkerData {
  from: unknown;
  to: unknown;
  catalogDir: string | undefined;
  file: string;
}

const data = workerData as CompareWorkerData;
const catalogs = new Map<string, Catalog>();
const comparison = new PolicyComparison(loadPolicy(data.from, diseaseLookup()), loadPolicy(data.to, diseaseLookup()), (admdvs) => {
  let c = catalogs.get(admdvs);
  if (!c) catalogs.set(admdvs, (c = loadRegionCatalog(admdvs, data.catalogDir)));
  return c;
});

serveBatches<TallyData>((lines, numbers) => {
  lines.forEach((line, i) => {
    let claim: ClaimFile;
    try {
      claim = JSON.parse(line) as ClaimFile;
    } catch {
      throw invalid(`${data.file}:${numbers[i]}`, '不是一行 JSON 理赔记录', 'is not a JSON claim on one line');
    }
    comparison.add(claim, String(numbers[i]));
  });
}, () => comparison.totals());
