import { addDays, addWorkingDays, chinaDate, isIsoDate, type IsoDate } from '../../engine/calendar.ts';
import {
  NATIONAL_LIST,
  checkDiseaseDefinition,
  diseaseMatches,
  recognitionEnd,
  type ChronicDisease,
  type RecognitionFact,
  type RecognitionStatus,
} from '../../engine/chronic-disease.ts';
import { Problems, conflict, invalid, notFound } from '../../engine/errors.ts';
import type { FilerType } from '../../engine/filing-rules.ts';
import { inTransaction, type Pool, type Queryable } from '../db.ts';
import { loadCalendar } from './calendar.ts';
import { compactDate, findPerson, poolingRegionOf, regionExists } from './common.ts';
import { actorLabel, writeAudit, type Actor } from '../audit.ts';
import { notify } from './notifications.ts';

// Outpatient chronic and special diseases (门诊慢特病): the lists, recognition (认定) with its
// evidence, review, validity and renewal, and separately paid drugs (单行支付药品).

interface DiseaseRow {
  list_admdvs: string;
  code: string;
  name: string;
  icd10_ranges: string[];
  validity_months: number | null;
  valid_from: string;
  valid_to: string | null;
  note: string | null;
}

function toDisease(r: DiseaseRow): ChronicDisease {
  return { listAdmdvs: r.list_admdvs, code: r.code, name: r.name, icd10Ranges: r.icd10_ranges, validityMonths: r.validity_months, validFrom: r.valid_from, validTo: r.valid_to };
}

export async function listDiseases(q: Queryable, listAdmdvs: string): Promise<DiseaseRow[]> {
  return (await q.query<DiseaseRow>('SELECT * FROM chronic_diseases WHERE list_admdvs = $1 ORDER BY code', [listAdmdvs])).rows;
}

export async function nationalDiseases(q: Queryable): Promise<ChronicDisease[]> {
  return (await listDiseases(q, NATIONAL_LIST)).map(toDisease);
}

/** A list entry as staff send it: the row, with the note optional. */
export interface DiseaseInput extends Omit<DiseaseRow, 'note'> {
  note?: string | null;
}

export async function upsertDisease(pool: Pool, now: Date, actor: Actor, d: DiseaseInput): Promise<void> {
  checkDiseaseDefinition({ code: d.code, name: d.name, icd10Ranges: d.icd10_ranges, validFrom: d.valid_from, validTo: d.valid_to });
  if (d.validity_months !== null && (!Number.isInteger(d.validity_months) || d.validity_months < 1 || d.validity_months > 120)) {
    throw invalid('validity_months', '有效期应为 1-120 个月或留空（长期）', 'validity_months must be 1-120 or null (until revoked)');
  }
  await inTransaction(pool, async (c) => {
    if (d.list_admdvs !== NATIONAL_LIST && !(await regionExists(c, d.list_admdvs))) throw invalid('list_admdvs', '区划不存在', 'unknown region');
    const before = await c.query('SELECT * FROM chronic_diseases WHERE list_admdvs = $1 AND code = $2', [d.list_admdvs, d.code]);
    await c.query(
      `INSERT INTO chronic_diseases (list_admdvs, code, name, icd10_ranges, validity_months, valid_from, valid_to, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (list_admdvs, code) DO UPDATE SET name = $3, icd10_ranges = $4, validity_months = $5, valid_from = $6, valid_to = $7, note = $8`,
      [d.list_admdvs, d.code, d.name, d.icd10_ranges, d.validity_months, d.valid_from, d.valid_to, d.note ?? null],
    );
    await writeAudit(c, { actor: actorLabel(actor), now }, 'chronic_disease.upsert', `chronic_disease:${d.list_admdvs}:${d.code}`, { before: before.rows[0] ?? null, after: d });
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

export interface RecognitionRow {
  id: number;
  recognition_no: string;
  psn_no: string;
  insuplc_admdvs: string;
  dise_list_admdvs: string;
  opsp_dise_code: string;
  opsp_dise_name: string;
  diag_code: string;
  ide_fixmedins_code: string;
  diag_dr_codg: string;
  diag_dr_name: string;
  hosp_ide_date: IsoDate;
  resp_dr_codg: string | null;
  resp_dr_name: string | null;
  begndate: IsoDate;
  enddate: IsoDate | null;
  status: RecognitionStatus;
  review_due: IsoDate | null;
  decided_by: string | null;
  decision_reason: string | null;
  revoked_on: IsoDate | null;
  renews_no: string | null;
}

const SELECT_REC = `SELECT r.id::int, r.recognition_no, r.psn_no, r.insuplc_admdvs, r.dise_list_admdvs, r.opsp_dise_code, r.opsp_dise_name, r.diag_code,
  r.ide_fixmedins_code, r.diag_dr_codg, r.diag_dr_name, r.hosp_ide_date, r.resp_dr_codg, r.resp_dr_name, r.begndate, r.enddate, r.status,
  r.review_due, r.decided_by, r.decision_reason, r.revoked_on, (SELECT o.recognition_no FROM recognitions o WHERE o.id = r.renews_id) AS renews_no
  FROM recognitions r`;

type FactColumns = 'recognition_no' | 'status' | 'insuplc_admdvs' | 'opsp_dise_code' | 'opsp_dise_name' | 'diag_code' | 'begndate' | 'enddate' | 'revoked_on' | 'resp_dr_codg';

/** A person's recognitions, only the columns toRecognitionFact reads, as one JSON array (see filingFactsJson). */
export const recognitionFactsJson = (param: string): string =>
  `(SELECT coalesce(json_agg(x ORDER BY x.id), '[]') FROM (SELECT id, recognition_no, status, insuplc_admdvs, opsp_dise_code, opsp_dise_name, diag_code,
     begndate, enddate, revoked_on, resp_dr_codg FROM recognitions WHERE psn_no = ${param}) x)`;

export function toRecognitionFact(r: Pick<RecognitionRow, FactColumns>): RecognitionFact {
  return {
    recognitionNo: r.recognition_no,
    status: r.status,
    insuplcAdmdvs: r.insuplc_admdvs,
    diseaseCode: r.opsp_dise_code,
    diseaseName: r.opsp_dise_name,
    diagCode: r.diag_code,
    begndate: r.begndate,
    enddate: r.enddate,
    revokedOn: r.revoked_on,
    respDrCodg: r.resp_dr_codg,
  };
}

export async function recognitionsOf(q: Queryable, psnNo: string): Promise<RecognitionRow[]> {
  return (await q.query<RecognitionRow>(`${SELECT_REC} WHERE r.psn_no = $1 ORDER BY r.id`, [psnNo])).rows;
}

export async function getRecognition(q: Queryable, no: string, lock = false): Promise<RecognitionRow> {
  const r = await q.query<RecognitionRow>(`${SELECT_REC} WHERE r.recognition_no = $1${lock ? ' FOR UPDATE OF r' : ''}`, [no]);
  if (!r.rows[0]) throw notFound('recognition_no', '查无此认定', 'no such recognition');
  return r.rows[0];
}

/** The insured place's list first, then the national list. */
async function findDisease(q: Queryable, home: string, code: string): Promise<DiseaseRow | undefined> {
  const r = await q.query<DiseaseRow>(
    `SELECT * FROM chronic_diseases WHERE code = $2 AND list_admdvs IN ($1, '000000') ORDER BY (list_admdvs = '000000') LIMIT 1`,
    [home, code],
  );
  return r.rows[0];
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
  if (((await c.query('SELECT 1 FROM institutions WHERE fixmedins_code = $1', [input.ide_fixmedins_code])).rowCount ?? 0) === 0) {
    throw invalid('ide_fixmedins_code', '查无此定点医疗机构', 'unknown designated institution');
  }
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
  const reviewDue = atOnce ? null : addWorkingDays(await loadCalendar(c, home), today, 5);
  const serial = (await c.query<{ n: number }>("SELECT nextval('recognition_serial')::int AS n")).rows[0]!.n;
  const no = `${home}MT${compactDate(today)}${String(serial).padStart(8, '0')}`;
  const r = await c.query<{ id: number }>(
    `INSERT INTO recognitions (recognition_no, psn_no, insuplc_admdvs, dise_list_admdvs, opsp_dise_code, opsp_dise_name, diag_code, ide_fixmedins_code,
       diag_dr_codg, diag_dr_name, hosp_ide_date, resp_dr_codg, resp_dr_name, begndate, enddate, filer_type, filer_id, status, submitted_at, review_due, renews_id,
       decided_by, decided_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23) RETURNING id::int`,
    [
      no, person.psn_no, home, disease.list_admdvs, disease.code, disease.name, input.diag_code, input.ide_fixmedins_code, input.diag_dr_codg, input.diag_dr_name,
      input.hosp_ide_date, input.resp_dr_codg ?? null, input.resp_dr_name ?? null, begndate, enddate, input.filer.type, input.filer.id, status, now, reviewDue,
      renews?.id ?? null, atOnce ? `hospital:${input.filer.id}` : null, atOnce ? now : null,
    ],
  );
  for (const e of input.evidence) {
    await c.query('INSERT INTO recognition_evidence (recognition_id, kind, ref, description) VALUES ($1, $2, $3, $4)', [r.rows[0]!.id, e.kind, e.ref, e.description ?? null]);
  }
  const actor: Actor = { type: input.filer.type, id: input.filer.id };
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

/** Renewal: a new recognition starting the day after the old one ends, with fresh evidence. */
export async function renewRecognition(pool: Pool, now: Date, no: string, input: Omit<RecognitionInput, 'psn_no' | 'certno' | 'opsp_dise_code'>): Promise<RecognitionRow> {
  return inTransaction(pool, async (c) => {
    const old = await getRecognition(c, no, true);
    if (old.status !== 'recognised') throw conflict('recognition_no', '只有已认定的病种可以续期', 'only a recognised disease can be renewed');
    if (old.enddate === null) throw conflict('recognition_no', '该认定长期有效，无需续期', 'the recognition lasts until revoked');
    return insertRecognition(c, now, { ...input, psn_no: old.psn_no, opsp_dise_code: old.opsp_dise_code }, old);
  });
}

export async function reviewRecognition(pool: Pool, now: Date, actor: Actor, no: string, decision: 'approve' | 'reject', reason: string | null): Promise<RecognitionRow> {
  if (decision !== 'approve' && decision !== 'reject') throw invalid('decision', '审核结论应为 approve 或 reject', "decision must be 'approve' or 'reject'");
  if (decision === 'reject' && !reason?.trim()) throw invalid('reason', '不予认定须说明理由', 'a rejection needs a reason');
  return inTransaction(pool, async (c) => {
    const r = await getRecognition(c, no, true);
    if (r.status !== 'pending_review') throw conflict('recognition_no', `认定状态为 ${r.status}，无需审核`, `the recognition is ${r.status}, not waiting for review`);
    const to: RecognitionStatus = decision === 'approve' ? 'recognised' : 'rejected';
    await c.query('UPDATE recognitions SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5 WHERE id = $1', [r.id, to, actorLabel(actor), now, reason]);
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
  if (r.status !== 'recognised' && r.status !== 'pending_review') throw conflict('recognition_no', `认定状态为 ${r.status}，不能撤销`, `a ${r.status} recognition cannot be revoked`);
  const today = chinaDate(now);
  await c.query('UPDATE recognitions SET status = $2, revoked_on = $3, revoked_by = $4, revoke_reason = $5 WHERE id = $1', [r.id, 'revoked', today, actorLabel(actor), reason]);
  await writeAudit(c, { actor: actorLabel(actor), now }, 'recognition.revoke', `recognition:${no}`, { from: r.status, revoked_on: today, reason });
  const person = await findPerson(c, { psn_no: r.psn_no });
  await notify(c, now, person, {
    subject: `recognition:${no}`,
    title: { zh: '门诊慢特病认定已撤销', en: 'Chronic disease recognition revoked' },
    body: { zh: `${r.opsp_dise_name}认定 ${no} 自 ${today} 起撤销。`, en: `Recognition ${no} is revoked from ${today}.` },
  });
  return getRecognition(c, no);
}

// ---- separately paid drugs ----------------------------------------------------------------

export interface DrugInput {
  admdvs: string;
  drug_code: string;
  drug_name: string;
  icd10_ranges: string[];
  dispensers: string[];
}

export async function upsertSeparatelyPaidDrug(pool: Pool, now: Date, actor: Actor, d: DrugInput): Promise<void> {
  checkDiseaseDefinition({ code: d.drug_code, name: d.drug_name, icd10Ranges: d.icd10_ranges, validFrom: '2000-01-01', validTo: null });
  if (d.dispensers.length === 0) throw invalid('dispensers', '至少一家定点供药机构', 'at least one designated dispensing institution');
  if (new Set(d.dispensers).size !== d.dispensers.length) throw invalid('dispensers', '供药机构重复', 'a dispensing institution is named twice');
  await inTransaction(pool, async (c) => {
    if (!(await regionExists(c, d.admdvs))) throw invalid('admdvs', '区划不存在', 'unknown region');
    const known = await c.query<{ fixmedins_code: string }>('SELECT fixmedins_code FROM institutions WHERE fixmedins_code = ANY($1)', [d.dispensers]);
    d.dispensers.forEach((code, i) => {
      if (!known.rows.some((k) => k.fixmedins_code === code)) throw invalid(`dispensers/${i}`, '查无此定点医药机构', 'unknown designated institution');
    });
    await c.query(
      `INSERT INTO separately_paid_drugs (admdvs, drug_code, drug_name, icd10_ranges) VALUES ($1,$2,$3,$4)
       ON CONFLICT (admdvs, drug_code) DO UPDATE SET drug_name = $3, icd10_ranges = $4`,
      [d.admdvs, d.drug_code, d.drug_name, d.icd10_ranges],
    );
    await c.query('DELETE FROM drug_dispensers WHERE admdvs = $1 AND drug_code = $2', [d.admdvs, d.drug_code]);
    for (const code of d.dispensers) await c.query('INSERT INTO drug_dispensers (admdvs, drug_code, fixmedins_code) VALUES ($1,$2,$3)', [d.admdvs, d.drug_code, code]);
    await writeAudit(c, { actor: actorLabel(actor), now }, 'separately_paid_drug.upsert', `drug:${d.admdvs}:${d.drug_code}`, { ...d });
  });
}

export async function findSeparatelyPaidDrug(q: Queryable, admdvs: string, drugCode: string): Promise<{ drugCode: string; drugName: string; icd10Ranges: string[]; dispensers: string[] } | null> {
  const r = await q.query<{ drug_code: string; drug_name: string; icd10_ranges: string[]; dispensers: string[] }>(
    `SELECT d.drug_code, d.drug_name, d.icd10_ranges, COALESCE(array_agg(x.fixmedins_code) FILTER (WHERE x.fixmedins_code IS NOT NULL), '{}') AS dispensers
     FROM separately_paid_drugs d LEFT JOIN drug_dispensers x USING (admdvs, drug_code) WHERE d.admdvs = $1 AND d.drug_code = $2
     GROUP BY d.drug_code, d.drug_name, d.icd10_ranges`,
    [admdvs, drugCode],
  );
  const row = r.rows[0];
  return row ? { drugCode: row.drug_code, drugName: row.drug_name, icd10Ranges: row.icd10_ranges, dispensers: row.dispensers } : null;
}

/** Applications waiting for review, earliest deadline first, with the overdue flag. */
export async function recognitionQueue(q: Queryable, asOf: IsoDate, insuplc?: string): Promise<(Pick<RecognitionRow, 'recognition_no' | 'psn_no' | 'insuplc_admdvs' | 'opsp_dise_code' | 'opsp_dise_name' | 'review_due'> & { overdue: boolean })[]> {
  if (!isIsoDate(asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  const r = await q.query<Pick<RecognitionRow, 'recognition_no' | 'psn_no' | 'insuplc_admdvs' | 'opsp_dise_code' | 'opsp_dise_name' | 'review_due'>>(
    `SELECT recognition_no, psn_no, insuplc_admdvs, opsp_dise_code, opsp_dise_name, review_due FROM recognitions
     WHERE status = 'pending_review' AND ($1::text IS NULL OR insuplc_admdvs = $1) ORDER BY review_due, id LIMIT 1000`,
    [insuplc ?? null],
  );
  return r.rows.map((row) => ({ ...row, overdue: row.review_due !== null && asOf > row.review_due }));
}
