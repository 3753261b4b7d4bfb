import type { ClassifiedFeeLine } from '../../engine/index.ts';
import { conflict, invalid } from '../../engine/errors.ts';
import { formatYuan, MAX_BILL_FEN, type Bp, type Fen } from '../../engine/money.ts';
import type { ChrgitmLv } from '../../engine/codes.ts';
import type { TwoDisease } from '../../engine/catalog.ts';
import type { Queryable } from '../db.ts';
import { PERSON_COLUMNS, type Person as PersonRow } from '../registry/persons.ts';

// Visits (就诊), their diagnoses and fee lines (004_settlement.sql): the rows the settlement
// transactions read and write before any money moves.

export type VisitKind = 'outpatient' | 'inpatient' | 'pharmacy';
export type VisitStatus = 'open' | 'discharged' | 'settled' | 'cancelled';

export interface VisitRow {
  mdtrt_id: string;
  kind: VisitKind;
  status: VisitStatus;
  psn_no: string;
  insutype: string;
  psn_type: string;
  fixmedins_code: string;
  hosp_lv: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
  med_type: string;
  begntime: Date;
  endtime: Date | null;
  ipt_otp_no: string | null;
  mdtrt_cert_type: string | null;
  mdtrt_cert_no: string | null;
  emergency_flag: boolean;
  dise_codes: string[];
  cross_region_status: string;
  eligibility: Record<string, unknown>;
  info: Record<string, unknown>;
}

const VISIT_COLUMNS = `mdtrt_id, kind, status, psn_no, insutype, psn_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, insuplc_admdvs,
  med_type, begntime, endtime, ipt_otp_no, mdtrt_cert_type, mdtrt_cert_no, emergency_flag, dise_codes, cross_region_status, eligibility, info`;

/** Inserts the visit; its mdtrt_id comes from visit_serial in the same statement. */
export async function insertVisit(q: Queryable, v: Omit<VisitRow, 'mdtrt_id'>, at: Date): Promise<string> {
  const r = await q.query<{ mdtrt_id: string }>({ name: 'settlement_insert_visit', text: `INSERT INTO visits (${VISIT_COLUMNS}, created_at)
     VALUES (nextval('visit_serial')::text, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING mdtrt_id`, values: [
      v.kind, v.status, v.psn_no, v.insutype, v.psn_type, v.fixmedins_code, v.hosp_lv, v.mdtrtarea_admvs, v.insuplc_admdvs,
      v.med_type, v.begntime, v.endtime, v.ipt_otp_no, v.mdtrt_cert_type, v.mdtrt_cert_no, v.emergency_flag, v.dise_codes,
      v.cross_region_status, v.eligibility, v.info, at,
    ] });
  return r.rows[0]!.mdtrt_id;
}

export type VisitWithPerson = VisitRow & { person: PersonRow };

/**
 * The visit with its person (one round trip), the visit row locked until the transaction ends
 * when `lock` (settlement, cancellation, changes).
 */
export async function findVisit(q: Queryable, mdtrtId: string, lock: boolean): Promise<VisitWithPerson | undefined> {
  const r = await q.query<VisitWithPerson>({ name: lock ? 'settlement_visit_lock' : 'settlement_visit', text: `SELECT ${VISIT_COLUMNS.replace(/(\w+)/g, 'v.$1')}, (SELECT to_jsonb(x) FROM (SELECT ${PERSON_COLUMNS.replace(/(\w+)/g, 'p.$1')}) x) AS person
       FROM visits v JOIN persons p ON p.psn_no = v.psn_no WHERE v.mdtrt_id = $1${lock ? ' FOR UPDATE OF v' : ''}`, values: [mdtrtId] });
  return r.rows[0];
}

export async function updateVisit(
  q: Queryable,
  mdtrtId: string,
  change: Partial<Pick<VisitRow, 'status' | 'endtime' | 'med_type' | 'begntime' | 'dise_codes' | 'cross_region_status' | 'eligibility' | 'info' | 'ipt_otp_no'>>,
): Promise<void> {
  const keys = Object.keys(change) as (keyof typeof change)[];
  if (keys.length === 0) return;
  const sets = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
  await q.query(`UPDATE visits SET ${sets} WHERE mdtrt_id = $1`, [mdtrtId, ...keys.map((k) => change[k])]);
}

export interface Diagnosis {
  diag_type: string;
  diag_srt_no: number;
  diag_code: string;
  diag_name: string;
  maindiag_flag: boolean;
}

/** Replaces the visit's diagnoses (2203, 2401, 2402 and 2403 each send the full list). */
export async function replaceDiagnoses(q: Queryable, mdtrtId: string, list: readonly Diagnosis[]): Promise<void> {
  await q.query(`DELETE FROM visit_diagnoses WHERE mdtrt_id = $1`, [mdtrtId]);
  if (list.length === 0) return;
  await q.query(
    `INSERT INTO visit_diagnoses (mdtrt_id, diag_type, diag_srt_no, diag_code, diag_name, maindiag_flag)
     SELECT $1, * FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::boolean[])`,
    [mdtrtId, list.map((d) => d.diag_type), list.map((d) => d.diag_srt_no), list.map((d) => d.diag_code), list.map((d) => d.diag_name), list.map((d) => d.maindiag_flag)],
  );
}

export async function diagnosesOf(q: Queryable, mdtrtId: string): Promise<Diagnosis[]> {
  const r = await q.query<Diagnosis>(
    `SELECT diag_type, diag_srt_no, diag_code, diag_name, maindiag_flag FROM visit_diagnoses WHERE mdtrt_id = $1 ORDER BY maindiag_flag DESC, diag_type, diag_srt_no`,
    [mdtrtId],
  );
  return r.rows;
}

export interface StoredLine extends ClassifiedFeeLine {
  chrg_bchno: string | null;
  medins_list_codg: string | null;
  fee_ocur_time: Date | null;
  hosp_appr_flag: string | null;
  init_feedetl_sn: string | null;
  status: 'uploaded' | 'cancelled';
  setl_id: string | null;
}

export interface LineExtras {
  chrg_bchno: string | null;
  medins_list_codg: string | null;
  fee_ocur_time: Date | null;
  hosp_appr_flag: string | null;
  init_feedetl_sn: string | null;
}

/** One multi-row INSERT for the whole upload. */
/**
 * One multi-row INSERT for the whole upload. A feedetl_sn the visit already has (uploaded or
 * cancelled: a number is never reused) is refused by the key; the error names it.
 */
export async function insertLines(q: Queryable, mdtrtId: string, msgid: string, lines: readonly ClassifiedFeeLine[], extras: readonly LineExtras[], path: string): Promise<void> {
  // One JSON document for the rows: cheaper for both sides than an array parameter per column.
  const rows = lines.map((l, i) => ({
    sn: l.feedetl_sn, codg: l.med_list_codg, amt: l.det_item_fee_sumamt, cnt: l.cnt, pric: l.pric, lv: l.chrgitm_lv, typ: l.med_chrgitm_type,
    prop: l.selfpay_prop, uplmt: l.pric_uplmt_amt, ful: l.fulamt_ownpay_amt, over: l.overlmt_amt, pre: l.preselfpay_amt, inscp: l.inscp_scp_amt,
    two: l.two_diseases, sep: l.separately_paid, rzh: l.reason.zh, ren: l.reason.en, bch: extras[i]!.chrg_bchno, mlc: extras[i]!.medins_list_codg,
    ocur: extras[i]!.fee_ocur_time, appr: extras[i]!.hosp_appr_flag, init: extras[i]!.init_feedetl_sn,
  }));
  // The visit's unsettled lines stay within one bill's limit (MAX_BILL_FEN): checked in the insert itself.
  let gross = 0;
  for (const l of lines) gross += Math.abs(l.det_item_fee_sumamt);
  const inserted = await q.query({ name: 'settlement_insert_lines', text: `INSERT INTO fee_lines (mdtrt_id, upload_msgid, status, seq, feedetl_sn, med_list_codg, det_item_fee_sumamt, cnt, pric, chrgitm_lv, med_chrgitm_type,
       selfpay_prop_bp, pric_uplmt_fen, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, two_diseases, separately_paid, reason_zh, reason_en,
       chrg_bchno, medins_list_codg, fee_ocur_time, hosp_appr_flag, init_feedetl_sn)
     SELECT $1, $2, 'uploaded', coalesce((SELECT max(seq) FROM fee_lines WHERE mdtrt_id = $1), 0) + e.ord, u.sn, u.codg, u.amt, u.cnt, u.pric, u.lv, u.typ,
       u.prop, u.uplmt, u.ful, u.over, u.pre, u.inscp, u.two, u.sep, u.rzh, u.ren, u.bch, u.mlc, u.ocur, u.appr, u.init
       FROM json_array_elements($3::json) WITH ORDINALITY AS e(line, ord),
            json_to_record(e.line) AS u(sn text, codg text, amt bigint, cnt numeric, pric bigint, lv text, typ text, prop int,
            uplmt bigint, ful bigint, over bigint, pre bigint, inscp bigint, two text, sep boolean, rzh text, ren text, bch text, mlc text,
            ocur timestamptz, appr text, init text)
      WHERE (SELECT coalesce(sum(abs(det_item_fee_sumamt)), 0) FROM fee_lines WHERE mdtrt_id = $1 AND status = 'uploaded' AND setl_id IS NULL) + $4::bigint <= $5::bigint`,
    values: [mdtrtId, msgid, JSON.stringify(rows), gross, MAX_BILL_FEN] }).catch((err: { code?: string; constraint?: string; detail?: string }) => {
    if (err.code !== '23505' || err.constraint !== 'fee_lines_pkey') throw err;
    const sn = /\(mdtrt_id, feedetl_sn\)=\([^,]*, (.*)\)/.exec(err.detail ?? '')?.[1] ?? '?';
    throw conflict(`${path}.feedetl_sn`, `费用明细流水号已上传：${sn}`, `feedetl_sn already uploaded: ${sn}`);
  });
  if (lines.length > 0 && inserted.rowCount === 0) {
    const limit = formatYuan(MAX_BILL_FEN as Fen);
    throw invalid(path, `本次就诊未结算明细金额合计将超过上限 ${limit} 元`, `the visit's unsettled lines would add up to more than the limit of ${limit} yuan`);
  }
}

/** A fee line as stored (a row, or an element of unsettledLinesJson). */
export interface LineRow {
  feedetl_sn: string;
  med_list_codg: string;
  det_item_fee_sumamt: number;
  cnt: string;
  pric: number;
  chrgitm_lv: string;
  med_chrgitm_type: string;
  selfpay_prop_bp: number;
  pric_uplmt_fen: number | null;
  fulamt_ownpay_amt: number;
  overlmt_amt: number;
  preselfpay_amt: number;
  inscp_scp_amt: number;
  two_diseases: string | null;
  separately_paid: boolean;
  reason_zh: string;
  reason_en: string;
  chrg_bchno: string | null;
  medins_list_codg: string | null;
  /** A Date from a row; text when the line came as JSON. */
  fee_ocur_time: Date | string | null;
  hosp_appr_flag: string | null;
  init_feedetl_sn: string | null;
  status: 'uploaded' | 'cancelled';
  setl_id: string | null;
}

export function toLine(r: LineRow): StoredLine {
  return {
    feedetl_sn: r.feedetl_sn,
    med_list_codg: r.med_list_codg,
    det_item_fee_sumamt: r.det_item_fee_sumamt as Fen,
    cnt: Number(r.cnt),
    pric: r.pric as Fen,
    chrgitm_lv: r.chrgitm_lv as ChrgitmLv,
    med_chrgitm_type: r.med_chrgitm_type,
    selfpay_prop: r.selfpay_prop_bp as Bp,
    pric_uplmt_amt: r.pric_uplmt_fen as Fen | null,
    fulamt_ownpay_amt: r.fulamt_ownpay_amt as Fen,
    overlmt_amt: r.overlmt_amt as Fen,
    preselfpay_amt: r.preselfpay_amt as Fen,
    inscp_scp_amt: r.inscp_scp_amt as Fen,
    two_diseases: r.two_diseases as TwoDisease | null,
    separately_paid: r.separately_paid,
    reason: { zh: r.reason_zh, en: r.reason_en },
    chrg_bchno: r.chrg_bchno,
    medins_list_codg: r.medins_list_codg,
    fee_ocur_time: r.fee_ocur_time === null ? null : new Date(r.fee_ocur_time),
    hosp_appr_flag: r.hosp_appr_flag,
    init_feedetl_sn: r.init_feedetl_sn,
    status: r.status,
    setl_id: r.setl_id,
  };
}

const LINE_COLUMNS = `feedetl_sn, med_list_codg, det_item_fee_sumamt, cnt, pric, chrgitm_lv, med_chrgitm_type, selfpay_prop_bp, pric_uplmt_fen,
  fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, two_diseases, separately_paid, reason_zh, reason_en,
  chrg_bchno, medins_list_codg, fee_ocur_time, hosp_appr_flag, init_feedetl_sn, status, setl_id`;

/**
 * Lines uploaded and not yet settled (what the next (pre-)settlement prices), in upload order,
 * as one JSON array (elements for toLine): an expression for a statement that reads more.
 * `param` names the visit's mdtrt_id, e.g. `$6`.
 */
export const unsettledLinesJson = (param: string): string =>
  `(SELECT coalesce(json_agg(l ORDER BY l.seq), '[]') FROM (SELECT ${LINE_COLUMNS}, seq FROM fee_lines
     WHERE mdtrt_id = ${param} AND status = 'uploaded' AND setl_id IS NULL) l)`;

export async function linesOf(q: Queryable, mdtrtId: string, setlId?: string): Promise<StoredLine[]> {
  const r = await q.query<LineRow>(
    `SELECT ${LINE_COLUMNS} FROM fee_lines WHERE mdtrt_id = $1 AND ($2::text IS NULL OR setl_id = $2) ORDER BY seq`,
    [mdtrtId, setlId ?? null],
  );
  return r.rows.map(toLine);
}

/**
 * Cancels unsettled uploaded lines: all of them (`which` = 'all'), those of a charge batch, or
 * the named feedetl_sn. Returns the numbers cancelled.
 */
export async function cancelLines(q: Queryable, mdtrtId: string, which: { all: true } | { chrg_bchno: string } | { feedetl_sn: readonly string[] }): Promise<string[]> {
  const cond = 'all' in which ? 'true' : 'chrg_bchno' in which ? 'chrg_bchno = $2' : 'feedetl_sn = ANY($2::text[])';
  const params: unknown[] = [mdtrtId];
  if (!('all' in which)) params.push('chrg_bchno' in which ? which.chrg_bchno : which.feedetl_sn);
  const r = await q.query<{ feedetl_sn: string }>(
    `UPDATE fee_lines SET status = 'cancelled' WHERE mdtrt_id = $1 AND status = 'uploaded' AND setl_id IS NULL AND ${cond} RETURNING feedetl_sn`,
    params,
  );
  return r.rows.map((x) => x.feedetl_sn);
}
