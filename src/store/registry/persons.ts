import { chinaDate } from '../../engine/calendar.ts';
import { parseIdCard } from '../../engine/idcard.ts';
import { conflict, invalid, notFound, Problems } from '../../engine/errors.ts';
import type { Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { PersonCertSchema, PersonSchema } from './schemas.ts';
import { writeAudit, type WriteContext } from '../audit.ts';
import { getRegion, requireInsuranceRegion } from './regions.ts';

// Insured persons (参保人). The ID number is the natural key people bring; psn_no is the
// platform's own number, issued once per person by the pooling region that registers them and
// kept for life (a transfer to another region does not renumber the person).

export type Person = Type.Static<typeof PersonSchema>;

export const PERSON_COLUMNS = 'psn_no, psn_cert_type, certno, psn_name, gend, brdy, naty, tel, addr, insuplc_admdvs, live_admdvs';

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

/** psn_no: the pooling region's 6 digits and a 10-digit serial. */
export function formatPsnNo(poolingAdmdvs: string, serial: number): string {
  return poolingAdmdvs + String(serial).padStart(10, '0');
}

/** Issues the next psn_no of a pooling region; the upsert holds the serial's row lock until commit. */
export async function issuePsnNo(q: Queryable, poolingAdmdvs: string): Promise<string> {
  const r = await q.query<{ serial: number }>(
    `INSERT INTO psn_no_serials (admdvs, next) VALUES ($1, 2)
     ON CONFLICT (admdvs) DO UPDATE SET next = psn_no_serials.next + 1
     RETURNING next - 1 AS serial`,
    [poolingAdmdvs],
  );
  return formatPsnNo(poolingAdmdvs, r.rows[0]!.serial);
}

const NAME_RE = /^[\p{Script=Han}A-Za-z·．. ]{1,50}$/u;

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
  const existing = await q.query('SELECT psn_no FROM persons WHERE certno = $1', [v.certno]);
  if (existing.rowCount) {
    throw conflict('certno', `身份证号 ${v.certno} 已登记（人员编号 ${existing.rows[0].psn_no}）`, `ID number ${v.certno} is already registered`);
  }
  const psn_no = await issuePsnNo(q, v.pooling);
  const { pooling: _pooling, ...fields } = v;
  const person: Person = { psn_no, ...fields };
  await q.query(
    `INSERT INTO persons (${PERSON_COLUMNS}, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
    [psn_no, person.psn_cert_type, person.certno, person.psn_name, person.gend, person.brdy, person.naty, person.tel, person.addr,
      person.insuplc_admdvs, person.live_admdvs, ctx.now],
  );
  await writeAudit(q, ctx, 'person.create', psn_no, { certno: person.certno, insuplc_admdvs: person.insuplc_admdvs });
  return person;
}

export async function findPersonByCertno(q: Queryable, certno: string): Promise<Person | undefined> {
  const r = await q.query<Person>(`SELECT ${PERSON_COLUMNS} FROM persons WHERE certno = $1`, [certno.trim().toUpperCase()]);
  return r.rows[0];
}

export async function findPersonByPsnNo(q: Queryable, psnNo: string): Promise<Person | undefined> {
  const r = await q.query<Person>(`SELECT ${PERSON_COLUMNS} FROM persons WHERE psn_no = $1`, [psnNo]);
  return r.rows[0];
}

export interface MdtrtCert {
  person: Person;
  card_sn: string | null;
  valid_until: string | null;
}

/**
 * An electronic voucher (01) or social security card (03) and its holder, with what a caller
 * checks before trusting it: the card_sn and the last day it is valid.
 */
export async function findMdtrtCert(q: Queryable, mdtrtCertType: '01' | '03', mdtrtCertNo: string): Promise<MdtrtCert | undefined> {
  const r = await q.query<Person & { card_sn: string | null; valid_until: string | null }>(
    `SELECT ${PERSON_COLUMNS.split(', ').map((c) => 'p.' + c).join(', ')}, c.card_sn, c.valid_until
       FROM person_certs c JOIN persons p USING (psn_no)
      WHERE c.mdtrt_cert_type = $1 AND c.mdtrt_cert_no = $2`,
    [mdtrtCertType, mdtrtCertNo],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const { card_sn, valid_until, ...person } = row;
  return { person, card_sn, valid_until };
}

/**
 * The person a medical certificate (就诊凭证) names: 01 electronic voucher token, 02 ID number,
 * 03 social security card (its card_sn must match when given).
 */
export async function findPersonByMdtrtCert(q: Queryable, mdtrtCertType: string, mdtrtCertNo: string, cardSn?: string): Promise<Person | undefined> {
  if (mdtrtCertType === '02') return findPersonByCertno(q, mdtrtCertNo);
  if (mdtrtCertType !== '01' && mdtrtCertType !== '03') return undefined;
  const cert = await findMdtrtCert(q, mdtrtCertType, mdtrtCertNo);
  if (!cert) return undefined;
  if (mdtrtCertType === '03' && cardSn !== undefined && cert.card_sn !== cardSn) return undefined;
  return cert.person;
}

/** Resolves a path parameter that is an ID number; a malformed one is the client's mistake, an unknown one not found. */
export async function requirePersonByCertno(q: Queryable, certno: string, field = 'certno'): Promise<Person> {
  const id = parseIdCard(certno);
  if (!id.ok) throw invalid(field, id.problem.zh, id.problem.en);
  const person = await findPersonByCertno(q, id.value.certno);
  if (!person) throw notFound(field, `身份证号 ${id.value.certno} 无参保登记`, `no person is registered with ID number ${id.value.certno}`);
  return person;
}

export type PersonCert = Type.Static<typeof PersonCertSchema>;

export async function listPersonCerts(q: Queryable, psnNo: string): Promise<PersonCert[]> {
  const r = await q.query<PersonCert>(
    'SELECT mdtrt_cert_type, mdtrt_cert_no, card_sn, valid_until FROM person_certs WHERE psn_no = $1 ORDER BY mdtrt_cert_type, mdtrt_cert_no',
    [psnNo],
  );
  return r.rows;
}

/** Issues a voucher token (01) or a social security card (03) to a person. */
export async function addPersonCert(q: Queryable, psnNo: string, cert: PersonCert, ctx: WriteContext): Promise<void> {
  if (cert.mdtrt_cert_type === '03' && !cert.card_sn) throw invalid('card_sn', '社会保障卡须有卡识别码', 'a social security card needs its card_sn');
  const r = await q.query(
    `INSERT INTO person_certs (mdtrt_cert_type, mdtrt_cert_no, psn_no, card_sn, valid_until) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT DO NOTHING`,
    [cert.mdtrt_cert_type, cert.mdtrt_cert_no, psnNo, cert.card_sn, cert.valid_until],
  );
  if (r.rowCount === 0) throw conflict('mdtrt_cert_no', '该凭证号已被使用', 'this certificate number is already in use');
  await writeAudit(q, ctx, 'person_cert.add', psnNo, { mdtrt_cert_type: cert.mdtrt_cert_type, mdtrt_cert_no: cert.mdtrt_cert_no });
}

export interface InsuredSample {
  psn_no: string;
  certno: string;
  psn_name: string;
  insutype: string;
  insuplc_admdvs: string;
  pooling_admdvs: string;
}

/**
 * Up to `perRegion` persons of each given pooling region with an active basic enrollment (310/390),
 * in psn_no order: the demo's patients for its settlements.
 */
export async function sampleInsured(q: Queryable, poolingRegions: readonly string[], perRegion: number): Promise<InsuredSample[]> {
  const r = await q.query<InsuredSample>(
    `SELECT psn_no, certno, psn_name, insutype, insuplc_admdvs, pooling_admdvs FROM (
       SELECT p.psn_no, p.certno, p.psn_name, e.insutype, e.insuplc_admdvs,
              CASE WHEN r.is_pooling THEN r.code ELSE r.pooling_admdvs END AS pooling_admdvs,
              row_number() OVER (PARTITION BY CASE WHEN r.is_pooling THEN r.code ELSE r.pooling_admdvs END ORDER BY p.psn_no) AS n
       FROM persons p
       JOIN enrollments e ON e.psn_no = p.psn_no AND e.insutype IN ('310', '390') AND e.psn_insu_stas = '1' AND e.end_date IS NULL
       JOIN regions r ON r.code = e.insuplc_admdvs
       WHERE (CASE WHEN r.is_pooling THEN r.code ELSE r.pooling_admdvs END) = ANY($1::text[])
     ) s WHERE n <= $2 ORDER BY psn_no`,
    [poolingRegions, perRegion],
  );
  return r.rows;
}
