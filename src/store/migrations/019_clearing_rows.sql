-- The clearing run reads one narrow table (issue 13's benchmark, docs/benchmarks.md): each
-- cross-region row carries what the run needs of its settlement, so a month of a million is
-- cleared without reading the settlement rows (setlinfo, setldetail, the explanation: about
-- ten times as wide). All four are facts of the settlement, written once with it.
--   setl_time     when it was settled (the month it belongs to; earlier ones are adjustments)
--   orig_setl_id  the settlement a cancellation cancels
--   insutype      the statement's totals by insurance type
--   by_fund       what is owed by fund type (the personal account as 310200), signed like amount_fen
ALTER TABLE cross_region_owed
  ADD COLUMN setl_time timestamptz,
  ADD COLUMN orig_setl_id text,
  ADD COLUMN insutype text,
  ADD COLUMN by_fund jsonb;

-- The rows already stored, by the rule the run applied to setldetail until now.
UPDATE cross_region_owed c
   SET setl_time = s.setl_time, orig_setl_id = s.orig_setl_id, insutype = s.insutype,
       by_fund = (SELECT coalesce(jsonb_object_agg(f.k, CASE WHEN s.kind = 'cancel' THEN -f.v ELSE f.v END), '{}'::jsonb)
                    FROM (SELECT d->>'fund_pay_type' AS k, sum(abs((d->>'fund_payamt')::bigint)) AS v FROM jsonb_array_elements(s.setldetail) d
                           WHERE d->>'fund_pay_type' NOT IN ('310200', '999996') AND (d->>'fund_payamt')::bigint <> 0 GROUP BY 1
                          UNION ALL SELECT '310200', abs(s.acct_pay) WHERE s.acct_pay <> 0) f)
  FROM settlements s WHERE s.setl_id = c.setl_id;

ALTER TABLE cross_region_owed
  ALTER COLUMN setl_time SET NOT NULL,
  ALTER COLUMN insutype SET NOT NULL,
  ALTER COLUMN by_fund SET NOT NULL;

-- A month's run writes a line per settlement (a million in the benchmark): the two foreign
-- keys of clearing_lines cost a per-row check each (about 14 µs a line measured, more than the
-- whole run otherwise). Both hold by construction: the run writes a line only for a
-- cross_region_owed row (itself a settlement's, by its foreign key) and only into a statement
-- the same statement inserts; neither table deletes. The uniqueness of (level, setl_id) stays.
ALTER TABLE clearing_lines
  DROP CONSTRAINT clearing_lines_statement_id_fkey,
  DROP CONSTRAINT clearing_lines_setl_id_fkey;
