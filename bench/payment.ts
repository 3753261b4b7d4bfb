// The DIP year-end part of `npm run bench`: the year-end settlement (src/app/payment/year-end.ts)
// of one DIP region's year, stays and their provisional prices written straight into the tables
// (as the gateway's 4101A would have left them), three years of history beside them:
//   dip_year_end_seconds           runYearEnd for Zhuzhou 2026: the catalog from the history, every
//                                  case repriced at the settlement point value, the lines, the transfers
//   dip_year_end_group_by_seconds  a plain SELECT … GROUP BY hospital of the same cases' prices
//   dip_year_end_to_group_by       the ratio, in the same run
// Its own embedded PostgreSQL, seeded afresh (the demo's regions and institutions, 2,000 persons).
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { runYearEnd } from '../src/app/payment/year-end.ts';
import { createPool, ensureDatabase, inTransaction, type Pool } from '../src/store/db.ts';
import { documentRegistry } from '../src/store/documents/registry.ts';
import { readDocument } from '../src/store/documents/rows.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { checkLedger } from '../src/store/ledger.ts';
import { chsDrg11Scheme } from '../src/store/shipped-documents.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const REGION = '430200';

export interface PaymentBench {
  stays: number;
  history: number;
  hospitals: number;
  seed_seconds: number;
  dip_year_end_seconds: number;
  dip_year_end_group_by_seconds: number;
  dip_year_end_to_group_by: number;
  point_value_fen: number | null;
  /** One transfer per hospital with a balance, Σ balances = Σ due − Σ paid, every case repriced once, the ledger balanced. */
  checks_ok: boolean;
}

/** Diagnoses and procedures the generated stays use: every 40th principal of each MDC, and procedures the ADRGs list. */
function codes(): { diagnoses: string[]; procedures: string[] } {
  const s = chsDrg11Scheme();
  const diagnoses = s.mdcs.filter((m) => m.code !== 'MDCA' && m.code !== 'MDCP').flatMap((m) => m.principal.filter((_, i) => i % 40 === 0));
  const procedures = s.adrgs.filter((a) => a.kind === 'surgical' && a.mdc !== 'MDCA').flatMap((a) => a.when.flatMap((w) => (w.procedures ?? []).flatMap((p) => p.slice(0, 2)))).slice(0, 200);
  return { diagnoses, procedures };
}

/** n stays of 2026 at the region's hospitals, settled, listed and provisionally priced; and 3 years of history. */
export async function seedDipYear(pool: Pool, n: number, log: (l: string) => void): Promise<{ history: number; hospitals: number }> {
  const c = codes();
  await pool.query(`CREATE TABLE bench_dx AS SELECT row_number() OVER () - 1 AS i, d FROM unnest($1::text[]) d`, [c.diagnoses]);
  await pool.query(`CREATE TABLE bench_px AS SELECT row_number() OVER () - 1 AS i, p FROM unnest($1::text[]) p`, [c.procedures]);
  await pool.query(`CREATE TABLE bench_h AS SELECT row_number() OVER (ORDER BY i.fixmedins_code) - 1 AS k, i.fixmedins_code, i.hosp_lv
    FROM institutions i JOIN regions g ON g.code = i.admdvs WHERE g.pooling_admdvs = $1 AND i.fixmedins_type = '1' AND i.settles_inpatient`, [REGION]);
  await pool.query(`CREATE TABLE bench_p AS SELECT row_number() OVER (ORDER BY psn_no) - 1 AS k, psn_no FROM persons`);
  const [{ nh, np, nd, npx }] = (await pool.query<{ nh: number; np: number; nd: number; npx: number }>(
    `SELECT (SELECT count(*) FROM bench_h)::int AS nh, (SELECT count(*) FROM bench_p)::int AS np, (SELECT count(*) FROM bench_dx)::int AS nd, (SELECT count(*) FROM bench_px)::int AS npx`,
  )).rows as [{ nh: number; np: number; nd: number; npx: number }];
  // A stay g: diagnosis (g·7919 mod nd), a procedure for two in five, cost around 3,000 + 80 × the diagnosis' index.
  const stay = `(g::bigint * 7919) % ${nd} AS dx, CASE WHEN g % 5 < 2 THEN (g::bigint * 31) % ${npx} END AS px,
    (300000 + ((g::bigint * 7919) % ${nd}) * 8000 + (g::bigint * 104729) % 200000) * CASE WHEN g % 97 = 0 THEN 4 WHEN g % 89 = 0 THEN 1 ELSE 2 END / 2 AS cost`;
  const history = 3 * Math.round(n * 0.95);
  for (const [i, year] of [2023, 2024, 2025].entries()) {
    const m = Math.round(n * 0.95);
    await pool.query(
      `INSERT INTO dip_history (admdvs, year, fixmedins_code, principal_diagnosis, main_procedure, total_cost_fen, batch, imported_at)
       SELECT $1, $2, h.fixmedins_code, dx.d, px.p, s.cost * (96 + 2 * $3) / 100, 'bench', now()
         FROM (SELECT g, ${stay} FROM generate_series(1, $4::int) g) s
         JOIN bench_dx dx ON dx.i = s.dx LEFT JOIN bench_px px ON px.i = s.px JOIN bench_h h ON h.k = (s.g::bigint * 13) % ${nh}`,
      [REGION, year, i, m],
    );
    log(`history ${year}: ${m} stays`);
  }
  for (let from = 1; from <= n; from += 100_000) {
    const to = Math.min(n, from + 99_999);
    await pool.query(
      `WITH s AS (SELECT g, ${stay} FROM generate_series($1::int, $2::int) g),
       x AS (SELECT s.*, h.fixmedins_code, h.hosp_lv, p.psn_no, dx.d, px.p, s.cost * 60 / 100 AS fund, s.cost - s.cost * 60 / 100 AS cash,
                    timestamptz '2026-01-01 10:00+08' + ((s.g::bigint * 104729) % (360 * 86400)) * interval '1 second' AS dscg
               FROM s JOIN bench_dx dx ON dx.i = s.dx LEFT JOIN bench_px px ON px.i = s.px JOIN bench_h h ON h.k = (s.g::bigint * 13) % ${nh} JOIN bench_p p ON p.k = (s.g::bigint * 7) % ${np}),
       v AS (INSERT INTO visits (mdtrt_id, kind, status, psn_no, insutype, psn_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, insuplc_admdvs, med_type, begntime, endtime, cross_region_status, eligibility, created_at)
             SELECT 'PV' || g, 'inpatient', 'settled', psn_no, '390', '1501', fixmedins_code, hosp_lv, $3, $3, '21', dscg - interval '6 days', dscg, 'local', '{}'::jsonb, dscg FROM x RETURNING 1),
       st AS (INSERT INTO settlements (setl_id, kind, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
                                       setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt,
                                       setlinfo, setldetail, increments, explanation, msgid)
             SELECT 'P' || lpad(g::text, 9, '0'), 'settle', 'settled', 'PV' || g, psn_no, fixmedins_code, $3, $3, '390', '1501', '21', '21', dscg, 2026, 'local', 'bench', 1,
                    cost, fund, 0, cash, 0, jsonb_build_object('hifp_pay', fund), jsonb_build_array(jsonb_build_object('fund_pay_type', '390100', 'fund_payamt', fund, 'inscp_scp_amt', cost)),
                    '{}'::jsonb, '{}'::jsonb, 'bench' FROM x RETURNING 1),
       l AS (INSERT INTO settlement_lists (setl_list_id, version, setl_id, mdtrt_id, psn_no, fixmedins_code, stas_type, current, adm_time, dscg_time, dscg_way, principal_diagnosis,
                                           main_procedure, setlinfo, diseinfo, oprninfo, icuinfo, msgid, uploaded_at)
             SELECT 'L' || g, 1, 'P' || lpad(g::text, 9, '0'), 'PV' || g, psn_no, fixmedins_code, '1', true, dscg - interval '6 days', dscg, '1', d, p, '{}'::jsonb,
                    jsonb_build_array(jsonb_build_object('diag_type', '1', 'diag_code', d, 'maindiag', true)), '[]'::jsonb, '[]'::jsonb, 'bench', dscg FROM x RETURNING id, setl_id)
       SELECT (SELECT count(*) FROM v) + (SELECT count(*) FROM st) + (SELECT count(*) FROM l)`,
      [from, to, REGION],
    );
    log(`${to} of ${n} stays settled and listed`);
  }
  // Their provisional prices: the standard of a unit score at 10,000 yuan a point, paid less the patient's cash.
  await pool.query(
    `INSERT INTO case_payments (setl_id, list_id, fixmedins_code, admdvs, insuplc_admdvs, year, method, rules_id, rules_version, group_code, weight_e4, score_e4, kind,
       total_cost_fen, standard_fen, payment_fen, patient_paid_fen, other_funds_paid_fen, hospital_payment_fen, surplus_fen, review, basic_fund_paid_fen, fund_pay_type, explanation, priced_at)
     SELECT l.setl_id, l.id, l.fixmedins_code, $1, $1, 2026, 'dip', 'payment-430200-2026', 1, l.principal_diagnosis, 10000, 10000, 'normal',
            s.medfee_sumamt, 1000000, 1000000, s.psn_cash_pay, 0, 1000000 - s.psn_cash_pay, 1000000 - s.medfee_sumamt, false, s.fund_pay_sumamt, '390100', '[]'::jsonb, l.uploaded_at
       FROM settlement_lists l JOIN settlements s USING (setl_id) WHERE l.msgid = 'bench'`,
    [REGION],
  );
  // A budget on the scale of the stays (a real city's, not the demo's): the DIP share over the
  // reimbursement ratio allows for about what the year's stays cost.
  const cost = (await pool.query<{ c: number }>(`SELECT sum(medfee_sumamt)::bigint AS c FROM settlements WHERE msgid = 'bench'`)).rows[0]!.c;
  const stored = await readDocument(pool, 'payment_rules', 'payment-430200-2026');
  const doc = structuredClone(stored!.doc) as { version: number; budget: { total_fen: number; drg_dip_share_bp: number } };
  doc.version = stored!.version + 1;
  doc.budget.total_fen = Math.round((cost * 7000) / doc.budget.drg_dip_share_bp);
  await inTransaction(pool, (q) => documentRegistry.store(q, { kind: 'payment_rules', doc, stored_by: 'bench', note: 'a budget on the scale of the bench' }));
  await pool.query('ANALYZE');
  return { history, hospitals: nh };
}

const seconds = (ms: number): number => Math.round(ms / 10) / 100;

export async function runPaymentBench(opts: { stays: number; dir?: string; log?: (l: string) => void }): Promise<PaymentBench> {
  const log = opts.log ?? ((l: string): void => void process.stderr.write(`[bench] payment: ${l}\n`));
  const dir = opts.dir ?? path.join(ROOT, '.yibao-bench', 'payment');
  fs.rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  await ensureDatabase(pg.url('postgres'), 'yibao');
  const pool = createPool(pg.url('yibao'), 4);
  try {
    await migrate(pool);
    const t0 = performance.now();
    await seedDemo(pool, { persons: 2000 });
    await seedSettlementDocuments(pool);
    const seeded = await seedDipYear(pool, opts.stays, log);
    const seed_seconds = seconds(performance.now() - t0);

    const g0 = performance.now();
    await pool.query(`SELECT fixmedins_code, count(*), sum(hospital_payment_fen), sum(basic_fund_paid_fen) FROM case_payments WHERE admdvs = $1 AND year = 2026 AND superseded_at IS NULL GROUP BY fixmedins_code`, [REGION]);
    const groupBy = performance.now() - g0;

    log('year-end settlement');
    const y0 = performance.now();
    const r = await runYearEnd(pool, { admdvs: REGION, year: 2026, by: 'bench', now: new Date('2027-01-20T02:00:00Z') });
    const yearEnd = performance.now() - y0;

    const sum = (f: (l: (typeof r.lines)[number]) => number): number => r.lines.reduce((s, l) => s + f(l), 0);
    const transfers = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = 'case_payment'`)).rows[0]!.n;
    const repriced = (await pool.query<{ n: number; dup: number }>(
      `SELECT count(*)::int AS n, (SELECT count(*)::int FROM (SELECT setl_id FROM case_payments WHERE year_end_id IS NOT NULL GROUP BY setl_id HAVING count(*) > 1) d) AS dup
         FROM case_payments WHERE year_end_id = $1`, [r.year_end.id],
    )).rows[0]!;
    const ledger = await checkLedger(pool);
    const checks_ok =
      transfers === r.lines.filter((l) => l.balance_fen + l.adjustment_fen !== 0).length &&
      sum((l) => l.balance_fen) === sum((l) => l.due_fen) - sum((l) => l.paid_fen) &&
      repriced.n === opts.stays && repriced.dup === 0 && ledger.debits_fen === ledger.credits_fen && ledger.drifted.length === 0 && ledger.unbalanced.length === 0;
    return {
      stays: opts.stays, history: seeded.history, hospitals: seeded.hospitals, seed_seconds,
      dip_year_end_seconds: seconds(yearEnd), dip_year_end_group_by_seconds: seconds(groupBy),
      dip_year_end_to_group_by: Math.round((yearEnd / Math.max(groupBy, 0.001)) * 10) / 10,
      point_value_fen: r.point_value?.point_value_fen ?? null, checks_ok,
    };
  } finally {
    await pool.end();
    await pg.stop();
  }
}
