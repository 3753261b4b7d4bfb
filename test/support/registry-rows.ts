import crypto from 'node:crypto';
import { checkTransfer, personalAccount } from '../../src/engine/ledger.ts';
import { personalAccountBalance, postTransfer } from '../../src/store/ledger.ts';
import type { Queryable } from '../../src/store/db.ts';

// Registry rows written straight with SQL for tests that need persons and institutions
// without the registry's import paths (those are tested on their own).

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** A GB 11643 ID number with a correct check digit: region 6 + yyyymmdd + sequence 3. */
export function idNumber(region: string, brdy: string, seq: number): string {
  const body = region + brdy.replaceAll('-', '') + String(seq).padStart(3, '0');
  const sum = [...body].reduce((acc, ch, i) => acc + Number(ch) * WEIGHTS[i]!, 0);
  return body + CHECK[sum % 11];
}

export async function insertRegions(db: Queryable, rows: Array<[code: string, name: string, level: string, parent: string | null]>): Promise<void> {
  for (const [code, name, level, parent] of rows) {
    await db.query(
      `INSERT INTO regions (code, name, level, parent_code, pooling_admdvs, is_pooling) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (code) DO NOTHING`,
      [code, name, level, parent, level === 'city' ? code : level === 'county' ? parent : null, level === 'city'],
    );
  }
}

export interface InstitutionSeed {
  fixmedins_code: string;
  fixmedins_name: string;
  fixmedins_type?: '1' | '2';
  hosp_lv?: string;
  admdvs: string;
  sm2_public_key?: string | null;
  settles_cross_prov_outpatient?: boolean;
}

export async function insertInstitution(db: Queryable, s: InstitutionSeed): Promise<void> {
  await db.query(
    `INSERT INTO institutions (fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, address, lat, lng,
       settles_cross_prov_outpatient, settles_inpatient, sm2_public_key)
     VALUES ($1, $2, $3, $4, $5, $6, 27.83, 113.15, $7, true, $8)`,
    [s.fixmedins_code, s.fixmedins_name, s.fixmedins_type ?? '1', s.hosp_lv ?? '3', s.admdvs, `${s.fixmedins_name}地址`, s.settles_cross_prov_outpatient ?? false, s.sm2_public_key ?? null],
  );
}

export interface PersonSeed {
  psn_no: string;
  certno: string;
  psn_name: string;
  gend: '1' | '2';
  brdy: string;
  insuplc_admdvs: string;
  psn_cert_type?: string;
}

export async function insertPerson(db: Queryable, p: PersonSeed): Promise<void> {
  await db.query(
    `INSERT INTO persons (psn_no, psn_cert_type, certno, psn_name, gend, brdy, insuplc_admdvs) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [p.psn_no, p.psn_cert_type ?? '01', p.certno, p.psn_name, p.gend, p.brdy, p.insuplc_admdvs],
  );
}

export interface EnrollmentSeed {
  psn_no: string;
  insutype: string;
  psn_type: string;
  insuplc_admdvs: string;
  emp_name?: string | null;
  psn_insu_stas?: '1' | '2' | '4';
  psn_insu_date: string;
  end_date?: string | null;
  transferred_from?: number | null;
}

export async function insertEnrollment(db: Queryable, e: EnrollmentSeed): Promise<number> {
  const res = await db.query<{ id: number }>(
    `INSERT INTO enrollments (psn_no, insutype, psn_type, insuplc_admdvs, emp_name, psn_insu_stas, psn_insu_date, end_date, transferred_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [e.psn_no, e.insutype, e.psn_type, e.insuplc_admdvs, e.emp_name ?? null, e.psn_insu_stas ?? '1', e.psn_insu_date, e.end_date ?? null, e.transferred_from ?? null],
  );
  return res.rows[0]!.id;
}

export async function insertContribution(
  db: Queryable,
  c: { psn_no: string; enrollment_id: number; insuplc_admdvs: string; insutype: string; year: number; amount_fen: number; payer: string; paid_on: string },
): Promise<void> {
  await db.query(
    `INSERT INTO contributions (psn_no, enrollment_id, insuplc_admdvs, insutype, year, amount_fen, payer, paid_on)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [c.psn_no, c.enrollment_id, c.insuplc_admdvs, c.insutype, c.year, c.amount_fen, c.payer, c.paid_on],
  );
}

export async function insertIdentity(
  db: Queryable,
  i: { psn_no: string; psn_idet_type: string; begntime: string; endtime?: string | null; memo?: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO person_identities (psn_no, psn_idet_type, begntime, endtime, source, memo) VALUES ($1, $2, $3, $4, 'civil_affairs', $5)`,
    [i.psn_no, i.psn_idet_type, i.begntime, i.endtime ?? null, i.memo ?? null],
  );
}

export async function insertCert(
  db: Queryable,
  c: { mdtrt_cert_type: '01' | '03'; mdtrt_cert_no: string; psn_no: string; card_sn?: string | null; valid_until?: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO person_certs (mdtrt_cert_type, mdtrt_cert_no, psn_no, card_sn, valid_until) VALUES ($1, $2, $3, $4, $5)`,
    [c.mdtrt_cert_type, c.mdtrt_cert_no, c.psn_no, c.card_sn ?? null, c.valid_until ?? null],
  );
}

/** Gives the person a personal account holding `balcFen`: the difference is posted to the ledger as an opening balance. */
export async function setAccountBalance(db: Queryable, psnNo: string, insuplcAdmdvs: string, balcFen: number): Promise<void> {
  await db.query(`INSERT INTO personal_accounts (psn_no, insuplc_admdvs) VALUES ($1, $2) ON CONFLICT (psn_no) DO NOTHING`, [psnNo, insuplcAdmdvs]);
  const diff = balcFen - (await personalAccountBalance(db, psnNo));
  if (diff === 0) return;
  const [account, opening] = [personalAccount(psnNo), `opening:${insuplcAdmdvs}`];
  const legs = [diff > 0 ? { debit: account, credit: opening, amount: diff } : { debit: opening, credit: account, amount: -diff }];
  await postTransfer(db, checkTransfer({ kind: 'opening', key: `test:${crypto.randomUUID()}`, cause: { kind: 'test', id: psnNo }, legs, reverses: null, memo: null }), new Date());
}
