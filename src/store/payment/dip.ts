import type { Queryable } from '../db.ts';
import type { DipStay } from '../../engine/payment/dip.ts';

// DIP's history: the stays of a region's earlier years, imported (dip_history) and the
// platform's own current settlement lists of those years at the region's hospitals.

export interface HistoryRow {
  year: number;
  fixmedins_code: string;
  principal_diagnosis: string;
  main_procedure: string | null;
  total_cost_fen: number;
}

/** The stays of the given years at the region's hospitals, oldest first. */
export async function historyStays(q: Queryable, admdvs: string, years: readonly number[]): Promise<DipStay[]> {
  const r = await q.query<DipStay>(
    `SELECT year, principal_diagnosis, main_procedure, total_cost_fen::bigint AS total_cost_fen FROM dip_history WHERE admdvs = $1 AND year = ANY($2::int[])
     UNION ALL
     SELECT extract(year FROM l.dscg_time AT TIME ZONE 'Asia/Shanghai')::int, l.principal_diagnosis, l.main_procedure, s.medfee_sumamt::bigint
       FROM settlement_lists l JOIN settlements s USING (setl_id)
      WHERE l.current AND l.stas_type = '1' AND s.status = 'settled' AND s.mdtrtarea_admvs = $1
        AND extract(year FROM l.dscg_time AT TIME ZONE 'Asia/Shanghai')::int = ANY($2::int[])
     ORDER BY 1`,
    [admdvs, years],
  );
  return r.rows;
}

/** A fingerprint of the history, so a catalog built from it is rebuilt when it grows. */
export async function historyVersion(q: Queryable, admdvs: string, years: readonly number[]): Promise<string> {
  const r = await q.query<{ v: string }>(
    `SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) FROM dip_history WHERE admdvs = $1 AND year = ANY($2::int[])) || '/' ||
            (SELECT count(*) || ':' || coalesce(max(l.id), 0) FROM settlement_lists l JOIN settlements s USING (setl_id)
              WHERE l.current AND s.mdtrtarea_admvs = $1 AND extract(year FROM l.dscg_time AT TIME ZONE 'Asia/Shanghai')::int = ANY($2::int[])) AS v`,
    [admdvs, years],
  );
  return r.rows[0]!.v;
}

/** Imports history rows in one statement; how many. */
export async function insertHistory(q: Queryable, admdvs: string, batch: string, rows: readonly HistoryRow[], at: Date): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await q.query(
    `INSERT INTO dip_history (admdvs, year, fixmedins_code, principal_diagnosis, main_procedure, total_cost_fen, batch, imported_at)
     SELECT $1, x.year, x.fixmedins_code, x.principal_diagnosis, x.main_procedure, x.total_cost_fen, $2, $3
       FROM jsonb_to_recordset($4::jsonb) AS x(year int, fixmedins_code text, principal_diagnosis text, main_procedure text, total_cost_fen bigint)`,
    [admdvs, batch, at, JSON.stringify(rows)],
  );
  return r.rowCount ?? 0;
}
