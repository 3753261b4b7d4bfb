import { addDays, chinaDate, isIsoDate, type IsoDate } from '../../engine/calendar.ts';
import { deadlineOf, planMove } from '../../engine/cases.ts';
import { NATIONAL_LIST, checkDiseaseDefinition, diseaseMatches, recognitionEnd, type RecognitionStatus } from '../../engine/chronic-disease.ts';
import { Problems, conflict, invalid } from '../../engine/errors.ts';
import type { FilerType } from '../../engine/filing-rules.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { getCase } from '../../store/cooperation/cases.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { compactDate, findPerson, poolingRegionOf, regionExists } from '../../store/cooperation/common.ts';
import { institutionExists } from '../../store/cooperation/filings.ts';
import { notify } from '../../store/cooperation/notifications.ts';
import {
  diseaseRow,
  findDisease,
  getRecognition,
  insertRecognitionRow,
  knownInstitutions,
  nextRecognitionSerial,
  recognitionQueue,
  recognitionsOf,
  writeDisease,
  writeRecognitionDecision,
  writeRecognitionRevoked,
  writeSeparatelyPaidDrug,
  type DiseaseInput,
  type DrugInput,
  type RecognitionRow,
} from '../../store/cooperation/recognitions.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { moveCase, openCase } from './cases.ts';

// Outpatient chronic and special diseases (门诊慢特病): the lists, recognition (认定) with its
// evidence, review, validity and renewal, and separately paid drugs (单行支付药品). A
// recognition's review is a case (./cases.ts); the row keeps its status in step.

export async function upsertDisease(pool: Pool, now: Date, actor: Actor, d: DiseaseInput): Promise<void> {
  checkDiseaseDefinition({ code: d.code, name: d.name, icd10Ranges: d.icd10_ranges, validFrom: d.valid_from, validTo: d.valid_to });
  if (d.validity_months !== null && (!Number.isInteger(d.validity_months) || d.validity_months < 1 || d.validity_months > 120)) {
    throw invalid('validity_months', '有效期应为 1-120 个月或留空（长期）', 'validity_months must be 1-120 or null (until revoked)');
  }
  await inTransaction(pool, async (c) => {
    if (d.list_admdvs !== NATIONAL_LIST && !(await regionExists(c, d.list_admdvs))) throw invalid('list_admdvs', '区划不存在', 'unknown region');
    const before = await diseaseRow(c, d.list_admdvs, d.code);
    await writeDisease(c, d);
    await writeAudit(c, { actor: actorLabel(actor), now }, 'chronic_disease.upsert', `chronic_disease:${d.list_admdvs}:${d.code}`, { before: before ?? null, after: d });
  });
}

export interface RecognitionInput {
  psn_no?: string;
  certno?: string;
  opsp_dise_code: string;
  diag_code: string;
  ide_fixmedins_code: string;
  diag_dr_codg: string;
  diag_dr_name: string;
  hosp_ide_date: IsoDate;
  resp_dr_codg?: string | null;
  resp_dr_name?: string | null;
  begndate?: IsoDate | null;
  filer: { type: FilerType; id: string; consent_ref?: string | null };
  evidence: { kind: string; ref: string; description?: string | null }[];
}

async function insertRecognition(c: Queryable, now: Date, input: RecognitionInput, renews: RecognitionRow | null): Promise<RecognitionRow> {
  const p = new Problems();
  if (!input.opsp_dise_code) p.add('opsp_dise_code', '缺少病种代码', 'opsp_dise_code is required');
  if (!input.diag_code) p.add('diag_code', '缺少诊断代码', 'diag_code is required');
  if (!input.ide_fixmedins_code) p.add('ide_fixmedins_code', '缺少鉴定机构', 'ide_fixmedins_code is required');
  if (!input.diag_dr_codg) p.add('diag_dr_codg', '缺少诊断医师编码', 'diag_dr_codg is required');
  if (!input.diag_dr_name) p.add('diag_dr_name', '缺少诊断医师姓名', 'diag_dr_name is required');
  if (!isIsoDate(input.hosp_ide_date)) p.add('hosp_ide_date', '鉴定日期应为 yyyy-mm-dd', 'hosp_ide_date must be yyyy-mm-dd');
  if (input.begndate != null && !isIsoDate(input.begndate)) p.add('begndate', '开始日期应为 yyyy-mm-dd', 'begndate must be yyyy-mm-dd');
  if (!input.evidence.some((e) => e.kind === 'diagnosis')) p.add('evidence', '须附诊断证明（diagnosis）', 'a diagnosis document (kind diagnosis) is required');
  if ((input.filer.type === 'agent' || input.filer.type === 'grid_worker') && !input.filer.consent_ref) {
    p.add('filer.consent_ref', '代办须记录本人授权', 'an agent or grid worker needs the recorded consent of the person');
  }
  p.throwIfAny();
  const person = await findPerson(c, { psn_no: input.psn_no, certno: input.certno }, true);
  const home = await poolingRegionOf(c, person.insuplc_admdvs);
  const disease = await findDisease(c, home, input.opsp_dise_code);
  if (!disease) throw invalid('opsp_dise_code', `参保地病种目录和国家跨省病种中无 ${input.opsp_dise_code}`, `unknown disease code ${input.opsp_dise_code} for ${home}`);
  if (!diseaseMatches({ icd10Ranges: disease.icd10_ranges }, input.diag_code)) {
    throw invalid('diag_code', `诊断 ${input.diag_code} 不属于${disease.name}（${disease.icd10_ranges.join('、')}）`, `diagnosis ${input.diag_code} is outside ${disease.code} (${disease.icd10_ranges.join(', ')})`);
  }
  if (!(await institutionExists(c, input.ide_fixmedins_code))) throw invalid('ide_fixmedins_code', '查无此定点医疗机构', 'unknown designated institution');
  const begndate = input.begndate ?? (renews?.enddate ? addDays(renews.enddate, 1) : input.hosp_ide_date);
  if (begndate < input.hosp_ide_date) throw invalid('begndate', '开始日期早于医院鉴定日期', 'begndate is before hosp_ide_date');
  const enddate = recognitionEnd(begndate, disease.validity_months);
  const clash = (await recognitionsOf(c, person.psn_no)).find(
    (r) => r.opsp_dise_code === disease.code && (r.status === 'recognised' || r.status === 'pending_review') && r.id !== renews?.id &&
      (r.enddate === null || r.enddate >= begndate) && (enddate === null || r.begndate <= enddate),
  );
  if (clash) throw conflict('opsp_dise_code', `已有该病种认定 ${clash.recognition_no}`, `an overlapping recognition ${clash.recognition_no} exists for ${disease.code}`);
  const today = chinaDate(now);
  // The designated hospital's identification (2503) is the review; others wait for staff.
  const atOnce = input.filer.type === 'hospital';
  const status: RecognitionStatus = atOnce ? 'recognised' : 'pending_review';
  const actor: Actor = { type: input.filer.type, id: input.filer.id };
  planMove('recognition_review', null, 'submit', actor, status);
  const calendar = atOnce ? null : await loadCalendar(c, home);
  const clock = calendar ? { calendar, facts: { home, dest: null } } : undefined;
  const reviewDue = clock ? deadlineOf('recognition_review', 'pending_review', clock.calendar, today, clock.facts)!.due : null;
  const no = `${home}MT${compactDate(today)}${String(await nextRecognitionSerial(c)).padStart(8, '0')}`;
  await insertRecognitionRow(c, {
    recognition_no: no, psn_no: person.psn_no, insuplc_admdvs: home, dise_list_admdvs: disease.list_admdvs, opsp_dise_code: disease.code, opsp_dise_name: disease.name,
    diag_code: input.diag_code, ide_fixmedins_code: input.ide_fixmedins_code, diag_dr_codg: input.diag_dr_codg, diag_dr_name: input.diag_dr_name,
    hosp_ide_date: input.hosp_ide_date, resp_dr_codg: input.resp_dr_codg ?? null, resp_dr_name: input.resp_dr_name ?? null, begndate, enddate,
    filer_type: input.filer.type, filer_id: input.filer.id, status, submitted_at: now, review_due: reviewDue, renews_id: renews?.id ?? null,
    decided_by: atOnce ? `hospital:${input.filer.id}` : null, decided_at: atOnce ? now : null,
  });
  await openCase(c, now, actor, {
    kind: 'recognition_review', number: no, region: home, psnNo: person.psn_no, to: status,
    comment: renews ? `续期 ${renews.recognition_no} / renews ${renews.recognition_no}` : null, evidence: input.evidence, ...(clock ? { clock } : {}),
  });
  await writeAudit(c, { actor: actorLabel(actor), now }, renews ? 'recognition.renew' : 'recognition.apply', `recognition:${no}`, {
    psn_no: person.psn_no, opsp_dise_code: disease.code, diag_code: input.diag_code, status, begndate, enddate, renews: renews?.recognition_no ?? null,
  });
  await notify(c, now, person, {
    subject: `recognition:${no}`,
    title: atOnce ? { zh: '门诊慢特病已认定', en: 'Chronic disease recognised' } : { zh: '门诊慢特病申请已受理', en: 'Chronic disease application received' },
    body: atOnce
      ? { zh: `${disease.name}认定 ${no} 自 ${begndate} 起有效${enddate ? `至 ${enddate}` : ''}。`, en: `${disease.code} recognised (${no}) from ${begndate}${enddate ? ` to ${enddate}` : ''}.` }
      : { zh: `${disease.name}认定申请 ${no} 已受理，将于 ${reviewDue} 前审核。`, en: `Application ${no} for ${disease.code} received; review by ${reviewDue}.` },
  });
  return getRecognition(c, no);
}

export async function applyRecognition(pool: Pool, now: Date, input: RecognitionInput): Promise<RecognitionRow> {
  return inTransaction(pool, (c) => insertRecognition(c, now, input, null));
}

/** The same inside the caller's transaction (the gateway's, for 2503). */
export async function applyRecognitionIn(c: Queryable, now: Date, input: RecognitionInput): Promise<RecognitionRow> {
  return insertRecognition(c, now, input, null);
}

/** The disease a code names for a person's insured region (its own list, then the national one). */
export async function diseaseFor(q: Queryable, psnInsuplc: string, code: string): Promise<{ code: string; name: string; icd10_ranges: string[] } | undefined> {
  return findDisease(q, await poolingRegionOf(q, psnInsuplc), code);
}

function recognitionCase(c: Queryable, no: string): ReturnType<typeof getCase> {
  return getCase(c, 'recognition_review', no, 'recognition_no', true);
}

/** Renewal: a new recognition starting the day after the old one ends, with fresh evidence; the old case records the renewal. */
export async function renewRecognition(pool: Pool, now: Date, no: string, input: Omit<RecognitionInput, 'psn_no' | 'certno' | 'opsp_dise_code'>): Promise<RecognitionRow> {
  return inTransaction(pool, async (c) => {
    const old = await getRecognition(c, no, true);
    const kase = await recognitionCase(c, no);
    const by: Actor = { type: input.filer.type, id: input.filer.id };
    planMove('recognition_review', kase.state, 'renew', by);
    if (old.enddate === null) throw conflict('recognition_no', '该认定长期有效，无需续期', 'the recognition lasts until revoked');
    const next = await insertRecognition(c, now, { ...input, psn_no: old.psn_no, opsp_dise_code: old.opsp_dise_code }, old);
    await moveCase(c, now, by, kase, 'renew', { comment: `续期为 ${next.recognition_no} / renewed as ${next.recognition_no}` });
    return next;
  });
}

export async function reviewRecognition(pool: Pool, now: Date, actor: Actor, no: string, decision: 'approve' | 'reject', reason: string | null): Promise<RecognitionRow> {
  if (decision !== 'approve' && decision !== 'reject') throw invalid('decision', '审核结论应为 approve 或 reject', "decision must be 'approve' or 'reject'");
  if (decision === 'reject' && !reason?.trim()) throw invalid('reason', '不予认定须说明理由', 'a rejection needs a reason');
  return inTransaction(pool, async (c) => {
    const r = await getRecognition(c, no, true);
    const moved = await moveCase(c, now, actor, await recognitionCase(c, no), decision, { comment: reason });
    const to = moved.status as RecognitionStatus;
    await writeRecognitionDecision(c, r.id, { status: to, decided_by: actorLabel(actor), decided_at: now, decision_reason: reason });
    await writeAudit(c, { actor: actorLabel(actor), now }, `recognition.${decision}`, `recognition:${no}`, { from: r.status, to, reason });
    const person = await findPerson(c, { psn_no: r.psn_no });
    await notify(c, now, person, {
      subject: `recognition:${no}`,
      title: to === 'recognised' ? { zh: '门诊慢特病认定通过', en: 'Chronic disease recognised' } : { zh: '门诊慢特病认定未通过', en: 'Chronic disease not recognised' },
      body: to === 'recognised'
        ? { zh: `${r.opsp_dise_name}认定 ${no} 自 ${r.begndate} 起有效。`, en: `${r.opsp_dise_code} recognised (${no}) from ${r.begndate}.` }
        : { zh: `${r.opsp_dise_name}认定 ${no} 未通过：${reason}`, en: `${no} was not recognised: ${reason}` },
    });
    return getRecognition(c, no);
  });
}

export async function revokeRecognition(pool: Pool, now: Date, actor: Actor, no: string, reason: string | null): Promise<RecognitionRow> {
  return inTransaction(pool, (c) => revokeRecognitionIn(c, now, actor, no, reason));
}

export async function revokeRecognitionIn(c: Queryable, now: Date, actor: Actor, no: string, reason: string | null): Promise<RecognitionRow> {
  const r = await getRecognition(c, no, true);
  if (actor.type === 'hospital' && r.ide_fixmedins_code !== actor.id) {
    throw conflict('recognition_no', '医疗机构只能撤销本机构鉴定的备案', 'a hospital revokes only the recognitions it identified');
  }
  const today = chinaDate(now);
  await moveCase(c, now, actor, await recognitionCase(c, no), 'revoke', { comment: reason });
  await writeRecognitionRevoked(c, r.id, { revoked_on: today, revoked_by: actorLabel(actor), revoke_reason: reason });
  await writeAudit(c, { actor: actorLabel(actor), now }, 'recognition.revoke', `recognition:${no}`, { from: r.status, revoked_on: today, reason });
  const person = await findPerson(c, { psn_no: r.psn_no });
  await notify(c, now, person, {
    subject: `recognition:${no}`,
    title: { zh: '门诊慢特病认定已撤销', en: 'Chronic disease recognition revoked' },
    body: { zh: `${r.opsp_dise_name}认定 ${no} 自 ${today} 起撤销。`, en: `Recognition ${no} is revoked from ${today}.` },
  });
  return getRecognition(c, no);
}

/** The recognition queue for `asOf`, of one insured place or of a staff member's regions. */
export async function recognitionReviewQueue(q: Queryable, asOf: IsoDate, opts: { insuplc?: string | undefined; regions?: readonly string[] | undefined } = {}): ReturnType<typeof recognitionQueue> {
  if (!isIsoDate(asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  return recognitionQueue(q, asOf, opts.insuplc, opts.regions);
}

// ---- separately paid drugs ----------------------------------------------------------------

export async function upsertSeparatelyPaidDrug(pool: Pool, now: Date, actor: Actor, d: DrugInput): Promise<void> {
  checkDiseaseDefinition({ code: d.drug_code, name: d.drug_name, icd10Ranges: d.icd10_ranges, validFrom: '2000-01-01', validTo: null });
  if (d.dispensers.length === 0) throw invalid('dispensers', '至少一家定点供药机构', 'at least one designated dispensing institution');
  if (new Set(d.dispensers).size !== d.dispensers.length) throw invalid('dispensers', '供药机构重复', 'a dispensing institution is named twice');
  await inTransaction(pool, async (c) => {
    if (!(await regionExists(c, d.admdvs))) throw invalid('admdvs', '区划不存在', 'unknown region');
    const known = await knownInstitutions(c, d.dispensers);
    d.dispensers.forEach((code, i) => {
      if (!known.includes(code)) throw invalid(`dispensers/${i}`, '查无此定点医药机构', 'unknown designated institution');
    });
    await writeSeparatelyPaidDrug(c, d);
    await writeAudit(c, { actor: actorLabel(actor), now }, 'separately_paid_drug.upsert', `drug:${d.admdvs}:${d.drug_code}`, { ...d });
  });
}
