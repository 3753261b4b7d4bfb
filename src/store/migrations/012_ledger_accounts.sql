-- One ledger for all money (issue 12): accounts become declared rows, transfers of every kind
-- (not only settlements) are posted through one path, each idempotent by its key and linked
-- to its cause, and the personal account's balance becomes a ledger balance: each
-- personal_accounts.balc_fen is carried across as an opening-balance transfer, then dropped.
-- The account codes of 004 stay as they are (kind:owner[:fund]); src/engine/ledger.ts
-- (accountOf) reads them the way the CASE below does.

CREATE TABLE ledger_accounts (
  code            text PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('fund_pool', 'assistance_fund', 'personal_account', 'person_cash', 'medins_payable',
                    'medins_cash', 'medins_borne', 'medins_charges', 'owed_to', 'owed_by', 'advance_fund', 'contributor', 'bank', 'opening')),
  admdvs          text, -- the region, where the code names one (a person's or an institution's region lives with them)
  other_admdvs    text, -- the other region of owed_to / owed_by / advance
  fund_type       text, -- fund_pay_type of a fund
  psn_no          text, -- the owner of a personal account or of a person's cash
  fixmedins_code  text, -- the owner of an institution's account
  may_go_negative boolean NOT NULL,
  CHECK (kind <> 'personal_account' OR NOT may_go_negative)
);
-- No foreign key from legs or balances to accounts: its check would lock the account row
-- (FOR KEY SHARE) of a region's fund on every settlement. Every poster declares its accounts
-- in the statement that writes the legs; checkLedger reports any leg naming an undeclared one.

-- Every account the legs and balances already name, read from its code.
INSERT INTO ledger_accounts (code, kind, admdvs, other_admdvs, fund_type, psn_no, fixmedins_code, may_go_negative)
SELECT code,
       CASE p[1] WHEN 'fund' THEN CASE WHEN p[3] = '610100' THEN 'assistance_fund' ELSE 'fund_pool' END
                 WHEN 'psn_acct' THEN 'personal_account' WHEN 'psn_cash' THEN 'person_cash'
                 WHEN 'medins_payable' THEN 'medins_payable' WHEN 'medins_cash' THEN 'medins_cash'
                 WHEN 'medins_borne' THEN 'medins_borne' WHEN 'medins_charges' THEN 'medins_charges'
                 WHEN 'owed_to' THEN 'owed_to' WHEN 'owed_by' THEN 'owed_by' END,
       CASE WHEN p[1] IN ('fund', 'owed_to', 'owed_by') THEN p[2] END,
       CASE WHEN p[1] IN ('owed_to', 'owed_by') THEN p[3] END,
       CASE WHEN p[1] = 'fund' THEN p[3] END,
       CASE WHEN p[1] IN ('psn_acct', 'psn_cash') THEN p[2] END,
       CASE WHEN p[1] LIKE 'medins\_%' THEN p[2] END,
       p[1] <> 'psn_acct'
  FROM (SELECT code, string_to_array(code, ':') AS p
          FROM (SELECT debit_account AS code FROM ledger_legs UNION SELECT credit_account FROM ledger_legs
                UNION SELECT account FROM ledger_balances) named) parsed;
-- Every personal account, and the regions' accounts of balances brought forward.
INSERT INTO ledger_accounts (code, kind, psn_no, may_go_negative)
SELECT 'psn_acct:' || psn_no, 'personal_account', psn_no, false FROM personal_accounts
ON CONFLICT (code) DO NOTHING;
INSERT INTO ledger_accounts (code, kind, admdvs, may_go_negative)
SELECT DISTINCT 'opening:' || insuplc_admdvs, 'opening', insuplc_admdvs, true FROM personal_accounts
ON CONFLICT (code) DO NOTHING;

-- Transfers of every kind, each with its idempotency key and its cause. A settlement's or
-- cancellation's key is 'setl:' || setl_id (one transfer each); the unique key replaces the
-- index on setl_id, so a settlement still writes the same number of index entries.
ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_kind_check;
ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_kind_check CHECK (kind IN ('settle', 'cancel', 'opening', 'contribution',
  'deposit', 'family_share', 'clearing', 'advance_payment', 'hospital_payment', 'recovery', 'assistance_payment', 'reversal'));
ALTER TABLE ledger_transfers ALTER COLUMN setl_id DROP NOT NULL;
ALTER TABLE ledger_transfers ADD COLUMN key text, ADD COLUMN cause_kind text, ADD COLUMN cause_id text, ADD COLUMN memo text;
-- The append-only trigger guards the ledger; this one backfill of the new columns is the migration's.
ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_append_only;
UPDATE ledger_transfers SET key = 'setl:' || setl_id, cause_kind = 'settlement', cause_id = setl_id;
ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_append_only;
ALTER TABLE ledger_transfers ALTER COLUMN key SET NOT NULL, ALTER COLUMN cause_kind SET NOT NULL, ALTER COLUMN cause_id SET NOT NULL;
ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_settlement_link CHECK ((kind IN ('settle', 'cancel')) = (setl_id IS NOT NULL));
ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_reverses_kind CHECK (reverses IS NULL OR kind IN ('cancel', 'reversal'));
CREATE UNIQUE INDEX ledger_transfers_key ON ledger_transfers (key);
DROP INDEX ledger_transfers_setl;
-- A transfer is corrected once.
CREATE UNIQUE INDEX ledger_transfers_reversed_once ON ledger_transfers (reverses) WHERE reverses IS NOT NULL;

-- An account that may not go negative keeps its balance on shard 0 only, where one row
-- (and the trigger below) holds it at zero or above against every poster at once (the other shards exist to spread
-- the hot funds; a personal account is one person's and is never hot).
ALTER TABLE ledger_balances ADD COLUMN may_go_negative boolean NOT NULL DEFAULT true;
INSERT INTO ledger_balances (account, shard, debits_fen, credits_fen)
SELECT account, 0, sum(debits_fen), sum(credits_fen) FROM ledger_balances WHERE account LIKE 'psn\_acct:%' AND shard <> 0 GROUP BY account
ON CONFLICT (account, shard) DO UPDATE SET debits_fen = ledger_balances.debits_fen + EXCLUDED.debits_fen,
                                           credits_fen = ledger_balances.credits_fen + EXCLUDED.credits_fen;
DELETE FROM ledger_balances WHERE account LIKE 'psn\_acct:%' AND shard <> 0;

-- Opening balances: what makes each personal account's ledger balance equal today's balc_fen
-- (its legs already gave every acct_pay), one transfer per 1,000 accounts (a transfer stays
-- within ledger_transfers_amount_bounded whatever the balances).
CREATE TEMP TABLE opening_012 ON COMMIT DROP AS
SELECT pa.psn_no, pa.insuplc_admdvs, pa.balc_fen - coalesce(b.debits_fen - b.credits_fen, 0) AS amount,
       row_number() OVER (ORDER BY pa.psn_no) - 1 AS rn
  FROM personal_accounts pa LEFT JOIN ledger_balances b ON b.account = 'psn_acct:' || pa.psn_no AND b.shard = 0
 WHERE pa.balc_fen <> coalesce(b.debits_fen - b.credits_fen, 0);
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM opening_012 WHERE amount < 0) THEN
    RAISE EXCEPTION 'a personal account''s ledger legs took more than its balc_fen holds; fix the data before migrating';
  END IF;
END $$;
INSERT INTO ledger_transfers (kind, key, cause_kind, cause_id, amount_fen, at, memo)
SELECT 'opening', 'opening:012:' || (rn / 1000), 'migration', '012_ledger_accounts', sum(amount), now(), '个人账户期初余额 / personal-account balances brought forward'
  FROM opening_012 GROUP BY rn / 1000;
INSERT INTO ledger_legs (transfer_id, n, debit_account, credit_account, amount_fen)
SELECT t.id, o.rn % 1000, 'psn_acct:' || o.psn_no, 'opening:' || o.insuplc_admdvs, o.amount
  FROM opening_012 o JOIN ledger_transfers t ON t.key = 'opening:012:' || (o.rn / 1000);
INSERT INTO ledger_balances (account, shard, debits_fen, credits_fen)
SELECT 'psn_acct:' || psn_no, 0, amount, 0 FROM opening_012
ON CONFLICT (account, shard) DO UPDATE SET debits_fen = ledger_balances.debits_fen + EXCLUDED.debits_fen;
INSERT INTO ledger_balances (account, shard, debits_fen, credits_fen)
SELECT 'opening:' || insuplc_admdvs, 0, 0, sum(amount) FROM opening_012 GROUP BY insuplc_admdvs
ON CONFLICT (account, shard) DO UPDATE SET credits_fen = ledger_balances.credits_fen + EXCLUDED.credits_fen;
UPDATE ledger_balances SET may_go_negative = false WHERE account LIKE 'psn\_acct:%';
ALTER TABLE ledger_balances ADD CONSTRAINT ledger_balances_one_shard CHECK (may_go_negative OR shard = 0);
-- Not a CHECK: PostgreSQL checks an upsert's proposed row (this transfer's change alone)
-- before it finds the row it updates, so the rule is checked on the row as it ends up, after
-- the statement, for these rows only (WHEN), by a trigger that reports it as a check violation.
CREATE FUNCTION ledger_balance_not_below_zero() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.debits_fen < NEW.credits_fen THEN
    RAISE EXCEPTION 'account % may not go below zero (balance % fen)', NEW.account, NEW.debits_fen - NEW.credits_fen
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balances_not_below_zero';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_balances_not_below_zero AFTER INSERT OR UPDATE ON ledger_balances
  FOR EACH ROW WHEN (NOT NEW.may_go_negative) EXECUTE FUNCTION ledger_balance_not_below_zero();

-- The ledger is now the one source of the personal account's balance; personal_accounts
-- keeps who has one and in which region.
ALTER TABLE personal_accounts DROP COLUMN balc_fen;
