-- Paying hospitals per case (issue 14, docs/payment.md): the settlement list (医疗保障基金结算
-- 清单, 4101A) a hospital uploads for a settled stay, each upload a new version with the old
-- ones kept; the stay's grouping on that version; and what the fund owes the hospital for the
-- case under DRG or DIP, a new row whenever the grouping or the rules change it.

-- Document kinds: the reserved `drg_rules` becomes the two kinds the payment needs.
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('policy', 'catalog', 'clearing_rules', 'grouping_scheme', 'payment_rules', 'supervision_rules', 'service_items'));

CREATE SEQUENCE settlement_list_serial START 500000001;

CREATE TABLE settlement_lists (
  id              bigserial PRIMARY KEY,
  setl_list_id    text NOT NULL,                 -- the list's id the 4101A answer gives, one per settlement
  version         integer NOT NULL CHECK (version >= 1),
  setl_id         text NOT NULL REFERENCES settlements (setl_id),
  mdtrt_id        text NOT NULL REFERENCES visits (mdtrt_id),
  psn_no          text NOT NULL REFERENCES persons (psn_no),
  fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  -- 4102: '1' submitted (counts for payment), '0' withdrawn (the case is not paid until resubmitted)
  stas_type       text NOT NULL CHECK (stas_type IN ('0', '1')),
  current         boolean NOT NULL,
  adm_time        timestamptz NOT NULL,
  dscg_time       timestamptz NOT NULL CHECK (dscg_time >= adm_time),
  dscg_way        text NOT NULL,
  principal_diagnosis text NOT NULL,
  main_procedure  text,
  setlinfo        jsonb NOT NULL,   -- as received, normalised (setlinfo)
  diseinfo        jsonb NOT NULL,   -- [{ diag_type, diag_code, diag_name, maindiag_flag, adm_cond_type }]
  oprninfo        jsonb NOT NULL,
  icuinfo         jsonb NOT NULL,
  msgid           text NOT NULL,
  uploaded_at     timestamptz NOT NULL,
  UNIQUE (setl_list_id, version),
  UNIQUE (setl_id, version)
);
CREATE UNIQUE INDEX settlement_lists_current ON settlement_lists (setl_id) WHERE current;
CREATE INDEX settlement_lists_institution ON settlement_lists (fixmedins_code, dscg_time) WHERE current;

-- The grouping of one list version (the same version grouped again gives the same group: the
-- grouper is pure, so a row per version suffices).
CREATE TABLE case_groupings (
  list_id         bigint PRIMARY KEY REFERENCES settlement_lists (id),
  setl_id         text NOT NULL REFERENCES settlements (setl_id),
  scheme          text NOT NULL,
  scheme_version  integer NOT NULL,
  mdc             text,
  adrg            text,
  drg             text NOT NULL,
  status          text NOT NULL CHECK (status IN ('grouped', 'ungroupable')),
  explanation     jsonb NOT NULL,
  grouped_at      timestamptz NOT NULL
);
CREATE INDEX case_groupings_setl ON case_groupings (setl_id);

-- What the fund owes the hospital for a case under the treatment region's payment rules. A
-- case has one current row; a regrouping or a cancellation closes it (superseded_at) and, for a
-- regrouping, adds the new price. The patient's settlement never changes.
CREATE TABLE case_payments (
  id              bigserial PRIMARY KEY,
  setl_id         text NOT NULL REFERENCES settlements (setl_id),
  list_id         bigint NOT NULL REFERENCES settlement_lists (id),
  fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  admdvs          text NOT NULL,   -- the treatment pooling region, whose budget pays
  insuplc_admdvs  text NOT NULL,
  year            integer NOT NULL,
  method          text NOT NULL CHECK (method IN ('drg', 'dip')),
  rules_id        text NOT NULL,
  rules_version   integer NOT NULL,
  group_code      text NOT NULL,
  weight_e4       integer NOT NULL, -- the group's DRG relative weight or DIP score, in ten-thousandths
  score_e4        integer NOT NULL, -- the case's own, after special cases and deviation bands
  kind            text NOT NULL,    -- normal, high_cost, low_cost, short_stay, …, by_item
  total_cost_fen  bigint NOT NULL,
  standard_fen    bigint NOT NULL,  -- what the group's standard pays for the case
  payment_fen     bigint NOT NULL,  -- what DRG/DIP pays for the whole case, from every payer
  patient_paid_fen bigint NOT NULL,
  other_funds_paid_fen bigint NOT NULL,
  hospital_payment_fen bigint NOT NULL, -- payment less what the patient and the other funds paid
  surplus_fen     bigint NOT NULL,  -- standard less the case's cost: the hospital's gain or loss
  review          boolean NOT NULL DEFAULT false, -- waits for expert review (DIP above the top band)
  basic_fund_paid_fen bigint NOT NULL, -- what the basic fund paid the hospital for the stay at settlement (fee for service)
  fund_pay_type   text NOT NULL,    -- the basic fund the case's difference is paid from (310100, 390100)
  explanation     jsonb NOT NULL,
  priced_at       timestamptz NOT NULL,
  superseded_at   timestamptz,
  CHECK (payment_fen = hospital_payment_fen + patient_paid_fen + other_funds_paid_fen),
  CHECK (surplus_fen = payment_fen - total_cost_fen),
  -- the year-end settlement that paid this price, and the later one that took it back after a
  -- regrouping or a cancellation
  year_end_id     bigint,
  reversed_by_year_end_id bigint
);
CREATE UNIQUE INDEX case_payments_current ON case_payments (setl_id) WHERE superseded_at IS NULL;
CREATE INDEX case_payments_year ON case_payments (admdvs, year, fixmedins_code) WHERE superseded_at IS NULL;

-- The year-end balance of DRG/DIP payment is a transfer of its own kind.
ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_kind_check;
ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_kind_check CHECK (kind IN ('settle', 'cancel', 'opening', 'contribution',
  'deposit', 'family_share', 'clearing', 'advance_payment', 'hospital_payment', 'recovery', 'assistance_payment', 'reversal', 'case_payment'));

-- The year-end settlement of a region's DRG/DIP year (清算): once per region and year; each
-- hospital's due (Σ its cases' prices, DIP at the year's point value) against what the
-- settlements already paid it, the balance posted fund ↔ the hospital's payable.
CREATE TABLE payment_year_ends (
  id              bigserial PRIMARY KEY,
  admdvs          text NOT NULL,
  year            integer NOT NULL,
  method          text NOT NULL CHECK (method IN ('drg', 'dip')),
  rules_id        text NOT NULL,
  rules_version   integer NOT NULL,
  point_value     jsonb,            -- DIP: the year's point values and how they were reached
  totals          jsonb NOT NULL,
  run_by          text NOT NULL,
  run_at          timestamptz NOT NULL,
  UNIQUE (admdvs, year)
);
CREATE TABLE payment_year_end_lines (
  year_end_id     bigint NOT NULL REFERENCES payment_year_ends (id),
  fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  cases           integer NOT NULL,
  due_fen         bigint NOT NULL,
  paid_fen        bigint NOT NULL,  -- what the year's settlements paid it from the basic fund
  balance_fen     bigint NOT NULL,  -- due − paid: the fund pays it (positive) or takes it back
  adjustment_fen  bigint NOT NULL,  -- earlier years' cases repriced or cancelled since their year-end
  cmi_e4          integer NOT NULL,
  surplus_fen     bigint NOT NULL,
  transfer_id     bigint REFERENCES ledger_transfers (id),
  PRIMARY KEY (year_end_id, fixmedins_code),
  CHECK (balance_fen = due_fen - paid_fen)
);
ALTER TABLE case_payments ADD FOREIGN KEY (year_end_id) REFERENCES payment_year_ends (id);
ALTER TABLE case_payments ADD FOREIGN KEY (reversed_by_year_end_id) REFERENCES payment_year_ends (id);

-- DIP's history (issue 14 item 4): stays of earlier years a region's DIP catalog is built from,
-- imported from the region's earlier systems; the platform's own settlement lists of earlier
-- years count beside them (store/payment/dip.ts).
CREATE TABLE dip_history (
  id              bigserial PRIMARY KEY,
  admdvs          text NOT NULL,   -- the treatment pooling region
  year            integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  fixmedins_code  text NOT NULL,
  principal_diagnosis text NOT NULL,
  main_procedure  text,
  total_cost_fen  bigint NOT NULL CHECK (total_cost_fen >= 0),
  batch           text NOT NULL,   -- the import it came with
  imported_at     timestamptz NOT NULL
);
CREATE INDEX dip_history_region ON dip_history (admdvs, year);
