// The rules on one visit not yet settled: 3101 (事前, before) and 3102 (事中, during) answer what
// fires; inside 2207/2304 the during-stage rules marked blocking refuse the settlement naming the
// rule, and the others are kept as the settlement's warnings (findings of stage `during`).
import { invalid } from '../../engine/errors.ts';
import { judgeClaim, lookbackDays, rulesFor, type CatalogLookup } from '../../engine/supervision/judge.ts';
import type { ClaimView, Finding, Stage } from '../../engine/supervision/types.ts';
import type { Queryable } from '../../store/db.ts';
import type { CompiledDocuments, DocumentRegistry } from '../../store/documents/registry.ts';
import { historyOf, openClaim, saveFindings } from '../../store/supervision/findings.ts';

const DAY_MS = 86_400_000;
/** The types that read the person's other visits: only for them is the history loaded. */
const CROSS_VISIT = new Set(['excessive_tests', 'split_admission', 'bed_hanging', 'overlapping_stays', 'over_quantity_prescribing']);

/** A claim of the hospital's own (3101/3102 send the visit and its lines), or a stored visit, judged at a stage. */
export async function judgeAtStage(q: Queryable, claim: ClaimView, stage: Stage, docs: CompiledDocuments, documents: DocumentRegistry): Promise<Finding[]> {
  const rules = rulesFor(docs.supervision, stage, claim);
  if (rules.length === 0) return [];
  const catalog: CatalogLookup = (admdvs, code) => documents.catalogFor(docs, admdvs).items.get(code);
  let history: ClaimView[] = [];
  if (rules.some((r) => CROSS_VISIT.has(r.type))) {
    const begin = Date.parse(`${claim.begntime.replace(' ', 'T')}+08:00`);
    const back = lookbackDays(docs.supervision) * DAY_MS;
    history = await historyOf(q, claim.psn_no, new Date(begin - back), new Date(begin + back));
  }
  return judgeClaim(docs.supervision, stage, claim, history, catalog);
}

/** The bilingual words of a blocking finding, for err_msg. */
const blockedBy = (f: Finding): { zh: string; en: string } => ({ zh: `触发基金监管规则 ${f.rule_code}（${f.rule_name.zh}）：${f.vola_cont.zh}`, en: `stopped by supervision rule ${f.rule_code} (${f.rule_name.en}): ${f.vola_cont.en}` });

/**
 * Inside 2207/2304 before the engine: the during-stage rules on the visit's uploaded lines. A
 * blocking one refuses (nothing is written: the gateway's transaction rolls back); the others
 * are returned, to be kept once the settlement has its number.
 */
export async function checkBeforeSettling(q: Queryable, mdtrtId: string, path: string, docs: CompiledDocuments, documents: DocumentRegistry): Promise<{ claim: ClaimView; findings: Finding[] } | undefined> {
  if (docs.supervision.rules.length === 0) return undefined;
  const claim = await openClaim(q, mdtrtId);
  if (!claim) return undefined;
  const findings = await judgeAtStage(q, claim, 'during', docs, documents);
  const block = findings.find((f) => f.blocking);
  if (block) {
    const w = blockedBy(block);
    throw invalid(`${path}.mdtrt_id`, w.zh, w.en);
  }
  return { claim, findings };
}

/** The warnings of a settlement just written: its during-stage findings, with its number. */
export async function keepWarnings(q: Queryable, checked: { claim: ClaimView; findings: Finding[] } | undefined, setlId: string, at: Date): Promise<void> {
  if (!checked || checked.findings.length === 0) return;
  await saveFindings(q, 'during', [checked.claim], checked.findings.map((f) => ({ ...f, setl_id: setlId })), at, null);
}
