-- A recovery (追回, a supervision case's decision) on another region's insured person's
-- settlement returns money across the two regions as a cancellation does: the clearing run must
-- see it as a negative row of cross_region_owed, or the statement would still ask the insured
-- region for what its fund has already got back. Such a row is not a settlement of its own: its
-- setl_id is '<case_no>:<setl_id>' (the settlement recovered from, in orig_setl_id), so the
-- foreign key to settlements goes; recovery_key names the ledger transfer it belongs to.
ALTER TABLE cross_region_owed DROP CONSTRAINT cross_region_owed_setl_id_fkey;
ALTER TABLE cross_region_owed ADD COLUMN recovery_key text;
ALTER TABLE cross_region_owed ADD CONSTRAINT cross_region_owed_settlement_or_recovery
  CHECK (recovery_key IS NULL OR (orig_setl_id IS NOT NULL AND amount_fen < 0));
