// 参保 and 转移接续: who may be enrolled in what, and what a transfer ends and opens. The store
// (src/store/registry/enrollments.ts, persons.ts) only reads and writes the rows.
import { addDays, chinaDate } from '../../engine/calendar.ts';
import { INSUTYPES, isCode, PSN_TYPES, type Insutype, type PsnType } from '../../engine/codes.ts';
import { conflict, invalid, notFound, Problems } from '../../engine/errors.ts';
import type { Type } from 'typebox';
import type { Queryable } from '../../store/db.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import {
  activeEnrollments, endEnrollmentByTransfer, insertEnrollment, movePersonalAccount, openPersonalAccount, type Enrollment,
} from '../../store/registry/enrollments.ts';
import { findPersonByPsnNo, lockPerson, setPersonInsuranceRegion, type Person } from '../../store/registry/persons.ts';
import type { TransferResultSchema } from '../../store/registry/schemas.ts';
import { requireInsuranceRegion } from './regions.ts';

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

/** The fields of an enrollment, old or new: known codes, a person type the insurance admits, an employee's employer. */
export function checkEnrollmentFields(p: Problems, input: { insutype: string; psn_type: string; emp_name?: string | null | undefined; psn_insu_date?: string | undefined }): void {
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

/** The person, locked so that concurrent enrollments or transfers of one person serialise. */
async function lockedPerson(q: Queryable, psnNo: string, field: string): Promise<Person> {
  if (!(await lockPerson(q, psnNo))) throw notFound(field, `人员编号 ${psnNo} 不存在`, `no person with psn_no ${psnNo}`);
  return (await findPersonByPsnNo(q, psnNo))!;
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
  checkEnrollmentFields(p, input);
  p.throwIfAny();
  const person = await lockedPerson(q, input.psn_no, 'psn_no');
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
  // A basic enrollment elsewhere moves the person's insured region; the employees' insurance has a personal account.
  if (BASIC_INSUTYPES.has(input.insutype) && admdvs !== person.insuplc_admdvs) await setPersonInsuranceRegion(q, person.psn_no, admdvs);
  if (input.insutype === '310') await openPersonalAccount(q, person.psn_no, admdvs);
  await writeAudit(q, ctx, 'enrollment.create', person.psn_no, { ...enrollment });
  return enrollment;
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
  const person = await lockedPerson(q, input.psn_no, 'psn_no');
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
  checkEnrollmentFields(p, fields);
  if (!BASIC_INSUTYPES.has(fields.insutype)) p.add('insutype', '转入险种应为基本医保 310 或 390', 'the destination insurance type must be basic (310 or 390)');
  p.throwIfAny();

  // What the transfer ends: every active enrollment of the old region, the day before.
  const endDate = addDays(date, -1);
  const closed: Enrollment[] = [];
  for (const e of active.filter((a) => a.insuplc_admdvs === basic.insuplc_admdvs)) closed.push(await endEnrollmentByTransfer(q, e.id, endDate));
  const opened = await insertEnrollment(q, {
    psn_no: person.psn_no, insutype: fields.insutype as Insutype, psn_type: fields.psn_type as PsnType, insuplc_admdvs: to.code,
    // A new employer without its number leaves the number empty rather than keep the old employer's.
    emp_no: input.emp_no === undefined ? (input.emp_name === undefined ? basic.emp_no : null) : input.emp_no,
    emp_name: fields.emp_name, psn_insu_date: date, transferred_from: basic.id,
  });
  await setPersonInsuranceRegion(q, person.psn_no, to.code);
  // The personal account's balance moves with the person (个人账户随转移接续); employees' insurance opens one.
  if (opened.insutype === '310') await openPersonalAccount(q, person.psn_no, to.code);
  else await movePersonalAccount(q, person.psn_no, to.code);
  await writeAudit(q, ctx, 'enrollment.transfer', person.psn_no, {
    from: basic.insuplc_admdvs, to: to.code, closed: closed.map((c) => c.id), opened: opened.id, transfer_date: date,
  });
  return { closed, opened };
}
