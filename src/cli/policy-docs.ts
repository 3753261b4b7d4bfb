// Policy documents as the staff workbench sees them: list, read, validate, compare two versions
// field by field, settle one claim with its explanation, and run the simulator over a claim file.
// The logic is the simulator's (settle.ts); the REST routes only call these.
import fs from 'node:fs';
import path from 'node:path';
import { loadPolicy, selectPolicy, settle, type Policy, type Settlement, type SettlementInput } from '../engine/index.ts';
import { invalid, notFound, YibaoError, type ErrorDetail } from '../engine/errors.ts';
import { claimInput, comparePolicies, diseaseLookup, loadPolicyDir, loadRegionCatalog, type ClaimFile, type CompareReport } from './settle.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const POLICY_DIR = path.join(ROOT, 'policies');
const EXAMPLES_DIR = path.join(POLICY_DIR, 'examples');
const FILE_NAME = /^[0-9]{6}-[0-9]{3}-[0-9]{4}[a-z]?\.json$/;
const EXAMPLE_NAME = /^[a-z0-9-]+\.claims?\.jsonl?$/;

export interface PolicySummary {
  file: string;
  policy_id: string;
  version: number;
  admdvs: string;
  region_name: string;
  insutype: string;
  effective_from: string;
  effective_to: string | null;
}

const summary = (file: string, p: Policy): PolicySummary => ({
  file, policy_id: p.policy_id, version: p.version, admdvs: p.admdvs, region_name: p.region_name, insutype: p.insutype, effective_from: p.effective_from, effective_to: p.effective_to,
});

export function listPolicyDocuments(dir = POLICY_DIR): PolicySummary[] {
  return fs.readdirSync(dir).filter((f) => FILE_NAME.test(f)).sort().map((f) => summary(f, loadPolicy(readJson(path.join(dir, f)), diseaseLookup())));
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The raw document of a shipped policy file, by its file name (no paths). */
export function readPolicyDocument(file: string, dir = POLICY_DIR): unknown {
  if (!FILE_NAME.test(file) || !fs.existsSync(path.join(dir, file))) throw notFound('policy_file', `政策文件 ${file} 不存在`, `no policy file ${file}`);
  return readJson(path.join(dir, file));
}

export type Validation = { valid: true; policy: Omit<PolicySummary, 'file'> } | { valid: false; problems: readonly ErrorDetail[] };

/** Every problem of a policy document, or its summary when it loads. */
export function validatePolicyDocument(doc: unknown): Validation {
  try {
    const { file: _file, ...rest } = summary('', loadPolicy(doc, diseaseLookup()));
    return { valid: true, policy: rest };
  } catch (err) {
    if (err instanceof YibaoError) return { valid: false, problems: err.details };
    throw err;
  }
}

export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** Leaf-by-leaf differences between two documents (arrays compared by position). */
export function diffDocuments(a: unknown, b: unknown, at = ''): FieldChange[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffDocuments(a[k], b[k], `${at}/${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: at || '/', from: a ?? null, to: b ?? null }];
}

/** A claim file's text: one JSON claim, a JSON array of claims, or JSON lines. */
export function parseClaims(text: string): ClaimFile[] {
  const trimmed = text.trim();
  if (trimmed === '') throw invalid('claims', '理赔文件为空', 'the claim file is empty');
  try {
    if (trimmed.startsWith('[')) return JSON.parse(trimmed) as ClaimFile[];
    if (!trimmed.includes('\n')) return [JSON.parse(trimmed) as ClaimFile];
    try {
      return [JSON.parse(trimmed) as ClaimFile];
    } catch {
      return trimmed.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ClaimFile);
    }
  } catch (err) {
    throw invalid('claims', `理赔文件不是合法的 JSON：${(err as Error).message}`, `the claim file is not valid JSON: ${(err as Error).message}`);
  }
}

function claimShape(c: ClaimFile, i: number): void {
  if (c === null || typeof c !== 'object' || typeof c.visit !== 'object' || typeof c.person !== 'object' || !Array.isArray(c.feedetail)) {
    throw invalid(`claims.${i}`, '每条理赔须有 visit、person 和 feedetail', 'each claim needs visit, person and feedetail');
  }
}

function policyOf(doc: unknown, field: string): Policy {
  try {
    return loadPolicy(doc, diseaseLookup());
  } catch (err) {
    if (err instanceof YibaoError) throw new YibaoError('invalid', err.details.map((d) => ({ ...d, field: `${field}${d.field}` })));
    throw err;
  }
}

export interface SimulationReport extends CompareReport {
  from: string;
  to: string;
  changes: FieldChange[];
}

/** `yibao compare` for the workbench: two documents (or shipped file names) and a claim file. */
export function simulate(fromDoc: unknown, toDoc: unknown, claimsText: string): SimulationReport {
  const from = policyOf(fromDoc, 'from');
  const to = policyOf(toDoc, 'to');
  const claims = parseClaims(claimsText);
  claims.forEach(claimShape);
  const catalogs = new Map<string, ReturnType<typeof loadRegionCatalog>>();
  const catalogFor = (admdvs: string) => {
    let c = catalogs.get(admdvs);
    if (!c) catalogs.set(admdvs, (c = loadRegionCatalog(admdvs)));
    return c;
  };
  return { from: from.policy_id, to: to.policy_id, ...comparePolicies(from, to, claims, catalogFor), changes: diffDocuments(fromDoc, toDoc).filter((c) => !/^\/(source|policy_id|version)$/.test(c.path)) };
}

export interface ExplainedClaim {
  settlement: Settlement;
  lines: SettlementInput['lines'];
}

/** `yibao settle`: one claim under its region's shipped policy (or the document given), with every step. */
export function settleClaim(claimText: string, policyDoc?: unknown): ExplainedClaim {
  const claims = parseClaims(claimText);
  if (claims.length !== 1) throw invalid('claim', '请只提供一条理赔', 'give exactly one claim');
  const claim = claims[0]!;
  claimShape(claim, 0);
  const policy = policyDoc === undefined ? selectPolicy(loadPolicyDir(), claim.visit.insuplc_admdvs, claim.person.insutype, claim.visit.setl_date) : policyOf(policyDoc, 'policy');
  if (!policy) throw invalid('visit.insuplc_admdvs', '没有适用的政策文件', `no policy for ${claim.visit.insuplc_admdvs}/${claim.person.insutype} on ${claim.visit.setl_date}`);
  const input = claimInput(claim, loadRegionCatalog(claim.visit.mdtrtarea_admvs));
  return { settlement: settle(policy, input), lines: input.lines };
}

export function listClaimExamples(): { file: string; claims: number }[] {
  return fs.readdirSync(EXAMPLES_DIR).filter((f) => EXAMPLE_NAME.test(f)).sort().map((f) => ({ file: f, claims: parseClaims(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')).length }));
}

export function readClaimExample(file: string): string {
  if (!EXAMPLE_NAME.test(file) || !fs.existsSync(path.join(EXAMPLES_DIR, file))) throw notFound('example', `示例 ${file} 不存在`, `no example ${file}`);
  return fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8');
}
