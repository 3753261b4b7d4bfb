-- Direct settlement (issue 5): policy documents and catalogs as versioned data, visits and
-- their fee lines, settlements with the engine's explanation, per-person-per-year
-- accumulators, a double-entry ledger, and what insured regions owe treatment regions.
-- Money is bigint fen everywhere.

-- Policy documents (policies/*.json) and catalogs (catalogs/*.json), versioned. The server
-- compiles them once and recompiles when settlement_documents_generation moves.
CREATE TABLE policy_documents (
  policy_id       text NOT NULL,
  version         integer NOT NULL,
  admdvs          text NOT NULL,
  insutype        text NOT NULL,
  doc             jsonb NOT NULL,
  loaded_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (policy_id, version)
);
CREATE TABLE catalog_documents (
  catalog_id      text NOT NULL,
  admdvs          text NOT NULL, -- 'base' for the shared base, else the treatment pooling region
  version         integer NOT NULL,
  doc             jsonb NOT NULL,
  loaded_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (catalog_id, version)
);
-- One number that changes whenever a document is added or replaced: a cheap freshness check.
CREATE SEQUENCE settlement_documents_generation;
CREATE FUNCTION bump_settlement_documents_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('settlement_documents_generation');
  RETURN NULL;
END $$;
CREATE TRIGGER policy_documents_changed AFTER INSERT OR UPDATE OR DELETE ON policy_documents
  FOR EACH STATEMENT EXECUTE FUNCTION bump_settlement_documents_generation();
CREATE TRIGGER catalog_documents_changed AFTER INSERT OR UPDATE OR DELETE ON catalog_documents
  FOR EACH STATEMENT EXECUTE FUNCTION bump_settlement_documents_generation();

-- Card / voucher password (密码), checked on settlement where the interface requires it
-- (a social security card used within its province). sha256 of psn_no || ':' || password.
ALTER TABLE person_certs ADD COLUMN pwd_sha256 text;

CREATE SEQUENCE visit_serial START 300000001;
CREATE SEQUENCE settlement_serial START 400000001;

-- A visit (就诊): outpatient registration (2201), admission (2401) or a pharmacy sale (2102).
CREATE TABLE visits (
  mdtrt_id          text PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('outpatient', 'inpatient', 'pharmacy')),
  status            text NOT NULL CHECK (status IN ('open', 'discharged', 'settled', 'cancelled')),
  psn_no            text NOT NULL REFERENCES persons (psn_no),
  insutype          text NOT NULL,
  psn_type          text NOT NULL,
  fixmedins_code    text NOT NULL REFERENCES institutions (fixmedins_code),
  hosp_lv           text NOT NULL,
  mdtrtarea_admvs   text NOT NULL, -- treatment pooling region (its catalog classifies)
  insuplc_admdvs    text NOT NULL, -- insured pooling region (its policy computes)
  med_type          text NOT NULL,
  begntime          timestamptz NOT NULL,
  endtime           timestamptz,
  ipt_otp_no        text,
  mdtrt_cert_type   text,
  mdtrt_cert_no     text,
  emergency_flag    boolean NOT NULL DEFAULT false,
  dise_codes        text[] NOT NULL DEFAULT '{}',
  cross_region_status text NOT NULL,
  eligibility       jsonb NOT NULL, -- the cooperation layer's decision (status, terms, reasons)
  info              jsonb NOT NULL DEFAULT '{}', -- what the HIS sent about the visit (2201/2203/2401/2403/2402)
  created_at        timestamptz NOT NULL
);
CREATE INDEX visits_psn ON visits (psn_no, begntime);
CREATE INDEX visits_institution ON visits (fixmedins_code, begntime);

CREATE TABLE visit_diagnoses (
  mdtrt_id        text NOT NULL REFERENCES visits (mdtrt_id),
  diag_type       text NOT NULL,
  diag_srt_no     integer NOT NULL,
  diag_code       text NOT NULL,
  diag_name       text NOT NULL DEFAULT '',
  maindiag_flag   boolean NOT NULL DEFAULT false,
  PRIMARY KEY (mdtrt_id, diag_type, diag_srt_no)
);

-- Fee lines as uploaded (2204/2301/2102), classified on the treatment region's catalog at upload.
-- setl_id marks the settlement that priced the line; cancelled lines stay for the record.
CREATE TABLE fee_lines (
  mdtrt_id          text NOT NULL REFERENCES visits (mdtrt_id),
  feedetl_sn        text NOT NULL,
  seq               integer NOT NULL,
  chrg_bchno        text,
  med_list_codg     text NOT NULL,
  medins_list_codg  text,
  fee_ocur_time     timestamptz,
  det_item_fee_sumamt bigint NOT NULL,
  cnt               numeric NOT NULL,
  pric              bigint NOT NULL,
  hosp_appr_flag    text,
  init_feedetl_sn   text,
  chrgitm_lv        text NOT NULL,
  med_chrgitm_type  text NOT NULL,
  selfpay_prop_bp   integer NOT NULL,
  pric_uplmt_fen    bigint,
  fulamt_ownpay_amt bigint NOT NULL,
  overlmt_amt       bigint NOT NULL,
  preselfpay_amt    bigint NOT NULL,
  inscp_scp_amt     bigint NOT NULL,
  two_diseases      text,
  separately_paid   boolean NOT NULL,
  reason_zh         text NOT NULL,
  reason_en         text NOT NULL,
  status            text NOT NULL CHECK (status IN ('uploaded', 'cancelled')),
  setl_id           text,
  upload_msgid      text NOT NULL,
  PRIMARY KEY (mdtrt_id, feedetl_sn),
  CHECK (det_item_fee_sumamt = fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt)
);

-- Settlements (结算) and their cancellations: a cancellation is its own row (kind 'cancel',
-- amounts negated, orig_setl_id naming the original), as the 2208/2305 answers show.
CREATE TABLE settlements (
  setl_id           text PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('settle', 'cancel')),
  orig_setl_id      text REFERENCES settlements (setl_id),
  status            text NOT NULL CHECK (status IN ('settled', 'cancelled')), -- of a 'settle' row
  mdtrt_id          text NOT NULL REFERENCES visits (mdtrt_id),
  psn_no            text NOT NULL REFERENCES persons (psn_no),
  fixmedins_code    text NOT NULL REFERENCES institutions (fixmedins_code),
  insuplc_admdvs    text NOT NULL,
  mdtrtarea_admvs   text NOT NULL,
  insutype          text NOT NULL,
  psn_type          text NOT NULL,
  med_type          text NOT NULL,
  clr_type          text NOT NULL,
  mid_setl          boolean NOT NULL DEFAULT false,
  setl_time         timestamptz NOT NULL,
  setl_year         integer NOT NULL,
  cross_region_status text NOT NULL,
  policy_id         text NOT NULL,
  policy_version    integer NOT NULL,
  medfee_sumamt     bigint NOT NULL,
  fund_pay_sumamt   bigint NOT NULL,
  acct_pay          bigint NOT NULL,
  psn_cash_pay      bigint NOT NULL,
  hosp_part_amt     bigint NOT NULL,
  setlinfo          jsonb NOT NULL, -- every amount in fen, as the engine returned it
  setldetail        jsonb NOT NULL,
  increments        jsonb NOT NULL, -- what was added to the accumulators (negated on a cancel row)
  explanation       jsonb NOT NULL, -- the engine's steps, and the eligibility reasons
  msgid             text NOT NULL,
  CHECK (medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay + hosp_part_amt),
  CHECK ((kind = 'cancel') = (orig_setl_id IS NOT NULL))
);
CREATE INDEX settlements_psn ON settlements (psn_no, setl_time);
CREATE INDEX settlements_visit ON settlements (mdtrt_id);
CREATE INDEX settlements_institution ON settlements (fixmedins_code, setl_time);
-- A settlement is cancelled once.
CREATE UNIQUE INDEX settlements_one_cancel ON settlements (orig_setl_id) WHERE kind = 'cancel';

-- Year-to-date amounts (the engine's Accumulators) per person and insurance year: one row,
-- locked FOR UPDATE by every settlement of the person so caps and deductibles hold.
CREATE TABLE accumulators (
  psn_no          text NOT NULL REFERENCES persons (psn_no),
  year            integer NOT NULL,
  acc             jsonb NOT NULL,
  settlements     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (psn_no, year)
);

-- The ledger. Accounts are named by text (kind:owner[:fund]):
--   fund:<admdvs>:<fund_pay_type>    a region's fund (debited when it pays)
--   psn_acct:<psn_no>                a person's personal account
--   psn_cash:<psn_no>                what a person paid in cash at the counter
--   medins_payable:<fixmedins_code>  what the insurance owes an institution (cleared monthly)
--   medins_cash:<fixmedins_code>     cash an institution collected
--   medins_borne:<fixmedins_code>    what an institution bears itself (over price limits)
--   medins_charges:<fixmedins_code>  the charges an institution wrote off
--   owed_to:<insured>:<treatment>    an insured region's debt to a treatment region
--   owed_by:<treatment>:<insured>    the treatment region's claim on the insured region
-- Every leg debits one account and credits another by the same positive amount, so each
-- transfer balances by construction. Transfers are append-only; a correction is a reversing
-- transfer (legs swapped).
CREATE TABLE ledger_transfers (
  id              bigserial PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('settle', 'cancel')),
  setl_id         text NOT NULL REFERENCES settlements (setl_id),
  reverses        bigint REFERENCES ledger_transfers (id),
  amount_fen      bigint NOT NULL, -- Σ legs
  at              timestamptz NOT NULL
);
CREATE INDEX ledger_transfers_setl ON ledger_transfers (setl_id);
CREATE TABLE ledger_legs (
  transfer_id     bigint NOT NULL REFERENCES ledger_transfers (id),
  n               smallint NOT NULL,
  debit_account   text NOT NULL,
  credit_account  text NOT NULL,
  amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
  PRIMARY KEY (transfer_id, n),
  CHECK (debit_account <> credit_account)
);
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: write a reversing transfer instead';
END $$;
CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_legs_append_only BEFORE UPDATE OR DELETE ON ledger_legs
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Balances, maintained in the same transaction as the legs. A busy account (a region's fund,
-- a big hospital) would serialise every settlement on one row, so each account's balance is
-- spread over 16 shards (chosen by the settlement); its balance is the sum of its shards.
CREATE TABLE ledger_balances (
  account         text NOT NULL,
  shard           smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
  debits_fen      bigint NOT NULL DEFAULT 0,
  credits_fen     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (account, shard)
);

-- Cross-region settlements: what the insured region owes the treatment region, per
-- settlement (a cancellation adds the negative), by clearing month (清算月份).
CREATE TABLE cross_region_owed (
  setl_id           text PRIMARY KEY REFERENCES settlements (setl_id),
  insuplc_admdvs    text NOT NULL,
  mdtrtarea_admvs   text NOT NULL,
  fixmedins_code    text NOT NULL,
  clr_month         text NOT NULL CHECK (clr_month ~ '^[0-9]{6}$'),
  amount_fen        bigint NOT NULL -- fund and personal-account payments
);
CREATE INDEX cross_region_owed_month ON cross_region_owed (clr_month, insuplc_admdvs, mdtrtarea_admvs);
