// The engine part of `npm run bench`: settlements a second for a 10-line outpatient claim and a
// 200-line inpatient claim (classification on the catalog + settle, as a settlement
// transaction runs them), with memory sampled along the way, and two references measured in
// the same run on the same claim (a plain loop summing its line amounts, JSON.parse of its
// text) so figures compare across machines.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  classifyFeeLines,
  diseaseLookupFromTable,
  EMPTY_ACCUMULATORS,
  loadCatalog,
  loadPolicy,
  settle,
  type Accumulators,
  type Catalog,
  type FeeLine,
  type Fen,
  type Policy,
  type SettlementInput,
  type SettlementVisit,
} from '../src/engine/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const readJson = (p: string): unknown => JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8'));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Claim {
  name: string;
  lines: FeeLine[];
  visit: SettlementVisit;
  json: string;
}

/** A bill drawn round-robin from the whole catalog (甲, 乙, 丙, limits, restrictions), deterministic. */
function makeClaim(catalog: Catalog, n: number, med_type: '11' | '21', hosp_lv: '1' | '3'): Claim {
  const codes = [...catalog.items.keys()];
  const lines: FeeLine[] = [];
  for (let i = 0; i < n; i++) {
    const code = codes[(i * 7) % codes.length]!;
    const cnt = 1 + (i % 3);
    const pric = (1000 + ((i * 7919) % 40000)) as Fen;
    lines.push({ feedetl_sn: String(i + 1), med_list_codg: code, det_item_fee_sumamt: (pric * cnt) as Fen, cnt, pric, hosp_appr_flag: i % 2 === 0 ? '1' : '0' });
  }
  const visit: SettlementVisit = {
    med_type,
    hosp_lv,
    mdtrtarea_admvs: '430700',
    insuplc_admdvs: '430700',
    cross_region_status: 'local',
    dise_codes: ['I10.x00'],
    admission_no_in_year: 1,
    acct_used_flag: false,
  };
  const json = JSON.stringify({ visit, feedetail: lines.map((l) => ({ ...l, det_item_fee_sumamt: l.det_item_fee_sumamt / 100, pric: l.pric / 100 })) });
  return { name: `${med_type === '11' ? 'outpatient' : 'inpatient'}_${n}_lines`, lines, visit, json };
}

export interface EngineFigures {
  settlements: number;
  seconds: number;
  per_second: number;
  target_per_second: number;
  meets_target: boolean;
  settle_only_per_second: number;
  reference: { sum_loop_per_second: number; json_parse_per_second: number };
  /** settlements a second ÷ reference operations a second, on the same claim. */
  ratio_to_json_parse: number;
  ratio_to_sum_loop: number;
  memory: { heap_used_mb_after_gc: number[]; rss_mb: number[] };
  checksum_fen: number;
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const mb = (b: number): number => round(b / 1048576, 1);

function timeLoop(count: number, body: (i: number) => number): { seconds: number; acc: number } {
  const t0 = process.hrtime.bigint();
  let acc = 0;
  for (let i = 0; i < count; i++) acc += body(i);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, acc };
}

function runClaim(policy: Policy, catalog: Catalog, claim: Claim, count: number, target: number): EngineFigures {
  const person = { insutype: policy.insutype, psn_type: '1501', retiree: false, identities: ['minimum_living' as const] };
  const classifyPerson = { gend: '2', age: 60 };
  // Four accumulator states, so deductibles and caps are in different positions across runs.
  const accs: Accumulators[] = [
    EMPTY_ACCUMULATORS,
    { ...EMPTY_ACCUMULATORS, outpatient_pool_paid_fen: 30000 as Fen, inpatient_pool_paid_fen: 5_000_000 as Fen, serious_base_fen: 1_500_000 as Fen },
    { ...EMPTY_ACCUMULATORS, outpatient_pool_paid_fen: 40000 as Fen, inpatient_pool_paid_fen: 9_990_000 as Fen, two_diseases_paid_fen: { hypertension: 39000 as Fen } },
    { ...EMPTY_ACCUMULATORS, serious_base_fen: 6_000_000 as Fen, reassistance_burden_fen: 900_000 as Fen },
  ];
  const once = (i: number): number => {
    const lines = classifyFeeLines(catalog, claim.lines, classifyPerson, claim.visit);
    const input: SettlementInput = { visit: claim.visit, person, lines, accumulators: accs[i & 3]!, acct_balance_fen: 0 as Fen };
    return settle(policy, input).setlinfo.fund_pay_sumamt;
  };
  // Warm up the JIT on all paths before measuring.
  timeLoop(Math.min(20000, count), once);

  const rss: number[] = [];
  const heap: number[] = [];
  const sample = (): void => {
    gc();
    heap.push(mb(process.memoryUsage().heapUsed));
    rss.push(mb(process.memoryUsage().rss));
  };
  sample();
  const chunks = 10;
  const per = Math.ceil(count / chunks);
  let seconds = 0;
  let checksum = 0;
  for (let c = 0; c < chunks; c++) {
    const r = timeLoop(per, once);
    seconds += r.seconds;
    checksum += r.acc;
    sample();
  }
  const total = per * chunks;

  // settle() alone, on lines classified once.
  const classified = classifyFeeLines(catalog, claim.lines, classifyPerson, claim.visit);
  const settleOnlyCount = Math.max(1000, Math.floor(total / 5));
  const so = timeLoop(settleOnlyCount, (i) => settle(policy, { visit: claim.visit, person, lines: classified, accumulators: accs[i & 3]!, acct_balance_fen: 0 as Fen }).setlinfo.fund_pay_sumamt);

  // References on the same claim.
  const refCount = Math.max(1000, Math.floor(total / 5));
  const sumLoop = timeLoop(refCount, () => {
    let s = 0;
    const ls = claim.lines;
    for (let j = 0; j < ls.length; j++) s += ls[j]!.det_item_fee_sumamt;
    return s;
  });
  const parse = timeLoop(refCount, () => (JSON.parse(claim.json) as { feedetail: unknown[] }).feedetail.length);

  const perSecond = total / seconds;
  const sumPerSecond = refCount / sumLoop.seconds;
  const parsePerSecond = refCount / parse.seconds;
  return {
    settlements: total,
    seconds: round(seconds, 3),
    per_second: Math.round(perSecond),
    target_per_second: target,
    meets_target: perSecond >= target,
    settle_only_per_second: Math.round(settleOnlyCount / so.seconds),
    reference: { sum_loop_per_second: Math.round(sumPerSecond), json_parse_per_second: Math.round(parsePerSecond) },
    ratio_to_json_parse: round(perSecond / parsePerSecond, 3),
    ratio_to_sum_loop: round(perSecond / sumPerSecond, 5),
    memory: { heap_used_mb_after_gc: heap, rss_mb: rss },
    checksum_fen: checksum + so.acc + sumLoop.acc + parse.acc,
  };
}

export interface EngineBenchOptions {
  outpatient: number;
  inpatient: number;
}

export function runEngineBench(opts: EngineBenchOptions): Record<string, EngineFigures> {
  const lookup = diseaseLookupFromTable(readJson('catalogs/icd/diagnoses.json') as Record<string, string>);
  const policy = loadPolicy(readJson('policies/430700-390-2026.json'), lookup);
  const catalog = loadCatalog(readJson('catalogs/base.json'), readJson('catalogs/430700.json'));
  const outpatient = makeClaim(catalog, 10, '11', '1');
  const inpatient = makeClaim(catalog, 200, '21', '3');
  return {
    [outpatient.name]: runClaim(policy, catalog, outpatient, opts.outpatient, 100_000),
    [inpatient.name]: runClaim(policy, catalog, inpatient, opts.inpatient, 5_000),
  };
}
