import { monthOf } from '../../src/engine/federation/hub-clearing.ts';
import { splitLegs } from '../../src/engine/federation/protocol.ts';
import { checkTransfer, reversed, settlementLegs } from '../../src/engine/ledger.ts';
import type { Queryable } from '../../src/store/db.ts';
import { accountsJson, balanceRows, DECLARE_ACCOUNTS, INSERT_LEGS, LEDGER_BALANCES, legsJson } from '../../src/store/ledger.ts';
import { INSTITUTIONS, insertCoopBase } from './coop-rows.ts';

// One side of a cross-deployment settlement (or cancellation), written straight into a
// deployment's database while the settlement protocol that writes them is built elsewhere: the
// person, the visit, the settlement row, its half of the ledger (splitLegs) as its one transfer,
// and its federation_settlements row. Both sides written with the same arguments agree, as the
// protocol would leave them; a test that wants them to differ passes different amounts.

export interface FederatedSettlement {
  fed_id: string;
  role: 'treatment' | 'insured';
  /** The other deployment. */
  peer: string;
  psn_no: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  fixmedins_code: string;
  setl_time: Date;
  /** Pooled fund (310100) and personal account (310200) and cash, in fen. */
  fund: number;
  acct: number;
  cash: number;
  /** A cancellation of this fed_id (its row must exist on this side). */
  cancels?: string;
}

/** Regions and institutions of the cooperation tests, once per database. */
export async function federationBase(q: Queryable): Promise<void> {
  await insertCoopBase(q);
}

export const HOSPITALS = { hunan: INSTITUTIONS.changshaHospital, jiangxi: INSTITUTIONS.jiujiangHospital };

export async function insertFederatedSettlement(q: Queryable, s: FederatedSettlement): Promise<{ setl_id: string }> {
  await q.query(`INSERT INTO persons (psn_no, certno, psn_name, gend, brdy, insuplc_admdvs, federated_from) VALUES ($1, $2, '异地测试', '2', '1956-01-01', $3, $4) ON CONFLICT DO NOTHING`,
    [s.psn_no, `C${s.psn_no}`, s.insuplc_admdvs, s.role === 'treatment' ? s.peer : null]);
  const mdtrt = `${s.role === 'treatment' ? '' : 'R'}${s.fed_id.split(':')[1]}`;
  await q.query(`INSERT INTO visits (mdtrt_id, kind, status, psn_no, insutype, psn_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, insuplc_admdvs, med_type, begntime, cross_region_status, eligibility, created_at)
       VALUES ($1, 'outpatient', 'settled', $2, '310', '1101', $3, '3', $4, $5, '11', $6, 'cross_province', '{}', $6) ON CONFLICT DO NOTHING`,
    [mdtrt, s.psn_no, s.fixmedins_code, s.mdtrtarea_admvs, s.insuplc_admdvs, s.setl_time]);
  const sign = s.cancels ? -1 : 1;
  const medfee = s.fund + s.acct + s.cash;
  const setlinfo = { medfee_sumamt: medfee, fund_pay_sumamt: s.fund, acct_pay: s.acct, psn_cash_pay: s.cash, hosp_part_amt: 0 };
  const setldetail = s.fund > 0 ? [{ fund_pay_type: '310100', fund_payamt: s.fund }] : [];
  const legs = splitLegs(settlementLegs({ setlinfo: setlinfo as never, setldetail: setldetail as never, psn_no: s.psn_no, fixmedins_code: s.fixmedins_code, insuplc_admdvs: s.insuplc_admdvs, mdtrtarea_admvs: s.mdtrtarea_admvs }))[s.role];
  const setlId = `${s.role === 'treatment' ? 'T' : 'I'}-${s.fed_id}`;
  const orig = s.cancels ? `${s.role === 'treatment' ? 'T' : 'I'}-${s.cancels}` : null;
  await q.query(`INSERT INTO settlements (setl_id, kind, orig_setl_id, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
         setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt, setlinfo, setldetail, increments, explanation, msgid)
       VALUES ($1, $2, $3, 'settled', $4, $5, $6, $7, $8, '310', '1101', '11', '11', $9, $10, 'cross_province', 'test', 1, $11, $12, $13, $14, 0, $15, $16, '{}', '{}', $17)`,
    [setlId, s.cancels ? 'cancel' : 'settle', orig, mdtrt, s.psn_no, s.fixmedins_code, s.insuplc_admdvs, s.mdtrtarea_admvs, s.setl_time, s.setl_time.getUTCFullYear(),
      sign * medfee, sign * s.fund, sign * s.acct, sign * s.cash, JSON.stringify(setlinfo), JSON.stringify(setldetail), `msg-${setlId}`]);
  if (orig) await q.query(`UPDATE settlements SET status = 'cancelled' WHERE setl_id = $1`, [orig]);
  const prior = orig ? (await q.query<{ id: number }>(`SELECT id FROM ledger_transfers WHERE setl_id = $1`, [orig])).rows[0]!.id : null;
  const t = checkTransfer({ kind: s.cancels ? 'cancel' : 'settle', key: setlId, cause: { kind: 'settlement', id: setlId }, legs: s.cancels ? reversed(legs) : legs, reverses: prior, memo: null });
  const w = await q.query<{ id: number }>(`WITH ac AS (${DECLARE_ACCOUNTS('$1')}),
       t AS (INSERT INTO ledger_transfers (kind, key, cause_kind, cause_id, setl_id, reverses, amount_fen, at) VALUES ($2, $3, 'settlement', $3, $3, $4, $5, $6) RETURNING id),
       lg AS (${INSERT_LEGS('t', '$7')})
       SELECT id FROM t`, [accountsJson(t), t.kind, setlId, prior, t.amount, s.setl_time, legsJson(t)]);
  const merged = LEDGER_BALANCES.merge([balanceRows(t.changes, w.rows[0]!.id % 16)]);
  if (merged) await q.query(merged);
  const owed = sign * (s.fund + s.acct);
  const byFund: Record<string, number> = {};
  if (s.fund > 0) byFund['310100'] = sign * s.fund;
  if (s.acct > 0) byFund['310200'] = sign * s.acct;
  await q.query(`INSERT INTO federation_settlements (fed_id, role, peer, kind, orig_fed_id, setl_id, peer_setl_id, treatment_mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs,
         insutype, setl_time, clr_month, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, owed_fen, by_fund, status, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '310', $13, $14, $15, $16, $17, $18, $19, $20, 'settled', $13)`,
    [s.fed_id, s.role, s.peer, s.cancels ? 'cancel' : 'settle', s.cancels ?? null, setlId, `${s.role === 'treatment' ? 'I' : 'T'}-${s.fed_id}`, s.fed_id.split(':')[1], s.psn_no,
      s.fixmedins_code, s.insuplc_admdvs, s.mdtrtarea_admvs, s.setl_time, monthOf(s.setl_time), sign * medfee, sign * s.fund, sign * s.acct, sign * s.cash, owed, JSON.stringify(byFund)]);
  if (s.cancels) await q.query(`UPDATE federation_settlements SET status = 'cancelled' WHERE fed_id = $1`, [s.cancels]);
  return { setl_id: setlId };
}
