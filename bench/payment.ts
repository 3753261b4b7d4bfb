// The DIP year-end part of `npm run bench` (issue 14): the year-end settlement of a city's DIP
// year through the app layer (src/app/payment/year-end.ts, runYearEnd) — the catalog built from
// three years of history, every current case of the year repriced at the settlement point value
// (the provisional prices closed, the new ones written), each hospital's due against what the
// settlements paid it, one ledger transfer per hospital — against a plain GROUP BY of the same
// case prices in the same run:
//   dip_year_end_seconds           runYearEnd for 430200/2026
//   dip_year_end_group_by_seconds  SELECT fixmedins_code, sum(hospital_payment_fen) … GROUP BY over the year's current prices
//   ratio                          the two, which compares across machines better than the seconds
// Its own embedded PostgreSQL (durable settings, as the platform runs), seeded afresh: the demo's
// regions and institutions with 2,000 persons, then everything else in SQL with generate_series
// (bench/clearing.ts does the same for the clearing): per stay an inpatient visit, its settlement
// (setlinfo and setldetail as the engine writes them), its current settlement list (a principal
// diagnosis and a main procedure from a few hundred real ICD-10 and ICD-9-CM-3 codes) and its
// provisional DIP price; three years of dip_history. The region's budget is the stored rules'
// with the total scaled to the bench's year (a new version of payment-430200-2026, as a bureau
// revising its budget would store it), so the year-end's balances are those of a real year.
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { Prng } from '../src/demo/prng.ts';
import { runYearEnd } from '../src/app/payment/year-end.ts';
import { createPool, ensureDatabase, inTransaction, type Pool } from '../src/store/db.ts';
import { documentRegistry } from '../src/store/documents/registry.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { checkLedger } from '../src/store/ledger.ts';
import { migrate } from '../src/store/migrate.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const REGION = '430200';
const YEAR = 2026;

export interface PaymentBench {
  stays: number;
  /** dip_history rows of the three years before. */
  history: number;
  seed_seconds: number;
  dip_year_end_seconds: number;
  dip_year_end_group_by_seconds: number;
  /** dip_year_end_seconds ÷ dip_year_end_group_by_seconds. */
  ratio: number;
  hospitals: number;
  point_value_fen: number;
  /** Transfers, balances, the ledger and the repricing all check (see `checks`). */
  checks_ok: boolean;
  /** Each check by name, for the one that fails. */
  checks: Record<string, boolean>;
}

interface Combo {
  diagnosis: string;
  procedure: string | null;
  mean_fen: number;
  weight: number;
}

/**
 * A city's case mix from real codes (catalogs/icd, OpenDRG's tables, Apache-2.0): about 120
 * diagnosis categories with one to three subcategories each, each without a procedure and with
 * up to two of a few hundred procedures; a long tail of frequencies (a few combinations
 * frequent, most rare) so the catalog has both core groups and comprehensive ones.
 */
function caseMix(prng: Prng): Combo[] {
  const diagnoses = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'catalogs/icd/diagnoses.json'), 'utf8')) as Record<string, string>)
    .filter((c) => /^[A-Z][0-9]{2}\.[0-9]{3}$/.test(c) && !/^[UVWXYZ]/.test(c));
  const procedures = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'catalogs/icd/procedures.json'), 'utf8')) as Record<string, string>)
    .filter((c) => /^[0-9]{2}\.[0-9]{4}$/.test(c));
  const byCategory = new Map<string, string[]>();
  for (const d of diagnoses) (byCategory.get(d.slice(0, 3)) ?? byCategory.set(d.slice(0, 3), []).get(d.slice(0, 3))!).push(d);
  const categories = [...byCategory.keys()].sort();
  const step = Math.max(1, Math.floor(categories.length / 120));
  const procs = Array.from({ length: 300 }, (_, i) => procedures[Math.floor((i * procedures.length) / 300)]!);
  const combos: Combo[] = [];
  for (let c = 0; c < categories.length && combos.length < 1200; c += step) {
    const codes = byCategory.get(categories[c]!)!;
    // One code per subcategory (I63.9 from I63.900), up to three subcategories.
    const subs = [...new Map(codes.map((d) => [d.slice(0, 5), d])).values()].slice(0, 1 + prng.int(3));
    for (const diagnosis of subs) {
      const ps = [null, ...Array.from({ length: prng.int(3) }, () => procs[prng.int(procs.length)]!)];
      for (const procedure of new Set(ps)) {
        combos.push({ diagnosis, procedure, mean_fen: Math.round((procedure ? 18000 : 6000) * (0.4 + prng.next() * 2.5)) * 100, weight: Math.pow(prng.next(), 3) * 100 + 0.3 });
      }
    }
  }
  return combos;
}

/**
 * The bench's stays and the year's prices, in SQL. Stay g (1..n) picks a slot of the case mix
 * (10,000 slots, each combination holding slots in proportion to its frequency), a hospital of
 * the region (the big ones see more), a person of the region, and a cost spread around the
 * combination's mean with the odd stay below half of it, above twice it, or above five times.
 */
export async function seedYear(pool: Pool, n: number, log: (l: string) => void): Promise<{ history: number; hospitals: number }> {
  const prng = new Prng('payment-bench-430200');
  const combos = caseMix(prng);
  const total = combos.reduce((s, c) => s + c.weight, 0);
  const slots: number[] = [];
  let acc = 0;
  let k = 0;
  for (let s = 0; s < 10_000; s++) {
    const x = ((s + 0.5) / 10_000) * total;
    while (k < combos.length - 1 && acc + combos[k]!.weight < x) acc += combos[k++]!.weight;
    slots.push(k);
  }
  await pool.query(`CREATE TABLE bench_combo (i int PRIMARY KEY, diagnosis text NOT NULL, procedure text, mean_fen bigint NOT NULL)`);
  await pool.query(`INSERT INTO bench_combo SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[])`, [
    combos.map((_, i) => i), combos.map((c) => c.diagnosis), combos.map((c) => c.procedure), combos.map((c) => c.mean_fen),
  ]);
  await pool.query(`CREATE TABLE bench_slot AS SELECT s::int AS s, c::int AS c FROM unnest($1::int[]) WITH ORDINALITY AS x(c, s)`, [slots]);
  await pool.query(`CREATE UNIQUE INDEX ON bench_slot (s)`);
  await pool.query(`CREATE TABLE bench_inst AS SELECT i.fixmedins_code, i.hosp_lv, row_number() OVER (ORDER BY i.hosp_lv DESC, i.fixmedins_code) AS k
    FROM institutions i JOIN regions r ON r.code = i.admdvs WHERE r.pooling_admdvs = '${REGION}' AND i.fixmedins_type = '1' AND i.settles_inpatient`);
  await pool.query(`CREATE TABLE bench_psn AS SELECT p.psn_no, row_number() OVER (ORDER BY p.psn_no) AS k
    FROM persons p JOIN regions r ON r.code = p.insuplc_admdvs WHERE r.pooling_admdvs = '${REGION}'`);
  const hospitals = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_inst`)).rows[0]!.n;
  const persons = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_psn`)).rows[0]!.n;
  if (hospitals === 0 || persons === 0) throw new Error(`the demo has no inpatient hospital or person in ${REGION}`);
  log(`${combos.length} diagnosis × procedure combinations, ${hospitals} hospitals, ${persons} persons of ${REGION}`);

  // The pick of stay `g` of year offset `y` (0 this year, 1..3 the years before): its combination
  // and cost. The year before draws the same combinations as this year (its costs differ), so
  // every category of this year's stays is in the catalog: the year-end prices each of them.
  const pick = (g: string, y: number): string => `SELECT c.diagnosis, c.procedure,
      greatest(100, (c.mean_fen * (55 + ((${g}::bigint * 40503 + ${y * 17}) % 9973) * 90 / 9973) / 100
        * CASE WHEN ${g} % 500 = 7 THEN 600 WHEN ${g} % 100 = 17 THEN 300 WHEN ${g} % 100 = 53 THEN 30 ELSE 100 END / 100
        * (100 - 4 * ${y}) / 100))::bigint AS cost
      FROM bench_slot s JOIN bench_combo c ON c.i = s.c WHERE s.s = 1 + ((${g}::bigint * 2654435761 + ${y >= 2 ? y * 7919 : 0}) % 10000)`;
  const hospital = (g: string): string => `SELECT fixmedins_code, hosp_lv FROM bench_inst WHERE k = 1 + floor(${hospitals} * power(((${g}::bigint * 104729) % 10007) / 10007.0, 2))::int`;

  // History: three years before, 0.9, 0.95 and 1 × n stays (as bench/dip.ts draws them).
  let history = 0;
  for (const [i, year] of [YEAR - 3, YEAR - 2, YEAR - 1].entries()) {
    const count = Math.round(n * (0.9 + 0.05 * i));
    await pool.query(
      `INSERT INTO dip_history (admdvs, year, fixmedins_code, principal_diagnosis, main_procedure, total_cost_fen, batch, imported_at)
       SELECT '${REGION}', ${year}, h.fixmedins_code, p.diagnosis, p.procedure, p.cost, 'bench', timestamptz '${YEAR}-01-05 09:00+08'
         FROM generate_series(1, $1::int) g CROSS JOIN LATERAL (${pick('g', 3 - i)}) p CROSS JOIN LATERAL (${hospital('g')}) h`,
      [count],
    );
    history += count;
    log(`${count} stays of ${year} in dip_history`);
  }

  // This year's stays, in batches: visit, settlement, list.
  const batch = 50_000;
  for (let from = 1; from <= n; from += batch) {
    const to = Math.min(n, from + batch - 1);
    await inTransaction(pool, async (q) => {
      await q.query(
        `CREATE TEMP TABLE bench_stay ON COMMIT DROP AS
         WITH s AS (
           SELECT g, 'DV' || lpad(g::text, 9, '0') AS mdtrt_id, 'DS' || lpad(g::text, 9, '0') AS setl_id, ps.psn_no, h.fixmedins_code, h.hosp_lv,
                  CASE WHEN g % 3 = 0 THEN '310' ELSE '390' END AS insutype, CASE WHEN g % 3 = 0 THEN '1101' ELSE '1401' END AS psn_type,
                  p.diagnosis, p.procedure, p.cost AS medfee,
                  timestamptz '${YEAR}-01-01 08:00+08' + ((g::bigint * 7919) % (350 * 86400)) * interval '1 second' AS adm, 3 + g % 12 AS los
             FROM generate_series($1::int, $2::int) g CROSS JOIN LATERAL (${pick('g', 0)}) p CROSS JOIN LATERAL (${hospital('g')}) h
             JOIN bench_psn ps ON ps.k = 1 + (g::bigint * 31) % ${persons}),
         a AS (
           SELECT s.*, s.adm + s.los * interval '1 day' AS dscg, medfee * 9 / 10 AS inscp,
                  CASE WHEN insutype = '310' THEN medfee * 9 / 10 * 70 / 100 ELSE medfee * 9 / 10 * 60 / 100 END AS pool_fund,
                  CASE WHEN g % 10 = 0 THEN medfee * 5 / 100 ELSE 0 END AS big_fund,
                  CASE WHEN insutype = '310' AND g % 3 = 0 AND g % 2 = 0 THEN medfee * 5 / 100 ELSE 0 END AS acct
             FROM s)
         SELECT a.*, pool_fund + big_fund AS fund, medfee - pool_fund - big_fund - acct AS cash FROM a`,
        [from, to],
      );
      await q.query(
        `INSERT INTO visits (mdtrt_id, kind, status, psn_no, insutype, psn_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, insuplc_admdvs, med_type, begntime, endtime,
                             dise_codes, cross_region_status, eligibility, created_at)
         SELECT mdtrt_id, 'inpatient', 'settled', psn_no, insutype, psn_type, fixmedins_code, hosp_lv, '${REGION}', '${REGION}', '21', adm, dscg,
                ARRAY[diagnosis], 'local', '{}'::jsonb, adm FROM bench_stay`,
      );
      await q.query(
        `INSERT INTO settlements (setl_id, kind, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
                                  setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt,
                                  setlinfo, setldetail, increments, explanation, msgid)
         SELECT setl_id, 'settle', 'settled', mdtrt_id, psn_no, fixmedins_code, '${REGION}', '${REGION}', insutype, psn_type, '21', '21',
                dscg, ${YEAR}, 'local', 'bench', 1, medfee, fund, acct, cash, 0,
                jsonb_build_object('medfee_sumamt', medfee, 'fulamt_ownpay_amt', medfee - inscp, 'overlmt_selfpay', 0, 'preselfpay_amt', 0, 'inscp_scp_amt', inscp,
                  'act_pay_dedc', 0, 'hifp_pay', pool_fund, 'pool_prop_selfpay', inscp - pool_fund, 'cvlserv_pay', 0, 'hifes_pay', 0,
                  'hifmi_pay', CASE WHEN insutype = '390' THEN big_fund ELSE 0 END, 'hifob_pay', CASE WHEN insutype = '310' THEN big_fund ELSE 0 END,
                  'maf_pay', 0, 'hosp_part_amt', 0, 'oth_pay', 0, 'fund_pay_sumamt', fund, 'psn_part_amt', medfee - fund, 'acct_pay', acct, 'psn_cash_pay', cash,
                  'balc', 100000, 'acct_mulaid_pay', 0),
                jsonb_build_array(jsonb_build_object('fund_pay_type', CASE WHEN insutype = '310' THEN '310100' ELSE '390100' END,
                    'fund_pay_type_name', CASE WHEN insutype = '310' THEN '职工基本医疗保险统筹基金' ELSE '城乡居民基本医疗保险基金' END,
                    'inscp_scp_amt', inscp, 'crt_payb_lmt_amt', 30000000 - pool_fund, 'fund_payamt', pool_fund, 'setl_proc_info', ''))
                  || CASE WHEN big_fund = 0 THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('fund_pay_type', CASE WHEN insutype = '310' THEN '330100' ELSE '390200' END,
                    'fund_pay_type_name', CASE WHEN insutype = '310' THEN '职工大额医疗费用补助基金' ELSE '城乡居民大病医疗保险资金' END,
                    'inscp_scp_amt', inscp, 'crt_payb_lmt_amt', null, 'fund_payamt', big_fund, 'setl_proc_info', '')) END
                  || CASE WHEN acct = 0 THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('fund_pay_type', '310200', 'fund_pay_type_name', '职工基本医疗保险个人账户基金',
                    'inscp_scp_amt', inscp, 'crt_payb_lmt_amt', null, 'fund_payamt', acct, 'setl_proc_info', '')) END,
                jsonb_build_object('inpatient_pool_paid_fen', pool_fund),
                json_build_object('steps', json_build_array(json_build_object('step', 'scope', 'in', json_build_object('medfee_sumamt', medfee), 'out', json_build_object('inscp_scp_amt', inscp)),
                  json_build_object('step', 'pool', 'in', json_build_object('inscp_scp_amt', inscp), 'out', json_build_object('hifp_pay', pool_fund)),
                  json_build_object('step', 'cash', 'in', json_build_object('acct_pay', acct), 'out', json_build_object('psn_cash_pay', cash)))),
                'bench'
           FROM bench_stay`,
      );
      await q.query(
        `INSERT INTO settlement_lists (setl_list_id, version, setl_id, mdtrt_id, psn_no, fixmedins_code, stas_type, current, adm_time, dscg_time, dscg_way,
                                       principal_diagnosis, main_procedure, setlinfo, diseinfo, oprninfo, icuinfo, msgid, uploaded_at)
         SELECT 'DL' || lpad(g::text, 9, '0'), 1, setl_id, mdtrt_id, psn_no, fixmedins_code, '1', true, adm, dscg, '1', diagnosis, procedure,
                jsonb_build_object('setl_id', setl_id, 'mdtrt_id', mdtrt_id, 'psn_no', psn_no, 'dscg_way', '1'),
                jsonb_build_array(jsonb_build_object('diag_type', '1', 'diag_code', diagnosis, 'diag_name', '', 'maindiag_flag', '1', 'adm_cond_type', '1')),
                CASE WHEN procedure IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('oprn_oprt_code', procedure, 'main_oprn_flag', '1', 'oprn_oprt_begntime', adm + interval '1 day')) END,
                '[]'::jsonb, 'bench', dscg + interval '2 days'
           FROM bench_stay`,
      );
    });
    log(`${to} of ${n} stays (visit, settlement, settlement list)`);
  }

  // The bench's budget: the stored rules with the total scaled so the DIP share, at the
  // reimbursement ratio, allows for the year's cost (a new version, the one in force).
  const cost = Number((await pool.query<{ s: string }>(`SELECT sum(medfee_sumamt)::text AS s FROM settlements WHERE setl_id LIKE 'DS%'`)).rows[0]!.s);
  const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'payment-rules/430200-2026.json'), 'utf8')) as { version: number; budget: { total_fen: number; drg_dip_share_bp: number }; dip: { reimbursement_ratio_bp: number }; source: string };
  const budget = { ...doc.budget, total_fen: Math.round((cost * doc.dip.reimbursement_ratio_bp) / doc.budget.drg_dip_share_bp) };
  const stored = await inTransaction(pool, (q) => documentRegistry.store(q, { kind: 'payment_rules', doc: { ...doc, version: doc.version + 1, budget, source: `${doc.source}; the budget scaled to the bench's year` }, stored_by: 'bench' }));

  // The provisional prices, as the lists' pricing wrote them during the year (a budget point
  // value; the figures need only be a valid price: the year-end replaces every one).
  await pool.query(
    `INSERT INTO case_payments (setl_id, list_id, fixmedins_code, admdvs, insuplc_admdvs, year, method, rules_id, rules_version, group_code, weight_e4, score_e4, kind,
                                total_cost_fen, standard_fen, payment_fen, patient_paid_fen, other_funds_paid_fen, hospital_payment_fen, surplus_fen, review, basic_fund_paid_fen,
                                fund_pay_type, explanation, priced_at)
     SELECT s.setl_id, l.id, s.fixmedins_code, '${REGION}', '${REGION}', ${YEAR}, 'dip', 'payment-${REGION}-${YEAR}', $1, substr(l.principal_diagnosis, 1, 5) || '|' || coalesce(l.main_procedure, '-'),
            10000, 10000, 'normal', s.medfee_sumamt, s.medfee_sumamt * 95 / 100, s.medfee_sumamt * 95 / 100, s.psn_cash_pay + s.acct_pay, s.fund_pay_sumamt - (s.setlinfo->>'hifp_pay')::bigint,
            s.medfee_sumamt * 95 / 100 - (s.psn_cash_pay + s.acct_pay) - (s.fund_pay_sumamt - (s.setlinfo->>'hifp_pay')::bigint), s.medfee_sumamt * 95 / 100 - s.medfee_sumamt, false,
            (s.setlinfo->>'hifp_pay')::bigint, CASE WHEN s.insutype = '310' THEN '310100' ELSE '390100' END,
            '[{"step":"score_payment","zh":"按预算点值暂付","en":"paid provisionally at the budget point value"}]'::jsonb, l.uploaded_at
       FROM settlements s JOIN settlement_lists l ON l.setl_id = s.setl_id AND l.current WHERE s.setl_id LIKE 'DS%'`,
    [stored.version],
  );
  await pool.query('ANALYZE');
  log(`provisional prices of ${n} stays; budget ${budget.total_fen / 100} yuan (rules version ${stored.version})`);
  return { history, hospitals };
}

const PLAIN_GROUP_BY = `SELECT fixmedins_code, sum(hospital_payment_fen)::bigint AS hospital_payment_fen, sum(basic_fund_paid_fen)::bigint AS paid_fen, count(*)::int AS n
  FROM case_payments WHERE admdvs = $1 AND year = $2 AND superseded_at IS NULL GROUP BY fixmedins_code`;

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
    const { history } = await seedYear(pool, opts.stays, log);
    const seed_seconds = seconds(performance.now() - t0);
    await pool.query('CHECKPOINT');

    // The reference first, then the run: both read the same rows, warm from the seed.
    const g0 = performance.now();
    const plain = await pool.query<{ fixmedins_code: string; hospital_payment_fen: string; paid_fen: string; n: number }>(PLAIN_GROUP_BY, [REGION, YEAR]);
    const groupBy = performance.now() - g0;
    const now = new Date(`${YEAR + 1}-01-20T02:00:00Z`);
    const t1 = performance.now();
    const r = await runYearEnd(pool, { admdvs: REGION, year: YEAR, by: 'bench', now });
    const yearEnd = performance.now() - t1;
    log(`year-end: ${seconds(yearEnd)} s; GROUP BY ${Math.round(groupBy)} ms`);

    // The checks.
    const checks: Record<string, boolean> = {};
    const lines = r.lines;
    const transfers = await pool.query<{ fixmedins_code: string; id: string; to_payable: string }>(
      `SELECT l.fixmedins_code, t.id::text AS id,
              (SELECT coalesce(sum(CASE WHEN g.debit_account = 'medins_payable:' || l.fixmedins_code THEN g.amount_fen ELSE -g.amount_fen END), 0)
                 FROM ledger_legs g WHERE g.transfer_id = t.id)::text AS to_payable
         FROM payment_year_end_lines l JOIN ledger_transfers t ON t.id = l.transfer_id WHERE l.year_end_id = $1 AND t.kind = 'case_payment'`,
      [r.year_end.id],
    );
    const caseTransfers = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = 'case_payment'`)).rows[0]!.n;
    const moving = lines.filter((l) => l.balance_fen !== 0);
    checks.one_transfer_per_hospital_with_a_balance = caseTransfers === moving.length && transfers.rows.length === moving.length
      && moving.every((l) => l.transfer_id !== null) && lines.every((l) => l.balance_fen !== 0 || l.transfer_id === null);
    checks.transfer_moves_the_balance = transfers.rows.every((t) => Number(t.to_payable) === lines.find((l) => l.fixmedins_code === t.fixmedins_code)!.balance_fen);
    const due = lines.reduce((s, l) => s + l.due_fen, 0), paid = lines.reduce((s, l) => s + l.paid_fen, 0);
    checks.balances_sum = lines.reduce((s, l) => s + l.balance_fen, 0) === due - paid && r.year_end.totals.balance_fen === due - paid;
    checks.paid_is_what_the_settlements_paid = paid === plain.rows.reduce((s, x) => s + Number(x.paid_fen), 0);
    checks.every_hospital_has_a_line = lines.length === plain.rows.length && plain.rows.every((x) => lines.some((l) => l.fixmedins_code === x.fixmedins_code && l.cases === x.n));
    // The bench's settlements were written in SQL without their settlement transfers, so that one check is left out.
    const ledger = await checkLedger(pool);
    checks.ledger_balances = ledger.debits_fen === ledger.credits_fen && ledger.drifted.length === 0 && ledger.unbalanced.length === 0 && ledger.undeclared.length === 0 && ledger.overdrawn.length === 0;
    const repriced = (await pool.query<{ stays: number; current: number; settled: number; superseded: number; at_pv: number }>(
      `SELECT count(DISTINCT setl_id)::int AS stays,
              count(*) FILTER (WHERE superseded_at IS NULL)::int AS current,
              count(*) FILTER (WHERE superseded_at IS NULL AND year_end_id = $1 AND priced_at = $2)::int AS settled,
              count(*) FILTER (WHERE superseded_at = $2 AND year_end_id IS NULL)::int AS superseded,
              count(*) FILTER (WHERE superseded_at IS NULL AND explanation->0->>'step' = 'point_value')::int AS at_pv
         FROM case_payments WHERE admdvs = $3 AND year = $4`,
      [r.year_end.id, now, REGION, YEAR],
    )).rows[0]!;
    const rows = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM case_payments WHERE admdvs = $1 AND year = $2`, [REGION, YEAR])).rows[0]!.n;
    checks.every_case_repriced_once = repriced.stays === opts.stays && rows === 2 * opts.stays && repriced.current === opts.stays && repriced.settled === opts.stays
      && repriced.superseded === opts.stays && repriced.at_pv === opts.stays;
    if (!checks.every_case_repriced_once) log(`repricing: ${JSON.stringify({ ...repriced, rows })}`);
    const after = await pool.query<{ fixmedins_code: string; hospital_payment_fen: string }>(PLAIN_GROUP_BY, [REGION, YEAR]);
    checks.due_is_the_group_by_of_the_new_prices = after.rows.every((x) => lines.find((l) => l.fixmedins_code === x.fixmedins_code)?.due_fen === Number(x.hospital_payment_fen));
    const checks_ok = Object.values(checks).every(Boolean);
    if (!checks_ok) log(`checks failed: ${Object.entries(checks).filter(([, v]) => !v).map(([k]) => k).join(', ')}`);
    return {
      stays: opts.stays,
      history,
      seed_seconds,
      dip_year_end_seconds: seconds(yearEnd),
      dip_year_end_group_by_seconds: Math.round(groupBy) / 1000,
      ratio: Math.round((yearEnd / groupBy) * 10) / 10,
      hospitals: lines.length,
      point_value_fen: r.point_value?.point_value_fen ?? 0,
      checks_ok,
      checks,
    };
  } finally {
    await pool.end();
    await pg.stop();
    fs.rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stays = Number(process.argv[2] ?? 200_000);
  runPaymentBench({ stays }).then((r) => console.log(JSON.stringify(r, null, 2)), (e) => { console.error(e); process.exit(1); });
}
