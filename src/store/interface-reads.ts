import type { Queryable } from './db.ts';

// Reads of the registry (001_registry.sql) that the national interface answers from:
// persons by certificate, their enrollments, identities, account, contributions, and
// institutions. Read-only; the registry's own module owns every write.

export interface PersonRow {
  psn_no: string;
  psn_cert_type: string;
  certno: string;
  psn_name: string;
  gend: string;
  naty: string;
  brdy: string; // yyyy-mm-dd
  insuplc_admdvs: string;
}

const PERSON_COLUMNS = `p.psn_no, p.psn_cert_type, p.certno, p.psn_name, p.gend, p.naty, p.brdy, p.insuplc_admdvs`;

export async function findPersonByCertno(db: Queryable, certno: string): Promise<PersonRow | undefined> {
  const res = await db.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM persons p WHERE p.certno = $1`, [certno]);
  return res.rows[0];
}

export async function findPersonByPsnNo(db: Queryable, psnNo: string): Promise<PersonRow | undefined> {
  const res = await db.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM persons p WHERE p.psn_no = $1`, [psnNo]);
  return res.rows[0];
}

export interface CertRow {
  person: PersonRow;
  card_sn: string | null;
  valid_until: string | null;
}

/** An electronic voucher (01) or social security card (03) and its holder. */
export async function findPersonByMdtrtCert(db: Queryable, certType: '01' | '03', certNo: string): Promise<CertRow | undefined> {
  const res = await db.query<PersonRow & { card_sn: string | null; valid_until: string | null }>(
    `SELECT ${PERSON_COLUMNS}, c.card_sn, c.valid_until
       FROM person_certs c JOIN persons p ON p.psn_no = c.psn_no
      WHERE c.mdtrt_cert_type = $1 AND c.mdtrt_cert_no = $2`,
    [certType, certNo],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  const { card_sn, valid_until, ...person } = row;
  return { person, card_sn, valid_until };
}

export interface EnrollmentRow {
  id: number;
  insutype: string;
  psn_type: string;
  insuplc_admdvs: string;
  admdvs_name: string;
  emp_no: string | null;
  emp_name: string | null;
  psn_insu_stas: string;
  psn_insu_date: string;
  end_date: string | null;
  paus_insu_date: string | null;
  transferred_from: number | null;
}

const ENROLLMENT_COLUMNS = `e.id, e.insutype, e.psn_type, e.insuplc_admdvs, r.name AS admdvs_name, e.emp_no, e.emp_name,
  e.psn_insu_stas, e.psn_insu_date, e.end_date, e.paus_insu_date, e.transferred_from`;

/** Enrollments in force on `date` (begun, not ended), whatever their status. */
export async function enrollmentsOn(db: Queryable, psnNo: string, date: string): Promise<EnrollmentRow[]> {
  const res = await db.query<EnrollmentRow>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments e JOIN regions r ON r.code = e.insuplc_admdvs
      WHERE e.psn_no = $1 AND e.psn_insu_date <= $2 AND (e.end_date IS NULL OR e.end_date >= $2)
      ORDER BY e.insutype, e.psn_insu_date`,
    [psnNo, date],
  );
  return res.rows;
}

/** Every enrollment of the person in every region this deployment holds, oldest first. */
export async function enrollmentHistory(db: Queryable, psnNo: string): Promise<EnrollmentRow[]> {
  const res = await db.query<EnrollmentRow>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments e JOIN regions r ON r.code = e.insuplc_admdvs
      WHERE e.psn_no = $1 ORDER BY e.psn_insu_date, e.id`,
    [psnNo],
  );
  return res.rows;
}

export interface ContributionRow {
  enrollment_id: number;
  insuplc_admdvs: string;
  insutype: string;
  year: number;
  amount_fen: number;
  payer: string;
  paid_on: string;
}

export async function contributionsOf(db: Queryable, psnNo: string, fromYear: number, toYear: number): Promise<ContributionRow[]> {
  const res = await db.query<ContributionRow>(
    `SELECT enrollment_id, insuplc_admdvs, insutype, year, amount_fen, payer, paid_on FROM contributions
      WHERE psn_no = $1 AND year BETWEEN $2 AND $3 ORDER BY year, paid_on, id`,
    [psnNo, fromYear, toYear],
  );
  return res.rows;
}

export interface IdentityRow {
  psn_idet_type: string;
  begntime: string;
  endtime: string | null;
  memo: string | null;
}

/** Identities valid on `date`. */
export async function identitiesOn(db: Queryable, psnNo: string, date: string): Promise<IdentityRow[]> {
  const res = await db.query<IdentityRow>(
    `SELECT psn_idet_type, begntime, endtime, memo FROM person_identities
      WHERE psn_no = $1 AND begntime <= $2 AND (endtime IS NULL OR endtime >= $2)
      ORDER BY begntime, id`,
    [psnNo, date],
  );
  return res.rows;
}

export async function accountBalanceFen(db: Queryable, psnNo: string): Promise<number> {
  const res = await db.query<{ balc_fen: number }>(`SELECT balc_fen FROM personal_accounts WHERE psn_no = $1`, [psnNo]);
  return res.rows[0]?.balc_fen ?? 0;
}

export interface InstitutionRow {
  fixmedins_code: string;
  fixmedins_name: string;
  fixmedins_type: string;
  hosp_lv: string;
  admdvs: string;
  admdvs_name: string;
  address: string;
  lat: number | null;
  lng: number | null;
  settles_cross_prov_outpatient: boolean;
  settles_inpatient: boolean;
  settles_chronic: boolean;
  settles_outpatient_pooling: boolean;
}

export interface InstitutionFilter {
  fixmedins_code?: string | undefined;
  /** Substring of the name. */
  fixmedins_name?: string | undefined;
  fixmedins_type?: string | undefined;
  /** A region code: the institutions of it and of the regions under it. */
  admdvs?: string | undefined;
}

export async function findInstitutions(db: Queryable, filter: InstitutionFilter, limit: number): Promise<InstitutionRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.fixmedins_code) where.push(`i.fixmedins_code = $${args.push(filter.fixmedins_code)}`);
  if (filter.fixmedins_name) where.push(`strpos(i.fixmedins_name, $${args.push(filter.fixmedins_name)}) > 0`);
  if (filter.fixmedins_type) where.push(`i.fixmedins_type = $${args.push(filter.fixmedins_type)}`);
  if (filter.admdvs) {
    // 430000 → every 43xxxx; 430200 → every 4302xx; a county → itself.
    const prefix = filter.admdvs.replace(/(00)+$/, '');
    where.push(`left(i.admdvs, $${args.push(prefix.length)}) = $${args.push(prefix)}`);
  }
  const res = await db.query<InstitutionRow>(
    `SELECT i.fixmedins_code, i.fixmedins_name, i.fixmedins_type, i.hosp_lv, i.admdvs, r.name AS admdvs_name, i.address,
            i.lat, i.lng, i.settles_cross_prov_outpatient, i.settles_inpatient, i.settles_chronic, i.settles_outpatient_pooling
       FROM institutions i JOIN regions r ON r.code = i.admdvs
      ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY i.fixmedins_code LIMIT $${args.push(limit)}`,
    args,
  );
  return res.rows;
}
