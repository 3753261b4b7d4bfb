// The staff workbench's policy use cases: list the stored policies and their versions,
// validate a draft against the stored set, store a new version, settle one claim with every
// step explained, and simulate a policy change over a claim file. The documents come from the
// registry settlement prices on (src/store/documents/), the arithmetic from the engine
// (simulator.ts, settle.ts); the REST routes of src/server/api/workbench.ts only call these.
import { loadPolicy, selectPolicy, settle, type Policy, type Settlement, type SettlementInput } from '../../engine/index.ts';
import { invalid, notFound, YibaoError, type ErrorDetail } from '../../engine/errors.ts';
import { checkClaimShape, claimInput, comparePolicies, diffDocuments, parseClaims, type FieldChange } from '../../engine/simulator.ts';
import type { SimulationReport } from '../../engine/simulation-report.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import type { Queryable } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import type { StoredDocument } from '../../store/documents/rows.ts';
import { diseaseLookup } from '../../store/shipped-documents.ts';

export interface PolicySummary {
  /** The name the policy goes by on the workbench: its id as the file it was seeded from (`360400-310-2026a.json`). */
  file: string;
  policy_id: string;
  version: number;
  admdvs: string;
  region_name: string;
  insutype: string;
  effective_from: string;
  effective_to: string | null;
}

/** A stored version of a policy: its summary and who stored it when. */
export interface PolicyVersion extends PolicySummary {
  stored_at: string;
  stored_by: string;
  note: string;
}

const summary = (file: string, p: Policy): PolicySummary => ({
  file, policy_id: p.policy_id, version: p.version, admdvs: p.admdvs, region_name: p.region_name, insutype: p.insutype, effective_from: p.effective_from, effective_to: p.effective_to,
});

/** The workbench name of a policy id. */
export const policyFile = (policyId: string): string => `${policyId}.json`;
/** The policy id a workbench name means (`360400-310-2026a.json` or the bare id). */
export const policyIdOf = (file: string): string => file.replace(/\.json$/, '');

const compiled = (d: StoredDocument): Policy => loadPolicy(d.doc, diseaseLookup());
const versionOf = (d: StoredDocument): PolicyVersion => ({
  ...summary(policyFile(d.doc_id), compiled(d)), stored_at: d.stored_at.toISOString(), stored_by: d.stored_by, note: d.note,
});

/** The newest stored version of every policy, by policy id. */
export async function listPolicyDocuments(q: Queryable, docs: DocumentRegistry): Promise<PolicySummary[]> {
  return (await docs.list(q, 'policy')).map((d) => summary(policyFile(d.doc_id), compiled(d)));
}

/** A missing policy is named as the workbench names it. */
async function named<T>(file: string, version: number | undefined, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof YibaoError) || err.kind !== 'not_found') throw err;
    const v = version === undefined ? '' : ` v${version}`;
    throw notFound('policy_file', `政策文件 ${file}${v} 不存在`, `no policy file ${file}${v}`);
  }
}

/** Every stored version of one policy, newest first. */
export async function listPolicyVersions(q: Queryable, docs: DocumentRegistry, file: string): Promise<PolicyVersion[]> {
  return (await named(file, undefined, () => docs.versions(q, 'policy', policyIdOf(file)))).map(versionOf);
}

/** A stored policy document as it was written: the newest version, or the one asked for. */
export async function readPolicy(q: Queryable, docs: DocumentRegistry, file: string, version?: number): Promise<unknown> {
  return (await named(file, version, () => docs.get(q, 'policy', policyIdOf(file), version))).doc;
}

/** A stored policy named `ID`, `ID.json` or `ID@VERSION` (the CLI's and the simulations' way to name one). */
export async function readNamedPolicy(q: Queryable, docs: DocumentRegistry, name: string, field: string): Promise<unknown> {
  const [id, version] = name.split('@');
  if (version !== undefined && !/^[1-9][0-9]{0,8}$/.test(version)) throw invalid(field, `${name}：@ 之后应为正整数版本号`, `${name}: the version after @ must be a positive integer`);
  return readPolicy(q, docs, id!, version === undefined ? undefined : Number(version));
}

export type Validation = { valid: true; policy: Omit<PolicySummary, 'file'> } | { valid: false; problems: readonly ErrorDetail[] };

/** Every problem of a draft (its own, then its period against the other stored policies), or its summary when it would store. */
export async function validatePolicyDocument(q: Queryable, docs: DocumentRegistry, doc: unknown): Promise<Validation> {
  try {
    await docs.check(q, 'policy', doc);
    const { file: _file, ...rest } = summary('', loadPolicy(doc, diseaseLookup()));
    return { valid: true, policy: rest };
  } catch (err) {
    if (err instanceof YibaoError) return { valid: false, problems: err.details };
    throw err;
  }
}

/** Stores a new version of a policy (the region the caller covers must be the document's), audited. */
export async function storePolicyVersion(q: Queryable, docs: DocumentRegistry, ctx: WriteContext, input: { admdvs: string; doc: unknown; note?: string }): Promise<PolicyVersion> {
  const region = (input.doc as { admdvs?: unknown } | null)?.admdvs;
  if (region !== input.admdvs) throw invalid('policy/admdvs', `政策的统筹区应为 ${input.admdvs}`, `the policy's admdvs must be ${input.admdvs}`);
  const stored = await docs.store(q, { kind: 'policy', doc: input.doc, stored_by: ctx.actor, at: ctx.now, ...(input.note === undefined ? {} : { note: input.note }) });
  await writeAudit(q, ctx, 'policy.store_version', `policy:${stored.doc_id}`, { version: stored.version, note: stored.note });
  return versionOf(stored);
}

/** A policy given by the caller, its problems named under the request's field (`from`, `to`, `policy`, `draft`). */
export function policyOf(doc: unknown, field: string): Policy {
  try {
    return loadPolicy(doc, diseaseLookup());
  } catch (err) {
    if (err instanceof YibaoError) throw new YibaoError('invalid', err.details.map((d) => ({ ...d, field: `${field}${d.field}` })));
    throw err;
  }
}

export interface ClaimFileSimulation extends SimulationReport {
  from: string;
  to: string;
  changes: FieldChange[];
}

/**
 * `yibao compare` for the workbench: two documents and a claim file, priced on the stored
 * catalogs. Without `fromDoc` the draft is compared with the stored version in use of its policy.
 */
export async function simulate(q: Queryable, docs: DocumentRegistry, fromDoc: unknown, toDoc: unknown, claimsText: string): Promise<ClaimFileSimulation> {
  const fromStored = fromDoc ?? (await docs.newest(q, 'policy', policyOf(toDoc, 'to').policy_id)).doc;
  const from = policyOf(fromStored, 'from');
  const to = policyOf(toDoc, 'to');
  const claims = parseClaims(claimsText);
  claims.forEach(checkClaimShape);
  const set = await docs.compiled(q, { fresh: true });
  const report = comparePolicies(from, to, claims, (admdvs) => docs.catalogFor(set, admdvs));
  return { from: from.policy_id, to: to.policy_id, ...report, changes: diffDocuments(fromStored, toDoc).filter((c) => !/^\/(source|policy_id|version)$/.test(c.path)) };
}

export interface ExplainedClaim {
  settlement: Settlement;
  lines: SettlementInput['lines'];
}

/** `yibao settle`: one claim under its region's stored policy in force (or the document given), on the stored catalog, with every step. */
export async function settleClaim(q: Queryable, docs: DocumentRegistry, claimText: string, policyDoc?: unknown): Promise<ExplainedClaim> {
  const claims = parseClaims(claimText);
  if (claims.length !== 1) throw invalid('claim', '请只提供一条理赔', 'give exactly one claim');
  const claim = claims[0]!;
  checkClaimShape(claim, 0);
  const set = await docs.compiled(q, { fresh: true });
  const policy = policyDoc === undefined ? selectPolicy(set.policies, claim.visit.insuplc_admdvs, claim.person.insutype, claim.visit.setl_date) : policyOf(policyDoc, 'policy');
  if (!policy) throw invalid('visit.insuplc_admdvs', '没有适用的政策文件', `no policy for ${claim.visit.insuplc_admdvs}/${claim.person.insutype} on ${claim.visit.setl_date}`);
  const input = claimInput(claim, docs.catalogFor(set, claim.visit.mdtrtarea_admvs));
  return { settlement: settle(policy, input), lines: input.lines };
}
