import type { IsoDate } from '../../engine/calendar.ts';
import { NATIONAL_LIST, type ChronicDisease, type RecognitionFact, type RecognitionStatus } from '../../engine/chronic-disease.ts';
import { openStates } from '../../engine/cases.ts';
import { notFound } from '../../engine/errors.ts';
import type { FilerType } from '../../engine/filing-rules.ts';
import type { Queryable } from '../db.ts';
import { caseQueue } from './cases.ts';

// Outpatient chronic and special diseases (门诊慢特病) as rows: the lists, recognitions (认定),
// separately paid drugs (单行支付药品) and the recognition queue's items. The use cases are in
// src/app/cooperation/recognitions.ts; a recognition's review is a case (./cases.ts).

export interface DiseaseRow {
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

export async function diseaseRow(q: Queryable, listAdmdvs: string, code: string): Promise<DiseaseRow | undefined> {
  return (await q.query<DiseaseRow>('SELECT * FROM chronic_diseases WHERE list_admdvs = $1 AND code = $2', [listAdmdvs, code])).rows[0];
}

export async function writeDisease(q: Queryable, d: DiseaseInput): Promise<void> {
  await q.query(
    `INSERT INTO chronic_diseases (list_admdvs, code, name, icd10_ranges, validity_months, valid_from, valid_to, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
     ON CONFLICT (list_admdvs, code) DO UPDATE SET name = $3, icd10_ranges = $4, validity_months = $5, valid_from = $6, valid_to = $7, note = $8`,
    [d.list_admdvs, d.code, d.name, d.icd10_ranges, d.validity_months, d.valid_from, d.valid_to, d.note ?? null],
  );
}

export async function nextRecognitionSerial(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>("SELECT nextval('recognition_serial')::int AS n")).rows[0]!.n;
}

/** A new recognition's row, with its columns as the use case decided them. */
export interface NewRecognition {
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
  filer_type: FilerType;
  filer_id: string;
  status: RecognitionStatus;
  submitted_at: Date;
  review_due: IsoDate | null;
  renews_id: number | null;
  decided_by: string | null;
  decided_at: Date | null;
}

export async function insertRecognitionRow(q: Queryable, r: NewRecognition): Promise<void> {
  await q.query(
    `INSERT INTO recognitions (recognition_no, psn_no, insuplc_admdvs, dise_list_admdvs, opsp_dise_code, opsp_dise_name, diag_code, ide_fixmedins_code,
       diag_dr_codg, diag_dr_name, hosp_ide_date, resp_dr_codg, resp_dr_name, begndate, enddate, filer_type, filer_id, status, submitted_at, review_due, renews_id,
       decided_by, decided_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)`,
    [
      r.recognition_no, r.psn_no, r.insuplc_admdvs, r.dise_list_admdvs, r.opsp_dise_code, r.opsp_dise_name, r.diag_code, r.ide_fixmedins_code, r.diag_dr_codg,
      r.diag_dr_name, r.hosp_ide_date, r.resp_dr_codg, r.resp_dr_name, r.begndate, r.enddate, r.filer_type, r.filer_id, r.status, r.submitted_at, r.review_due,
      r.renews_id, r.decided_by, r.decided_at,
    ],
  );
}

export async function writeRecognitionDecision(q: Queryable, id: number, d: { status: RecognitionStatus; decided_by: string; decided_at: Date; decision_reason: string | null }): Promise<void> {
  await q.query('UPDATE recognitions SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5 WHERE id = $1', [id, d.status, d.decided_by, d.decided_at, d.decision_reason]);
}

export async function writeRecognitionRevoked(q: Queryable, id: number, e: { revoked_on: IsoDate; revoked_by: string; revoke_reason: string | null }): Promise<void> {
  await q.query('UPDATE recognitions SET status = $2, revoked_on = $3, revoked_by = $4, revoke_reason = $5 WHERE id = $1', [id, 'revoked', e.revoked_on, e.revoked_by, e.revoke_reason]);
}

// ---- separately paid drugs ----------------------------------------------------------------

export interface DrugInput {
  admdvs: string;
  drug_code: string;
  drug_name: string;
  icd10_ranges: string[];
  dispensers: string[];
}

export async function knownInstitutions(q: Queryable, codes: readonly string[]): Promise<string[]> {
  return (await q.query<{ fixmedins_code: string }>('SELECT fixmedins_code FROM institutions WHERE fixmedins_code = ANY($1)', [codes])).rows.map((r) => r.fixmedins_code);
}

/** A drug and its dispensing institutions, replacing the ones it had. */
export async function writeSeparatelyPaidDrug(q: Queryable, d: DrugInput): Promise<void> {
  await q.query(
    `INSERT INTO separately_paid_drugs (admdvs, drug_code, drug_name, icd10_ranges) VALUES ($1,$2,$3,$4)
     ON CONFLICT (admdvs, drug_code) DO UPDATE SET drug_name = $3, icd10_ranges = $4`,
    [d.admdvs, d.drug_code, d.drug_name, d.icd10_ranges],
  );
  await q.query('DELETE FROM drug_dispensers WHERE admdvs = $1 AND drug_code = $2', [d.admdvs, d.drug_code]);
  for (const code of d.dispensers) await q.query('INSERT INTO drug_dispensers (admdvs, drug_code, fixmedins_code) VALUES ($1,$2,$3)', [d.admdvs, d.drug_code, code]);
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
export async function findDisease(q: Queryable, home: string, code: string): Promise<DiseaseRow | undefined> {
  const r = await q.query<DiseaseRow>(
    `SELECT * FROM chronic_diseases WHERE code = $2 AND list_admdvs IN ($1, '000000') ORDER BY (list_admdvs = '000000') LIMIT 1`,
    [home, code],
  );
  return r.rows[0];
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

type QueueItem = Pick<RecognitionRow, 'recognition_no' | 'psn_no' | 'insuplc_admdvs' | 'opsp_dise_code' | 'opsp_dise_name' | 'review_due'> & { overdue: boolean };

const RECOGNITION_OPEN = openStates(['recognition_review']);

/** Applications waiting for review, earliest deadline first, with the overdue flag, from the one case queue (see reviewQueue). */
export async function recognitionQueue(q: Queryable, asOf: IsoDate, insuplc?: string, regions?: readonly string[]): Promise<QueueItem[]> {
  const rows = await caseQueue(q, { kinds: ['recognition_review'], states: RECOGNITION_OPEN, insuplc, regions, asOf });
  return rows.map((r) => ({
    recognition_no: r.number,
    psn_no: r.psn_no!,
    insuplc_admdvs: r.region,
    opsp_dise_code: r.opsp_dise_code!,
    opsp_dise_name: r.opsp_dise_name!,
    review_due: r.review_due,
    overdue: r.overdue,
  }));
}
