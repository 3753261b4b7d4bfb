// 人员登记: registering an insured person (the ID number says sex and birth date; psn_no is issued
// by the pooling region), their medical certificates, and who a certificate names. The store
// (src/store/registry/persons.ts) only reads and writes the rows.
import { chinaDate } from '../../engine/calendar.ts';
import { parseIdCard } from '../../engine/idcard.ts';
import { conflict, invalid, notFound, Problems } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import { getPersonalAccount, type PersonalAccount } from '../../store/registry/contributions.ts';
import { listEnrollments, type Enrollment } from '../../store/registry/enrollments.ts';
import { identitiesOn, type Identity } from '../../store/registry/identities.ts';
import {
  findMdtrtCert, findPersonByCertno, insertPerson, insertPersonCert, issuePsnNo, listPersonCerts, psnNoOfCertno,
  type Person, type PersonCert,
} from '../../store/registry/persons.ts';
import { getRegion } from '../../store/registry/regions.ts';
import { requireInsuranceRegion } from './regions.ts';

export interface NewPerson {
  certno: string;
  psn_name: string;
  insuplc_admdvs: string;
  live_admdvs?: string | null | undefined;
  naty?: string | undefined;
  tel?: string | null | undefined;
  addr?: string | null | undefined;
  /** Optional; when given, must agree with what the ID number says. */
  gend?: string | undefined;
  brdy?: string | undefined;
}

/** Resolves a path parameter that is an ID number; a malformed one is the client's mistake, an unknown one not found. */
export async function requirePersonByCertno(q: Queryable, certno: string, field = 'certno'): Promise<Person> {
  const id = parseIdCard(certno);
  if (!id.ok) throw invalid(field, id.problem.zh, id.problem.en);
  const person = await findPersonByCertno(q, id.value.certno);
  if (!person) throw notFound(field, `身份证号 ${id.value.certno} 无参保登记`, `no person is registered with ID number ${id.value.certno}`);
  return person;
}

const NAME_RE = /^[\p{Script=Han}A-Za-z·．. ]{1,50}$/u;

/** A new person's row (without psn_no) and their pooling region; refuses what the ID number contradicts. */
export async function validateNewPerson(q: Queryable, input: NewPerson, today: string): Promise<Omit<Person, 'psn_no'> & { pooling: string }> {
  const p = new Problems();
  const id = typeof input.certno === 'string' ? parseIdCard(input.certno, today) : undefined;
  if (!id) p.add('certno', '身份证号不能为空', 'an ID number is required');
  else if (!id.ok) p.add('certno', id.problem.zh, id.problem.en);
  if (typeof input.psn_name !== 'string' || !NAME_RE.test(input.psn_name.trim())) {
    p.add('psn_name', '姓名应为 1-50 个汉字或字母', 'a name of 1-50 Chinese characters or letters is required');
  }
  if (id?.ok && input.gend !== undefined && input.gend !== id.value.gend) {
    p.add('gend', `性别与身份证号不符（应为 ${id.value.gend}）`, `sex disagrees with the ID number (expected ${id.value.gend})`);
  }
  if (id?.ok && input.brdy !== undefined && input.brdy !== id.value.brdy) {
    p.add('brdy', `出生日期与身份证号不符（应为 ${id.value.brdy}）`, `birth date disagrees with the ID number (expected ${id.value.brdy})`);
  }
  if (input.naty !== undefined && !/^[0-9]{2}$/.test(input.naty)) p.add('naty', '民族代码应为 2 位数字', 'expected a 2-digit ethnicity code');
  p.throwIfAny();
  const region = await requireInsuranceRegion(q, input.insuplc_admdvs, 'insuplc_admdvs');
  if (input.live_admdvs != null && !(await getRegion(q, input.live_admdvs))) {
    throw notFound('live_admdvs', `居住地区划 ${input.live_admdvs} 不存在`, `region ${input.live_admdvs} is not known`);
  }
  const v = (id as { ok: true; value: { certno: string; gend: '1' | '2'; brdy: string } }).value;
  return {
    psn_cert_type: '01',
    certno: v.certno,
    psn_name: input.psn_name.trim(),
    gend: v.gend,
    brdy: v.brdy,
    naty: input.naty ?? '01',
    tel: input.tel ?? null,
    addr: input.addr ?? null,
    insuplc_admdvs: input.insuplc_admdvs,
    live_admdvs: input.live_admdvs ?? null,
    pooling: region.pooling_admdvs,
  };
}

/** Registers a person; conflict when the ID number is already registered. */
export async function createPerson(q: Queryable, input: NewPerson, ctx: WriteContext): Promise<Person> {
  const v = await validateNewPerson(q, input, chinaDate(ctx.now));
  const existing = await psnNoOfCertno(q, v.certno);
  if (existing !== undefined) {
    throw conflict('certno', `身份证号 ${v.certno} 已登记（人员编号 ${existing}）`, `ID number ${v.certno} is already registered`);
  }
  const psn_no = await issuePsnNo(q, v.pooling);
  const { pooling: _pooling, ...fields } = v;
  const person: Person = { psn_no, ...fields };
  await insertPerson(q, person, ctx.now);
  await writeAudit(q, ctx, 'person.create', psn_no, { certno: person.certno, insuplc_admdvs: person.insuplc_admdvs });
  return person;
}

/** Issues a voucher token (01) or a social security card (03, which needs its card_sn) to a person. */
export async function addPersonCert(q: Queryable, psnNo: string, cert: PersonCert, ctx: WriteContext): Promise<void> {
  if (cert.mdtrt_cert_type === '03' && !cert.card_sn) throw invalid('card_sn', '社会保障卡须有卡识别码', 'a social security card needs its card_sn');
  if (!(await insertPersonCert(q, psnNo, cert))) throw conflict('mdtrt_cert_no', '该凭证号已被使用', 'this certificate number is already in use');
  await writeAudit(q, ctx, 'person_cert.add', psnNo, { mdtrt_cert_type: cert.mdtrt_cert_type, mdtrt_cert_no: cert.mdtrt_cert_no });
}

/**
 * The person a medical certificate (就诊凭证) names: 01 electronic voucher token, 02 ID number,
 * 03 social security card (its card_sn must match when given); undefined when it names no one.
 */
export async function findPersonByMdtrtCert(q: Queryable, mdtrtCertType: string, mdtrtCertNo: string, cardSn?: string): Promise<Person | undefined> {
  if (mdtrtCertType === '02') return findPersonByCertno(q, mdtrtCertNo);
  if (mdtrtCertType !== '01' && mdtrtCertType !== '03') return undefined;
  const cert = await findMdtrtCert(q, mdtrtCertType, mdtrtCertNo);
  if (!cert) return undefined;
  if (mdtrtCertType === '03' && cardSn !== undefined && cert.card_sn !== cardSn) return undefined;
  return cert.person;
}

export interface PersonDetail extends Person {
  enrollments: Enrollment[];
  identities: Identity[];
  personal_account: PersonalAccount | null;
  mdtrt_certs: PersonCert[];
}

/** A person with their enrollments, the identities in force today, the personal account and the certificates. */
export async function personDetail(q: Queryable, person: Person, today: string): Promise<PersonDetail> {
  return {
    ...person,
    enrollments: await listEnrollments(q, person.psn_no),
    identities: await identitiesOn(q, person.psn_no, today),
    personal_account: (await getPersonalAccount(q, person.psn_no)) ?? null,
    mdtrt_certs: await listPersonCerts(q, person.psn_no),
  };
}
