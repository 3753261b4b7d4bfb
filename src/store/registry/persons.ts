import type { Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { PersonCertSchema, PersonSchema } from './schemas.ts';

// Insured persons (参保人). The ID number is the natural key people bring; psn_no is the
// platform's own number, issued once per person by the pooling region that registers them and
// kept for life (a transfer to another region does not renumber the person). The reads and
// writes only: registering and issuing certificates are src/app/registry/persons.ts.

export type Person = Type.Static<typeof PersonSchema>;

export const PERSON_COLUMNS = 'psn_no, psn_cert_type, certno, psn_name, gend, brdy, naty, tel, addr, insuplc_admdvs, live_admdvs';

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

/** The psn_no already registered under an ID number, if any. */
export async function psnNoOfCertno(q: Queryable, certno: string): Promise<string | undefined> {
  const r = await q.query<{ psn_no: string }>('SELECT psn_no FROM persons WHERE certno = $1', [certno]);
  return r.rows[0]?.psn_no;
}

export async function insertPerson(q: Queryable, person: Person, createdAt: Date): Promise<void> {
  await q.query(
    `INSERT INTO persons (${PERSON_COLUMNS}, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
    [person.psn_no, person.psn_cert_type, person.certno, person.psn_name, person.gend, person.brdy, person.naty, person.tel, person.addr,
      person.insuplc_admdvs, person.live_admdvs, createdAt],
  );
}

/** Locks the person's row so that concurrent writes about one person serialise; false when there is none. */
export async function lockPerson(q: Queryable, psnNo: string): Promise<boolean> {
  const r = await q.query<{ psn_no: string }>('SELECT psn_no FROM persons WHERE psn_no = $1 FOR UPDATE', [psnNo]);
  return (r.rowCount ?? 0) > 0;
}

export async function setPersonInsuranceRegion(q: Queryable, psnNo: string, admdvs: string): Promise<void> {
  await q.query('UPDATE persons SET insuplc_admdvs = $2 WHERE psn_no = $1', [psnNo, admdvs]);
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

export type PersonCert = Type.Static<typeof PersonCertSchema>;

export async function listPersonCerts(q: Queryable, psnNo: string): Promise<PersonCert[]> {
  const r = await q.query<PersonCert>(
    'SELECT mdtrt_cert_type, mdtrt_cert_no, card_sn, valid_until FROM person_certs WHERE psn_no = $1 ORDER BY mdtrt_cert_type, mdtrt_cert_no',
    [psnNo],
  );
  return r.rows;
}

/** Inserts a certificate; false when its number is taken. */
export async function insertPersonCert(q: Queryable, psnNo: string, cert: PersonCert): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO person_certs (mdtrt_cert_type, mdtrt_cert_no, psn_no, card_sn, valid_until) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT DO NOTHING`,
    [cert.mdtrt_cert_type, cert.mdtrt_cert_no, psnNo, cert.card_sn, cert.valid_until],
  );
  return r.rowCount !== 0;
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
