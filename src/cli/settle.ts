// The policy simulator: `yibao settle` prices one claim file and explains every step;
// `yibao compare` settles a file of claims under two policy versions and reports what the
// change costs the funds and who pays more or less — what a bureau runs before changing a policy.
// On files (policies/, catalogs/, or the files given), or with `--database URL` on the versions
// stored in that database's registry: the ones settlement prices on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { feeDetailResult, formatYuan, loadPolicy, selectPolicy, settle, settlementOutput, type ExplainValue, type Fen, type Policy, type Settlement, type SettlementInput } from '../engine/index.ts';
import { invalid } from '../engine/errors.ts';
import { claimInput, type ClaimFile } from '../engine/simulator.ts';
import { mergeTallies, simulationReport, type SimulationReport, type TallyData } from '../engine/simulation-report.ts';
import type { CompareWorkerData } from './compare-worker.ts';
import { PartitionedWorkers, threadCount } from '../app/threads.ts';
import { diseaseLookup, loadPolicyDir, loadRegionCatalog } from '../store/shipped-documents.ts';
import { readNamedPolicy, settleClaim, simulate } from '../app/settlement/policy-workbench.ts';
import { createPool, type Pool } from '../store/db.ts';
import { DocumentRegistry } from '../store/documents/registry.ts';

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

function policyFor(claim: ClaimFile, policyFile: string | undefined): Policy {
  if (policyFile) return loadPolicy(readJson(policyFile), diseaseLookup());
  const p = selectPolicy(loadPolicyDir(), claim.visit.insuplc_admdvs, claim.person.insutype, claim.visit.setl_date);
  if (!p) throw invalid('visit.insuplc_admdvs', '没有适用的政策文件', `no demo policy for ${claim.visit.insuplc_admdvs}/${claim.person.insutype} on ${claim.visit.setl_date}`);
  return p;
}

/** Explanation values: keys ending in _bp are ratios, counts and codes stay as they are, amounts print in yuan. */
function show(key: string, v: ExplainValue): string {
  if (typeof v !== 'number') return String(v);
  if (key.endsWith('_bp')) return `${v / 100}%`;
  if (key === 'lines') return String(v);
  return formatYuan(v as Fen);
}

export function explainText(s: Settlement, classified: SettlementInput['lines']): string {
  const out: string[] = [];
  out.push(`政策 policy: ${s.policy_id} v${s.policy_version}  方案 scheme: ${s.scheme}`);
  out.push('', '费用明细分类 fee lines (catalog):');
  for (const l of classified) {
    out.push(
      `  ${l.feedetl_sn.padEnd(8)} ${l.med_list_codg.padEnd(28)} ${formatYuan(l.det_item_fee_sumamt).padStart(10)}  全自费 ${formatYuan(l.fulamt_ownpay_amt)}  超限价 ${formatYuan(l.overlmt_amt)}  先行自付 ${formatYuan(l.preselfpay_amt)}  范围内 ${formatYuan(l.inscp_scp_amt)}  — ${l.reason.zh} / ${l.reason.en}`,
    );
  }
  out.push('', '计算步骤 steps:');
  s.steps.forEach((st, i) => {
    const fmt = (r: Readonly<Record<string, ExplainValue>>) => Object.entries(r).map(([k, v]) => `${k}=${show(k, v)}`).join(' ');
    out.push(`  ${i + 1}. ${st.zh} / ${st.en}${st.rule ? `  [${st.rule}]` : ''}`);
    out.push(`       in:  ${fmt(st.in)}`);
    out.push(`       out: ${fmt(st.out)}`);
  });
  out.push('', '结算信息 setlinfo:');
  for (const [k, v] of Object.entries(s.setlinfo)) if (v !== 0 || ['medfee_sumamt', 'fund_pay_sumamt', 'psn_part_amt', 'psn_cash_pay'].includes(k)) out.push(`  ${k.padEnd(18)} ${formatYuan(v as Fen).padStart(12)}`);
  out.push('', '基金支付明细 setldetail:');
  for (const d of s.setldetail) out.push(`  ${d.fund_pay_type} ${d.fund_pay_type_name.padEnd(16)} ${formatYuan(d.fund_payamt).padStart(12)}${d.crt_payb_lmt_amt === null ? '' : `  剩余额度 remaining ${formatYuan(d.crt_payb_lmt_amt)}`}`);
  return out.join('\n');
}

/** One claim on the files: the demo policy in force (or the file given) and the region's catalog. */
function onFiles(claim: ClaimFile, policyFile: string | undefined, catalogDir: string | undefined): { settlement: Settlement; lines: SettlementInput['lines'] } {
  const input = claimInput(claim, loadRegionCatalog(claim.visit.mdtrtarea_admvs, catalogDir));
  return { settlement: settle(policyFor(claim, policyFile), input), lines: input.lines };
}

/** Runs `work` on the registry of the database at `url`, and closes the connection. */
async function onDatabase<T>(url: string, work: (pool: Pool, docs: DocumentRegistry) => Promise<T>): Promise<T> {
  const pool = createPool(url, 2);
  try {
    return await work(pool, new DocumentRegistry());
  } finally {
    await pool.end();
  }
}

export async function settleCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { policy: { type: 'string' }, claim: { type: 'string' }, catalog: { type: 'string' }, database: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.claim) throw new Error('usage: yibao settle --claim C.json [--policy P.json] [--catalog DIR | --database URL] [--json]');
  const claimPath = values.claim;
  const policyFile = values.policy;
  const { settlement: s, lines } = values.database
    ? // The stored policy in force and the stored catalog (or the policy file given).
      await onDatabase(values.database, (pool, docs) => settleClaim(pool, docs, fs.readFileSync(claimPath, 'utf8'), policyFile === undefined ? undefined : readJson(policyFile)))
    : onFiles(readJson(claimPath) as ClaimFile, policyFile, values.catalog);
  if (values.json) {
    console.log(JSON.stringify({ policy_id: s.policy_id, policy_version: s.policy_version, feedetail: lines.map(feeDetailResult), ...settlementOutput(s), lines: s.lines, increments: s.increments, steps: s.steps }, null, 2));
  } else {
    console.log(explainText(s, lines));
  }
}

export async function compareCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, claims: { type: 'string' }, catalog: { type: 'string' }, database: { type: 'string' }, workers: { type: 'string' } } });
  if (!values.from || !values.to || !values.claims) throw new Error('usage: yibao compare --from P1.json --to P2.json --claims claims.jsonl [--catalog DIR] [--workers N]\n       yibao compare --database URL --from ID[@VERSION] --to ID[@VERSION] --claims claims.jsonl');
  if (values.database) {
    // Stored versions on the stored catalogs; the claims still come from a file.
    const { from, to, claims } = { from: values.from, to: values.to, claims: fs.readFileSync(values.claims, 'utf8') };
    const { changes: _changes, ...report } = await onDatabase(values.database, async (pool, docs) => simulate(pool, docs, await readNamedPolicy(pool, docs, from, '--from'), await readNamedPolicy(pool, docs, to, '--to'), claims));
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const report = await compareClaimsFile({ from: readJson(values.from), to: readJson(values.to), catalogDir: values.catalog }, values.claims, { workers: values.workers === undefined ? os.availableParallelism() : Number(values.workers), progress: (line) => console.error(line) });
  console.log(JSON.stringify(report, null, 2));
}

/** Claims between progress lines. */
const PROGRESS_EVERY = 100_000;

/** The policies (documents, checked by loadPolicy) and the catalogs' folder of a comparison. */
export interface CompareSpec {
  from: unknown;
  to: unknown;
  catalogDir?: string | undefined;
}

/** The first psn_no of a claim's line, without parsing it (claims without one are persons of their own). */
const PSN_NO = /"psn_no"\s*:\s*"((?:[^"\\]|\\.)*)"/;

/**
 * A JSONL file of claims compared under two policies as it is read, a line at a time: the lines
 * go to `workers` threads by person (PartitionedWorkers), memory grows with the persons, not
 * the claims, and every PROGRESS_EVERY claims a line of progress. A bad line is refused by its number.
 */
export async function compareClaimsFile(spec: CompareSpec, file: string, opts: { workers?: number; progress?: (line: string) => void } = {}): Promise<SimulationReport & { from: string; to: string }> {
  const from = loadPolicy(spec.from, diseaseLookup());
  const to = loadPolicy(spec.to, diseaseLookup());
  const n = threadCount(opts.workers ?? 1, '--workers');
  const workerFile = new URL(`./compare-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  const data: CompareWorkerData = { from: spec.from, to: spec.to, catalogDir: spec.catalogDir, file };
  const threads = new PartitionedWorkers<TallyData>(workerFile, data, n);
  try {
    const started = performance.now();
    const bytes = fs.statSync(file).size;
    const input = fs.createReadStream(file, { encoding: 'utf8' });
    let lineNo = 0;
    let claims = 0;
    for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
      lineNo += 1;
      if (threads.failed) break;
      if (line.trim() === '') continue;
      claims += 1;
      await threads.push(PSN_NO.exec(line)?.[1] ?? `line-${lineNo}`, line, lineNo);
      if (claims % PROGRESS_EVERY === 0) {
        const s = (performance.now() - started) / 1000;
        const left = (bytes - input.bytesRead) / Math.max(input.bytesRead, 1) * s;
        opts.progress?.(`compare: ${claims} claims read, ${Math.round(claims / s)} a second, about ${Math.round(left)} s left`);
      }
    }
    if (threads.failed) throw new Error(threads.failed);
    return { from: from.policy_id, to: to.policy_id, ...simulationReport(mergeTallies(await threads.finish())) };
  } finally {
    await threads.close();
  }
}
