import type { Queryable } from '../db.ts';
import type { SettlementList } from '../../engine/settlement-list.ts';

// The SQL of settlement lists (4101A-4103), their groupings and the cases' hospital payments
// (migration 021). Each upload is a new version; the newest is `current`.

/** A stay's settlement as the list needs it, with the patient's registry facts. */
export interface ListedSettlement {
  setl_id: string;
  kind: 'settle' | 'cancel';
  status: 'settled' | 'cancelled';
  mdtrt_id: string;
  psn_no: string;
  fixmedins_code: string;
  visit_kind: string;
  insutype: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  setl_time: Date;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  psn_cash_pay: number;
  hosp_part_amt: number;
  hifp_pay: number;
  hosp_lv: string;
  gend: '1' | '2';
  brdy: string;
}

/** The settlement, locked (unless asked not to) so two uploads of one stay's list take turns. */
export async function lockListedSettlement(q: Queryable, setlId: string, lock = true): Promise<ListedSettlement | undefined> {
  const r = await q.query<ListedSettlement>(
    `SELECT s.setl_id, s.kind, s.status, s.mdtrt_id, s.psn_no, s.fixmedins_code, v.kind AS visit_kind, s.insutype, s.insuplc_admdvs, s.mdtrtarea_admvs,
            s.setl_time, s.medfee_sumamt::bigint AS medfee_sumamt, s.fund_pay_sumamt::bigint AS fund_pay_sumamt, s.acct_pay::bigint AS acct_pay,
            s.psn_cash_pay::bigint AS psn_cash_pay, s.hosp_part_amt::bigint AS hosp_part_amt, COALESCE((s.setlinfo->>'hifp_pay')::bigint, 0) AS hifp_pay,
            v.hosp_lv, p.gend, to_char(p.brdy, 'YYYY-MM-DD') AS brdy
       FROM settlements s JOIN visits v USING (mdtrt_id) JOIN persons p ON p.psn_no = s.psn_no
      WHERE s.setl_id = $1
      ${lock ? 'FOR UPDATE OF s' : ''}`,
    [setlId],
  );
  return r.rows[0];
}

export interface ListRow {
  id: number;
  setl_list_id: string;
  version: number;
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  fixmedins_code: string;
  stas_type: '0' | '1';
  adm_time: Date;
  dscg_time: Date;
  dscg_way: string;
  principal_diagnosis: string;
  main_procedure: string | null;
  setlinfo: Record<string, unknown>;
  diseinfo: unknown[];
  oprninfo: unknown[];
  icuinfo: unknown[];
  msgid: string;
  uploaded_at: Date;
}

const LIST_COLUMNS = `id::bigint AS id, setl_list_id, version, setl_id, mdtrt_id, psn_no, fixmedins_code, stas_type, adm_time, dscg_time, dscg_way,
  principal_diagnosis, main_procedure, setlinfo, diseinfo, oprninfo, icuinfo, msgid, uploaded_at`;

export async function currentList(q: Queryable, setlId: string): Promise<ListRow | undefined> {
  const r = await q.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM settlement_lists WHERE setl_id = $1 AND current`, [setlId]);
  return r.rows[0];
}

/** Every version of a stay's list, newest first. */
export async function listVersions(q: Queryable, setlId: string): Promise<ListRow[]> {
  const r = await q.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM settlement_lists WHERE setl_id = $1 ORDER BY version DESC`, [setlId]);
  return r.rows;
}

export async function nextListId(q: Queryable): Promise<string> {
  const r = await q.query<{ n: string }>(`SELECT nextval('settlement_list_serial')::text AS n`);
  return r.rows[0]!.n;
}

/** A new version of a stay's list; the one before stops being current. */
export async function insertListVersion(
  q: Queryable,
  row: { setl_list_id: string; version: number; list: SettlementList; fixmedins_code: string; setlinfo: Record<string, unknown>; msgid: string; at: Date },
): Promise<ListRow> {
  const l = row.list;
  await q.query(`UPDATE settlement_lists SET current = false WHERE setl_id = $1 AND current`, [l.setl_id]);
  const principal = l.diagnoses.find((d) => d.diag_type === '1' && d.maindiag)!.diag_code;
  const main = l.procedures.find((x) => x.main)?.oprn_oprt_code ?? null;
  const r = await q.query<ListRow>(
    `INSERT INTO settlement_lists (setl_list_id, version, setl_id, mdtrt_id, psn_no, fixmedins_code, stas_type, current, adm_time, dscg_time, dscg_way,
       principal_diagnosis, main_procedure, setlinfo, diseinfo, oprninfo, icuinfo, msgid, uploaded_at)
     VALUES ($1, $2, $3, $4, $5, $6, '1', true, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     RETURNING ${LIST_COLUMNS}`,
    [
      row.setl_list_id, row.version, l.setl_id, l.mdtrt_id, l.psn_no, row.fixmedins_code, l.adm_time, l.dscg_time, l.dscg_way, principal, main,
      JSON.stringify(row.setlinfo), JSON.stringify(l.diagnoses), JSON.stringify(l.procedures), JSON.stringify(l.icu), row.msgid, row.at,
    ],
  );
  return r.rows[0]!;
}

/** 4102: the current version's status; false when it already had it. */
export async function setListStatus(q: Queryable, setlId: string, stasType: '0' | '1'): Promise<boolean> {
  const r = await q.query(`UPDATE settlement_lists SET stas_type = $2 WHERE setl_id = $1 AND current AND stas_type <> $2`, [setlId, stasType]);
  return (r.rowCount ?? 0) > 0;
}
