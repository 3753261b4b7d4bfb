import type { ReconciledRecord } from '../../engine/federation/index.ts';
import type { Queryable } from '../db.ts';

// The cross-deployment records of 031_federation.sql: one row per settlement or cancellation
// on each side (the same fed_id on both), the treatment side's copies of persons insured
// elsewhere, and the insured side's shadow visits.

/** One side's row: what reconciliation and the hub compare, and who and where. */
export interface FederationRecord extends ReconciledRecord {
  role: 'treatment' | 'insured';
  peer: string;
  psn_no: string;
  fixmedins_code: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  insutype: string;
  setl_time: Date;
}

const COLUMNS = `fed_id, role, peer, kind, orig_fed_id, setl_id, peer_setl_id, treatment_mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs,
  mdtrtarea_admvs, insutype, setl_time, clr_month, medfee_sumamt::int, fund_pay_sumamt::int, acct_pay::int, psn_cash_pay::int, owed_fen::int, by_fund, status`;

/** Records one side's row; a cancellation marks its original cancelled in the same statement. */
export async function insertFederationRecord(q: Queryable, r: FederationRecord, at: Date): Promise<void> {
  await q.query({ name: 'federation_insert_record', text: `WITH ins AS (
       INSERT INTO federation_settlements (fed_id, role, peer, kind, orig_fed_id, setl_id, peer_setl_id, treatment_mdtrt_id, psn_no, fixmedins_code,
         insuplc_admdvs, mdtrtarea_admvs, insutype, setl_time, clr_month, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, owed_fen, by_fund, status, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING 1)
     UPDATE federation_settlements SET status = 'cancelled' WHERE fed_id = $5`, values: [
      r.fed_id, r.role, r.peer, r.kind, r.orig_fed_id, r.setl_id, r.peer_setl_id, r.treatment_mdtrt_id, r.psn_no, r.fixmedins_code, r.insuplc_admdvs,
      r.mdtrtarea_admvs, r.insutype, r.setl_time, r.clr_month, r.medfee_sumamt, r.fund_pay_sumamt, r.acct_pay, r.psn_cash_pay, r.owed_fen, JSON.stringify(r.by_fund), r.status, at,
    ] });
}

export async function findFederationRecord(q: Queryable, fedId: string): Promise<FederationRecord | undefined> {
  return (await q.query<FederationRecord>(`SELECT ${COLUMNS} FROM federation_settlements WHERE fed_id = $1`, [fedId])).rows[0];
}

/** The cross-deployment record of one of this side's settlements, if it is one. */
export async function federationRecordOfSettlement(q: Queryable, setlId: string): Promise<FederationRecord | undefined> {
  return (await q.query<FederationRecord>(`SELECT ${COLUMNS} FROM federation_settlements WHERE setl_id = $1`, [setlId])).rows[0];
}

/** This side's records with one peer over [from, to) of settlement time, in fed_id order (reconciliation). */
export async function federationRecordsWith(q: Queryable, peer: string, from: Date, to: Date): Promise<FederationRecord[]> {
  return (await q.query<FederationRecord>(`SELECT ${COLUMNS} FROM federation_settlements WHERE peer = $1 AND setl_time >= $2 AND setl_time < $3 ORDER BY fed_id`, [peer, from, to])).rows;
}

/** How many settlements (any status) the visit has had: the n of its next fed_id. */
export async function settlementsOfVisit(q: Queryable, mdtrtId: string): Promise<number> {
  return (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM settlements WHERE mdtrt_id = $1 AND kind = 'settle'`, [mdtrtId])).rows[0]!.n;
}

// ---- the treatment side's copies of persons insured elsewhere ---------------------------

export interface PersonCopy {
  psn_no: string;
  psn_cert_type: string;
  certno: string;
  psn_name: string;
  gend: string;
  brdy: string;
  naty: string;
  insuplc_admdvs: string;
}

/** The owner's basic record, kept current (a visit and its settlements keep their foreign keys). */
export async function upsertPersonCopy(q: Queryable, p: PersonCopy, owner: string): Promise<void> {
  await q.query({ name: 'federation_person_copy', text: `INSERT INTO persons (psn_no, psn_cert_type, certno, psn_name, gend, brdy, naty, insuplc_admdvs, federated_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (psn_no) DO UPDATE SET psn_name = EXCLUDED.psn_name, insuplc_admdvs = EXCLUDED.insuplc_admdvs, federated_from = EXCLUDED.federated_from
        WHERE persons.federated_from IS NOT NULL`, values: [p.psn_no, p.psn_cert_type, p.certno, p.psn_name, p.gend, p.brdy, p.naty, p.insuplc_admdvs, owner] });
}

// ---- the insured side's shadow visits -----------------------------------------------------

export async function shadowVisitOf(q: Queryable, peer: string, remoteMdtrtId: string): Promise<string | undefined> {
  return (await q.query<{ mdtrt_id: string }>(`SELECT mdtrt_id FROM federation_visits WHERE peer = $1 AND remote_mdtrt_id = $2`, [peer, remoteMdtrtId])).rows[0]?.mdtrt_id;
}

export async function linkShadowVisit(q: Queryable, peer: string, remoteMdtrtId: string, mdtrtId: string): Promise<void> {
  await q.query(`INSERT INTO federation_visits (peer, remote_mdtrt_id, mdtrt_id) VALUES ($1, $2, $3)`, [peer, remoteMdtrtId, mdtrtId]);
}

/** The shadow visit's lines made those of the request: unsettled ones it no longer names are cancelled. */
export async function cancelShadowLinesExcept(q: Queryable, mdtrtId: string, keep: readonly string[]): Promise<void> {
  await q.query(`UPDATE fee_lines SET status = 'cancelled' WHERE mdtrt_id = $1 AND status = 'uploaded' AND setl_id IS NULL AND NOT (feedetl_sn = ANY($2::text[]))`, [mdtrtId, keep]);
}

export async function lineSnsOf(q: Queryable, mdtrtId: string): Promise<Set<string>> {
  return new Set((await q.query<{ feedetl_sn: string }>(`SELECT feedetl_sn FROM fee_lines WHERE mdtrt_id = $1`, [mdtrtId])).rows.map((r) => r.feedetl_sn));
}
