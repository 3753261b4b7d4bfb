-- The limits the gateway and the engine enforce (src/engine/money.ts: MAX_LINE_FEN 10^9 fen,
-- MAX_BILL_FEN 10^10 fen, MAX_CNT 10^6; src/engine/dates.ts), held by the database as
-- well, so no other writer stores an amount the engine could not sum exactly or a year 0000.
-- NOT VALID: rows written before these limits are kept as they are; every new or changed row
-- is checked.

ALTER TABLE fee_lines
  ADD CONSTRAINT fee_lines_amount_bounded CHECK (det_item_fee_sumamt BETWEEN -1000000000 AND 1000000000) NOT VALID,
  ADD CONSTRAINT fee_lines_price_bounded CHECK (pric BETWEEN 0 AND 1000000000) NOT VALID,
  ADD CONSTRAINT fee_lines_count_bounded CHECK (cnt <> 0 AND abs(cnt) <= 1000000 AND scale(cnt) <= 4) NOT VALID,
  -- A line's total is its price × count, to the fen.
  ADD CONSTRAINT fee_lines_total_is_price_times_count CHECK (abs(det_item_fee_sumamt - pric * cnt) < 1) NOT VALID,
  ADD CONSTRAINT fee_lines_time_sane CHECK (fee_ocur_time IS NULL OR fee_ocur_time BETWEEN '1900-01-01' AND '2200-01-01') NOT VALID;

ALTER TABLE visits
  ADD CONSTRAINT visits_times_sane CHECK (begntime BETWEEN '1900-01-01' AND '2200-01-01' AND (endtime IS NULL OR endtime BETWEEN '1900-01-01' AND '2200-01-01')) NOT VALID;

-- A settlement (negated on a cancel row) is one bill at most.
ALTER TABLE settlements
  ADD CONSTRAINT settlements_amounts_bounded CHECK (
    medfee_sumamt BETWEEN -10000000000 AND 10000000000
    AND fund_pay_sumamt BETWEEN -10000000000 AND 10000000000
    AND acct_pay BETWEEN -10000000000 AND 10000000000
    AND psn_cash_pay BETWEEN -10000000000 AND 10000000000
    AND hosp_part_amt BETWEEN -10000000000 AND 10000000000) NOT VALID;

-- A leg carries at most one bill; a transfer is the few legs of one settlement.
ALTER TABLE ledger_transfers
  ADD CONSTRAINT ledger_transfers_amount_bounded CHECK (amount_fen BETWEEN -100000000000 AND 100000000000) NOT VALID;
ALTER TABLE ledger_legs
  ADD CONSTRAINT ledger_legs_amount_bounded CHECK (amount_fen <= 10000000000) NOT VALID;
