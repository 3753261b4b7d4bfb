import { conflict } from '../../engine/errors.ts';
import type { Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { EnrollmentSchema } from './schemas.ts';
import { PERSON_COLUMNS, type Person } from './persons.ts';

// 参保: one row per enrollment period. A transfer (转移接续) ends the old period and opens a
// new one pointing back at it, so the whole history stays queryable across regions. The reads
// and writes only: who may enroll and what a transfer ends are src/app/registry/enrollments.ts.

export type Enrollment = Type.Static<typeof EnrollmentSchema>;

export const ENROLLMENT_COLUMNS =
  'id, psn_no, insutype, psn_type, insuplc_admdvs, emp_no, emp_name, psn_insu_stas, psn_insu_date, end_date, paus_insu_date, transferred_from';

/** The person's active enrollments, in id order; `lock` holds them until the transaction ends. */
export async function activeEnrollments(q: Queryable, psnNo: string, lock: boolean): Promise<Enrollment[]> {
  const r = await q.query<Enrollment>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments WHERE psn_no = $1 AND psn_insu_stas = '1' ORDER BY id ${lock ? 'FOR UPDATE' : ''}`,
    [psnNo],
  );
  return r.rows;
}

export type NewEnrollmentRow = Omit<Enrollment, 'id' | 'psn_insu_stas' | 'end_date' | 'paus_insu_date'>;

/** Inserts an active enrollment. */
export async function insertEnrollment(q: Queryable, e: NewEnrollmentRow): Promise<Enrollment> {
  try {
    const r = await q.query<Enrollment>(
      `INSERT INTO enrollments (psn_no, insutype, psn_type, insuplc_admdvs, emp_no, emp_name, psn_insu_stas, psn_insu_date, transferred_from)
       VALUES ($1,$2,$3,$4,$5,$6,'1',$7,$8) RETURNING ${ENROLLMENT_COLUMNS}`,
      [e.psn_no, e.insutype, e.psn_type, e.insuplc_admdvs, e.emp_no, e.emp_name, e.psn_insu_date, e.transferred_from],
    );
    return r.rows[0]!;
  } catch (err) {
    // The partial unique index is the last word if two requests raced past the use case's check.
    if ((err as { code?: string }).code === '23505') {
      throw conflict('insutype', '已有有效的基本医保参保，不能重复参保', 'already actively enrolled in basic insurance');
    }
    throw err;
  }
}

/** Ends an enrollment by a transfer (status 4) on `endDate`, never before it began. */
export async function endEnrollmentByTransfer(q: Queryable, id: number, endDate: string): Promise<Enrollment> {
  const r = await q.query<Enrollment>(
    `UPDATE enrollments SET psn_insu_stas = '4', end_date = GREATEST($2::date, psn_insu_date) WHERE id = $1 RETURNING ${ENROLLMENT_COLUMNS}`,
    [id, endDate],
  );
  return r.rows[0]!;
}

/** Opens the person's personal account in a region, or moves an existing one there. */
export async function openPersonalAccount(q: Queryable, psnNo: string, admdvs: string): Promise<void> {
  await q.query(
    `INSERT INTO personal_accounts (psn_no, insuplc_admdvs) VALUES ($1, $2)
       ON CONFLICT (psn_no) DO UPDATE SET insuplc_admdvs = excluded.insuplc_admdvs`,
    [psnNo, admdvs],
  );
}

/** Moves an existing personal account to a region (none is opened). */
export async function movePersonalAccount(q: Queryable, psnNo: string, admdvs: string): Promise<void> {
  await q.query('UPDATE personal_accounts SET insuplc_admdvs = $2 WHERE psn_no = $1', [psnNo, admdvs]);
}

export async function listEnrollments(q: Queryable, psnNo: string): Promise<Enrollment[]> {
  const r = await q.query<Enrollment>(`SELECT ${ENROLLMENT_COLUMNS} FROM enrollments WHERE psn_no = $1 ORDER BY psn_insu_date, id`, [psnNo]);
  return r.rows;
}

/** Enrollments in force on `date` (begun, not ended), whatever their status: what 1101 answers. */
export async function enrollmentsOn(q: Queryable, psnNo: string, date: string): Promise<Enrollment[]> {
  const r = await q.query<Enrollment>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments
      WHERE psn_no = $1 AND psn_insu_date <= $2 AND (end_date IS NULL OR end_date >= $2)
      ORDER BY insutype, psn_insu_date`,
    [psnNo, date],
  );
  return r.rows;
}

export async function activeBasicEnrollment(q: Queryable, psnNo: string): Promise<Enrollment | undefined> {
  const r = await q.query<Enrollment>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments WHERE psn_no = $1 AND psn_insu_stas = '1' AND insutype IN ('310', '390')`,
    [psnNo],
  );
  return r.rows[0];
}

/** The person with their active basic enrollment, in one statement (a registration's first read). */
export async function personWithActiveBasicEnrollment(q: Queryable, psnNo: string): Promise<{ person: Person; enrollment: Enrollment | undefined } | undefined> {
  const r = await q.query<Person & { enrollment: Enrollment | null }>(
    `SELECT ${PERSON_COLUMNS}, (SELECT row_to_json(e) FROM (SELECT ${ENROLLMENT_COLUMNS} FROM enrollments
              WHERE psn_no = $1 AND psn_insu_stas = '1' AND insutype IN ('310', '390') LIMIT 1) e) AS enrollment
       FROM persons WHERE psn_no = $1`,
    [psnNo],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const { enrollment, ...person } = row;
  return { person, enrollment: enrollment ?? undefined };
}
