import type { Queryable } from '../db.ts';
import type { StoredStatement } from './statements.ts';

// Reads for the finance staff's clearing page and its REST routes (docs/clearing.md, "The
// finance page"): a statement without a lock, its lines with the settlement behind each, one
// line's settlement with its stored explanation. Nothing here writes.

const COLUMNS = `id::int AS id, month, level, insured_admdvs, treatment_admdvs, amount_fen::bigint AS amount_fen, totals, state,
  insured_confirmed_by, treatment_confirmed_by, transfer_id::int AS transfer_id`;

const statementOf = (r: StoredStatement): StoredStatement => ({ ...r, amount_fen: Number(r.amount_fen) });

/** A statement as stored (no lock: a read for the page). */
export async function readStatement(q: Queryable, id: number): Promise<StoredStatement | undefined> {
  const r = await q.query<StoredStatement>(`SELECT ${COLUMNS} FROM clearing_statements WHERE id = $1`, [id]);
  return r.rows[0] && statementOf(r.rows[0]);
}

/** Which regions a statement is between: the hook decides access from them. */
/** The two regions of the statement a dispute is on, and its id. */
export async function disputeSides(q: Queryable, disputeId: number): Promise<{ statement_id: number; insured_admdvs: string; treatment_admdvs: string } | undefined> {
  const r = await q.query<{ statement_id: number; insured_admdvs: string; treatment_admdvs: string }>(
    `SELECT s.id::int AS statement_id, s.insured_admdvs, s.treatment_admdvs FROM clearing_disputes d JOIN clearing_statements s ON s.id = d.statement_id WHERE d.id = $1`,
    [disputeId],
  );
  return r.rows[0];
}

export async function statementSides(q: Queryable, id: number): Promise<{ insured_admdvs: string; treatment_admdvs: string } | undefined> {
  const r = await q.query<{ insured_admdvs: string; treatment_admdvs: string }>(`SELECT insured_admdvs, treatment_admdvs FROM clearing_statements WHERE id = $1`, [id]);
  return r.rows[0];
}

export interface StatementLineRow {
  n: number;
  setl_id: string;
  kind: string;
  orig_setl_id: string | null;
  setl_time: Date;
  psn_no: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  insutype: string;
  med_type: string;
  medfee_fen: number;
  amount_fen: number;
  adjustment: boolean;
  /** The line's dispute, when a side contested it. */
  dispute_id: number | null;
  dispute_state: string | null;
}

// A line is a settlement's, a cancellation's, or a recovery's (027: '<case_no>:<setl_id>', shown
// with the settlement it recovered from).
const LINE_SETTLEMENT = `JOIN cross_region_owed c ON c.setl_id = l.setl_id
       JOIN settlements s ON s.setl_id = CASE WHEN c.recovery_key IS NULL THEN l.setl_id ELSE c.orig_setl_id END`;
const LINE_KIND = `CASE WHEN c.recovery_key IS NULL THEN s.kind ELSE 'recovery' END`;

/** A statement's lines in their order, each with what the settlement behind it says. */
export async function statementLines(q: Queryable, statementId: number): Promise<StatementLineRow[]> {
  const r = await q.query<StatementLineRow>(
    `SELECT l.n, l.setl_id, ${LINE_KIND} AS kind, CASE WHEN c.recovery_key IS NULL THEN s.orig_setl_id ELSE s.setl_id END AS orig_setl_id, c.setl_time, s.psn_no,
            s.fixmedins_code, i.fixmedins_name, s.insuplc_admdvs, s.mdtrtarea_admvs, s.insutype, s.med_type,
            CASE WHEN c.recovery_key IS NULL THEN s.medfee_sumamt ELSE 0 END::bigint AS medfee_fen, l.amount_fen::bigint AS amount_fen, l.adjustment,
            d.id::int AS dispute_id, d.state AS dispute_state
       FROM clearing_lines l ${LINE_SETTLEMENT} LEFT JOIN institutions i ON i.fixmedins_code = s.fixmedins_code
       LEFT JOIN clearing_disputes d ON d.statement_id = l.statement_id AND d.setl_id = l.setl_id
      WHERE l.statement_id = $1 ORDER BY l.n`,
    [statementId],
  );
  return r.rows.map((x) => ({ ...x, medfee_fen: Number(x.medfee_fen), amount_fen: Number(x.amount_fen) }));
}

export interface LineSettlement {
  setl_id: string;
  kind: string;
  status: string;
  setl_time: Date;
  mdtrt_id: string;
  psn_no: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  med_type: string;
  explanation: { policy_id: string; policy_version: number; scheme: string | null; setlinfo: unknown; setldetail: unknown; steps: unknown[]; lines: unknown[] };
}

/**
 * One line's settlement with the engine's explanation as stored at settlement, in the shape the
 * portal's settlement list sends (src/store/dashboard.ts settlementsOfPerson); undefined unless
 * the settlement is a line of that statement.
 */
export async function lineSettlement(q: Queryable, statementId: number, setlId: string): Promise<LineSettlement | undefined> {
  const r = await q.query<{
    setl_id: string; kind: string; status: string; setl_time: Date; mdtrt_id: string; psn_no: string; fixmedins_code: string; fixmedins_name: string | null; med_type: string;
    policy_id: string; policy_version: number; setlinfo: unknown; setldetail: unknown; explanation: { scheme?: string; steps?: unknown[]; lines?: unknown[] };
  }>(
    `SELECT s.setl_id, ${LINE_KIND} AS kind, s.status, s.setl_time, s.mdtrt_id, s.psn_no, s.fixmedins_code, i.fixmedins_name, s.med_type, s.policy_id, s.policy_version,
            s.setlinfo, s.setldetail, s.explanation
       FROM clearing_lines l ${LINE_SETTLEMENT} LEFT JOIN institutions i ON i.fixmedins_code = s.fixmedins_code
      WHERE l.statement_id = $1 AND l.setl_id = $2`,
    [statementId, setlId],
  );
  const x = r.rows[0];
  if (!x) return undefined;
  return {
    setl_id: x.setl_id, kind: x.kind, status: x.status, setl_time: x.setl_time, mdtrt_id: x.mdtrt_id, psn_no: x.psn_no, fixmedins_code: x.fixmedins_code,
    fixmedins_name: x.fixmedins_name, med_type: x.med_type,
    explanation: { policy_id: x.policy_id, policy_version: x.policy_version, scheme: x.explanation.scheme ?? null, setlinfo: x.setlinfo, setldetail: x.setldetail, steps: x.explanation.steps ?? [], lines: x.explanation.lines ?? [] },
  };
}
