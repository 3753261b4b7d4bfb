// The staff workbench's policy use cases: list the shipped policies, validate a document,
// settle one claim with every step explained, and simulate a policy change over a claim file.
// The documents come from the store (shipped-documents.ts), the arithmetic from the engine
// (simulator.ts, settle.ts); the REST routes of src/server/api/workbench.ts only call these.
import { loadPolicy, selectPolicy, settle, type Catalog, type Policy, type Settlement, type SettlementInput } from '../../engine/index.ts';
import { invalid, YibaoError, type ErrorDetail } from '../../engine/errors.ts';
import { checkClaimShape, claimInput, comparePolicies, diffDocuments, parseClaims, type CompareReport, type FieldChange } from '../../engine/simulator.ts';
import { diseaseLookup, loadPolicyDir, loadRegionCatalog, policyFileNames, readPolicyDocument } from '../../store/shipped-documents.ts';

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

/** The shipped policy files, each with the summary of the policy it holds. */
export function listPolicyDocuments(): PolicySummary[] {
  return policyFileNames().map((f) => summary(f, loadPolicy(readPolicyDocument(f), diseaseLookup())));
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

/** A policy given by the caller, its problems named under the request's field (`from`, `to`, `policy`). */
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

/** `yibao compare` for the workbench: two documents and a claim file. */
export function simulate(fromDoc: unknown, toDoc: unknown, claimsText: string): SimulationReport {
  const from = policyOf(fromDoc, 'from');
  const to = policyOf(toDoc, 'to');
  const claims = parseClaims(claimsText);
  claims.forEach(checkClaimShape);
  const catalogs = new Map<string, Catalog>();
  const catalogFor = (admdvs: string): Catalog => {
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
  checkClaimShape(claim, 0);
  const policy = policyDoc === undefined ? selectPolicy(loadPolicyDir(), claim.visit.insuplc_admdvs, claim.person.insutype, claim.visit.setl_date) : policyOf(policyDoc, 'policy');
  if (!policy) throw invalid('visit.insuplc_admdvs', '没有适用的政策文件', `no policy for ${claim.visit.insuplc_admdvs}/${claim.person.insutype} on ${claim.visit.setl_date}`);
  const input = claimInput(claim, loadRegionCatalog(claim.visit.mdtrtarea_admvs));
  return { settlement: settle(policy, input), lines: input.lines };
}
