import crypto from 'node:crypto';
import type { Queryable } from '../db.ts';

// Card and voucher passwords (密码) for settlement. Kept as sha256 of psn_no ':' password on
// person_certs; the person number salts it so equal passwords of two people differ. Checked
// where the interface requires it: a settlement within the card's province.

export function passwordHash(psnNo: string, password: string): string {
  return crypto.createHash('sha256').update(`${psnNo}:${password}`).digest('hex');
}

/** Sets (or with null clears) the password of a medical certificate of the person; false when there is no such certificate. */
export async function setCertPassword(q: Queryable, psnNo: string, mdtrtCertType: string, mdtrtCertNo: string, password: string | null): Promise<boolean> {
  const r = await q.query(
    `UPDATE person_certs SET pwd_sha256 = $4 WHERE psn_no = $1 AND mdtrt_cert_type = $2 AND mdtrt_cert_no = $3`,
    [psnNo, mdtrtCertType, mdtrtCertNo, password === null ? null : passwordHash(psnNo, password)],
  );
  return r.rowCount === 1;
}
