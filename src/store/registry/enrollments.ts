import { addDays, chinaDate } from '../../engine/calendar.ts';
import { INSUTYPES, isCode, PSN_TYPES, type Insutype, type PsnType } from '../../engine/codes.ts';
import { conflict, invalid, notFound, Problems } from '../../engine/errors.ts';
import type { Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { EnrollmentSchema, TransferResultSchema } from './schemas.ts';
import { writeAudit, type WriteContext } from '../audit.ts';
import { findPersonByPsnNo, PERSON_COLUMNS, type Person } from './persons.ts';
import { requireInsuranceRegion } from './regions.ts';

// 参保: one row per enrollment period. A transfer (转移接续) ends the old period and opens a
// new one pointing back at it, so the whole history stays queryable across regions.

export type Enrollment = Type.Static<typeof EnrollmentSchema>;

export const ENROLLMENT_COLUMNS =
  'id, psn_no, insutype, psn_type, insuplc_admdvs, emp_no, emp_name, psn_insu_stas, psn_insu_date, end_date, paus_insu_date, transferred_from';

/** Basic insurance: a person holds at most one active at a time. */
export const BASIC_INSUTYPES: ReadonlySet<string> = new Set(['310', '390']);

/** Which person types an insurance type admits: employees' insurance for workers and retirees, residents' for the rest. */
export function psnTypeFits(insutype: string, psnType: string): boolean {
  const employeeSide = /^1[123]/.test(psnType);
  if (['310', '320', '330', '340', '370', '510'].includes(insutype)) return employeeSide;
  if (['390', '392'].includes(insutype)) return !employeeSide;
  return true;
}

export interface NewEnrollment {
  psn_no: string;
  insutype: string;
  psn_type: string;
  /** Defaults to the person's insured region. */
  insuplc_admdvs?: string | undefined;
  emp_no?: string | null | undefined;
  emp_name?: string | null | undefined;
  /** Begin date (yyyy-mm-dd); defaults to today. */
  psn_insu_date?: string | undefined;
}

function checkFields(p: Problems, input: { insutype: string; psn_type: string; emp_name?: string | null | undefined; psn_insu_date?: string | undefined }): void {
  if (!isCode(INSUTYPES, input.insutype)) p.add('insutype', `险种类型应为 ${Object.keys(INSUTYPES).join('/')}`, `expected one of ${Object.keys(INSUTYPES).join(', ')}`);
  if (!isCode(PSN_TYPES, input.psn_type)) p.add('psn_type', `人员类别应为 ${Object.keys(PSN_TYPES).join('/')}`, `expected one of ${Object.keys(PSN_TYPES).join(', ')}`);
  else if (isCode(INSUTYPES, input.insutype) && !psnTypeFits(input.insutype, input.psn_type)) {
    p.add('psn_type', `人员类别 ${input.psn_type} 不能参加险种 ${input.insutype}`, `person type ${input.psn_type} cannot enroll in insurance type ${input.insutype}`);
  }
  if (input.insutype === '310' && (input.psn_type === '1101' || input.psn_type === '1102') && !input.emp_name) {
    p.add('emp_name', '在职职工参保须填单位名称', 'an employee enrollment needs the employer name');
  }
  if (input.psn_insu_date !== undefined) p.date('psn_insu_date', input.psn_insu_date, 'record');
}

async function activeEnrollments(q: Queryable, psnNo: string, lock: boolean): Promise<Enrollment[]> {
  const r = await q.query<Enrollment>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments WHERE psn_no = $1 AND psn_insu_stas = '1' ORDER BY id ${lock ? 'FOR UPDATE' : ''}`,
    [psnNo],
  );
  return r.rows;
}

/** Locks the person's row so that concurrent enrollments or transfers of one person serialise. */
async function lockPerson(q: Queryable, psnNo: string, field: string) {
  const r = await q.query<{ psn_no: string }>('SELECT psn_no FROM persons WHERE psn_no = $1 FOR UPDATE', [psnNo]);
  if (!r.rowCount) throw notFound(field, `人员编号 ${psnNo} 不存在`, `no person with psn_no ${psnNo}`);
  const person = await findPersonByPsnNo(q, psnNo);
  return person!;
}

function duplicateError(existing: Enrollment): never {
  throw conflict(
    'insutype',
    `已有有效的基本医保参保（险种 ${existing.insutype}，${existing.insuplc_admdvs}，自 ${existing.psn_insu_date}），不能重复参保；跨统筹区请办理转移接续`,
    `already actively enrolled in basic insurance ${existing.insutype} in ${existing.insuplc_admdvs} since ${existing.psn_insu_date}; use a transfer to move between regions`,
  );
}

/** Enrolls a person. Conflict when they already hold an active basic enrollment (or this very insurance type). */
export async function enroll(q: Queryable, input: NewEnrollment, ctx: WriteContext): Promise<Enrollment> {
  const p = new Problems();
  checkFields(p, input);
  p.throwIfAny();
  const person = await lockPerson(q, input.psn_no, 'psn_no');
  const admdvs = input.insuplc_admdvs ?? person.insuplc_admdvs;
  await requireInsuranceRegion(q, admdvs, 'insuplc_admdvs');
  const begin = input.psn_insu_date ?? chinaDate(ctx.now);
  if (begin < person.brdy) throw invalid('psn_insu_date', '参保日期早于出生日期', 'the enrollment begins before the person was born');
  for (const e of await activeEnrollments(q, person.psn_no, true)) {
    if (BASIC_INSUTYPES.has(input.insutype) && BASIC_INSUTYPES.has(e.insutype)) duplicateError(e);
    if (e.insutype === input.insutype) {
      throw conflict('insutype', `险种 ${e.insutype} 已有有效参保（${e.insuplc_admdvs}）`, `already actively enrolled in insurance type ${e.insutype} in ${e.insuplc_admdvs}`);
    }
  }
  const enrollment = await insertEnrollment(q, {
    psn_no: person.psn_no, insutype: input.insutype as Insutype, psn_type: input.psn_type as PsnType, insuplc_admdvs: admdvs,
    emp_no: input.emp_no ?? null, emp_name: input.emp_name ?? null, psn_insu_date: begin, transferred_from: null,
  });
  if (BASIC_INSUTYPES.has(input.insutype) && admdvs !== person.insuplc_admdvs) {
    await q.query('UPDATE persons SET insuplc_admdvs = $2 WHERE psn_no = $1', [person.psn_no, admdvs]);
  }
  if (input.insutype === '310') {
    await q.query(
      `INSERT INTO personal_accounts (psn_no, insuplc_admdvs) VALUES ($1, $2)
       ON CONFLICT (psn_no) DO UPDATE SET insuplc_admdvs = excluded.insuplc_admdvs`,
      [person.psn_no, admdvs],
    );
  }
  await writeAudit(q, ctx, 'enrollment.create', person.psn_no, { ...enrollment });
  return enrollment;
}

async function insertEnrollment(
  q: Queryable,
  e: Omit<Enrollment, 'id' | 'psn_insu_stas' | 'end_date' | 'paus_insu_date'>,
): Promise<Enrollment> {
  try {
    const r = await q.query<Enrollment>(
      `INSERT INTO enrollments (psn_no, insutype, psn_type, insuplc_admdvs, emp_no, emp_name, psn_insu_stas, psn_insu_date, transferred_from)
       VALUES ($1,$2,$3,$4,$5,$6,'1',$7,$8) RETURNING ${ENROLLMENT_COLUMNS}`,
      [e.psn_no, e.insutype, e.psn_type, e.insuplc_admdvs, e.emp_no, e.emp_name, e.psn_insu_date, e.transferred_from],
    );
    return r.rows[0]!;
  } catch (err) {
    // The partial unique index is the last word if two requests raced past the check.
    if ((err as { code?: string }).code === '23505') {
      throw conflict('insutype', '已有有效的基本医保参保，不能重复参保', 'already actively enrolled in basic insurance');
    }
    throw err;
  }
}

export interface TransferInput {
  psn_no: string;
  /** The region the person moves to. */
  to_admdvs: string;
  /** First day in the new region (yyyy-mm-dd); the old period ends the day before. Defaults to today. */
  transfer_date?: string | undefined;
  /** Defaults to the old enrollment's values. */
  insutype?: string | undefined;
  psn_type?: string | undefined;
  emp_no?: string | null | undefined;
  emp_name?: string | null | undefined;
}

export type TransferResult = Type.Static<typeof TransferResultSchema>;

/**
 * 转移接续: ends the active basic enrollment (and the supplementary ones of the same region),
 * opens a new one in the destination pointing back at it, and moves the personal account.
 */
export async function transfer(q: Queryable, input: TransferInput, ctx: WriteContext): Promise<TransferResult> {
  const p = new Problems();
  if (input.transfer_date !== undefined) p.date('transfer_date', input.transfer_date, 'record');
  p.throwIfAny();
  const person = await lockPerson(q, input.psn_no, 'psn_no');
  const to = await requireInsuranceRegion(q, input.to_admdvs, 'to_admdvs');
  const active = await activeEnrollments(q, person.psn_no, true);
  const basic = active.find((e) => BASIC_INSUTYPES.has(e.insutype));
  if (!basic) throw conflict('psn_no', '没有有效的基本医保参保，无法转移', 'no active basic enrollment to transfer');
  const from = await requireInsuranceRegion(q, basic.insuplc_admdvs, 'insuplc_admdvs');
  if (from.pooling_admdvs === to.pooling_admdvs) {
    throw invalid('to_admdvs', `转入地与转出地同属统筹区 ${to.pooling_admdvs}，无需转移接续`, `source and destination are both in pooling region ${to.pooling_admdvs}; no transfer needed`);
  }
  const date = input.transfer_date ?? chinaDate(ctx.now);
  if (date <= basic.psn_insu_date) {
    throw invalid('transfer_date', `转移日期应晚于原参保开始日期 ${basic.psn_insu_date}`, `the transfer must come after the current enrollment began (${basic.psn_insu_date})`);
  }
  const fields = {
    insutype: input.insutype ?? basic.insutype,
    psn_type: input.psn_type ?? basic.psn_type,
    emp_name: input.emp_name === undefined ? basic.emp_name : input.emp_name,
    psn_insu_date: date,
  };
  checkFields(p, fields);
  if (!BASIC_INSUTYPES.has(fields.insutype)) p.add('insutype', '转入险种应为基本医保 310 或 390', 'the destination insurance type must be basic (310 or 390)');
  p.throwIfAny();

  const endDate = addDays(date, -1);
  const closed: Enrollment[] = [];
  for (const e of active.filter((a) => a.insuplc_admdvs === basic.insuplc_admdvs)) {
    const r = await q.query<Enrollment>(
      `UPDATE enrollments SET psn_insu_stas = '4', end_date = GREATEST($2::date, psn_insu_date) WHERE id = $1 RETURNING ${ENROLLMENT_COLUMNS}`,
      [e.id, endDate],
    );
    closed.push(r.rows[0]!);
  }
  const opened = await insertEnrollment(q, {
    psn_no: person.psn_no, insutype: fields.insutype as Insutype, psn_type: fields.psn_type as PsnType, insuplc_admdvs: to.code,
    emp_no: input.emp_no === undefined ? (input.emp_name === undefined ? basic.emp_no : null) : input.emp_no,
    emp_name: fields.emp_name, psn_insu_date: date, transferred_from: basic.id,
  });
  await q.query('UPDATE persons SET insuplc_admdvs = $2 WHERE psn_no = $1', [person.psn_no, to.code]);
  if (opened.insutype === '310') {
    // The personal account's balance moves with the person (个人账户随转移接续).
    await q.query(
      `INSERT INTO personal_accounts (psn_no, insuplc_admdvs) VALUES ($1, $2)
       ON CONFLICT (psn_no) DO UPDATE SET insuplc_admdvs = excluded.insuplc_admdvs`,
      [person.psn_no, to.code],
    );
  } else {
    await q.query('UPDATE personal_accounts SET insuplc_admdvs = $2 WHERE psn_no = $1', [person.psn_no, to.code]);
  }
  await writeAudit(q, ctx, 'enrollment.transfer', person.psn_no, {
    from: basic.insuplc_admdvs, to: to.code, closed: closed.map((c) => c.id), opened: opened.id, transfer_date: date,
  });
  return { closed, opened };
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
