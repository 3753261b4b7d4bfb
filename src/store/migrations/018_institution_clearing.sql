-- Institutions' clearing with the fund (issue 13 item 3, docs/clearing.md "Institutions"):
-- 3203 clearing applications with the institution's claimed totals and the platform's own,
-- the settlements each holds, staff decisions, the payment and the reserve withheld
-- (质量保证金) until released; 3262 an institution's confirmation of a month's cross-region
-- clearing result.
CREATE TABLE institution_clearing_applications (
  id                  bigserial PRIMARY KEY,
  fixmedins_code      text NOT NULL REFERENCES institutions (fixmedins_code),
  clr_type            text NOT NULL,
  clr_way             text NOT NULL,
  setl_optins         text NOT NULL,
  begndate            date NOT NULL,
  enddate             date NOT NULL CHECK (enddate >= begndate),
  -- what the institution claimed (fen), and what the platform counts in the same settlements
  claimed             jsonb NOT NULL,
  platform            jsonb NOT NULL,
  state               text NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'cancelled', 'approved', 'refused')),
  msgid               text NOT NULL,
  applied_at          timestamptz NOT NULL,
  cancelled_at        timestamptz,
  decided_by          text,
  decided_at          timestamptz,
  reasons             text,
  reserve_bp          integer,
  paid_fen            bigint,
  reserve_fen         bigint,
  payment_transfer_id bigint REFERENCES ledger_transfers (id),
  released_at         timestamptz,
  release_transfer_id bigint REFERENCES ledger_transfers (id)
);
CREATE INDEX institution_clearing_applications_inst ON institution_clearing_applications (fixmedins_code, clr_type, begndate);
CREATE TABLE institution_clearing_lines (
  application_id      bigint NOT NULL REFERENCES institution_clearing_applications (id),
  setl_id             text NOT NULL REFERENCES settlements (setl_id),
  PRIMARY KEY (application_id, setl_id)
);
CREATE INDEX institution_clearing_lines_setl ON institution_clearing_lines (setl_id);
CREATE TABLE institution_clearing_confirmations (
  fixmedins_code      text NOT NULL REFERENCES institutions (fixmedins_code),
  clr_ym              text NOT NULL CHECK (clr_ym ~ '^[0-9]{4}(0[1-9]|1[0-2])$'),
  setl_cnt            integer NOT NULL,
  amount_fen          bigint NOT NULL,
  opter               text,
  msgid               text NOT NULL,
  confirmed_at        timestamptz NOT NULL,
  PRIMARY KEY (fixmedins_code, clr_ym)
);

-- Two new account kinds: the reserve withheld from an institution, and what reached its bank.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN ('fund_pool', 'assistance_fund', 'personal_account', 'person_cash',
  'medins_payable', 'medins_cash', 'medins_borne', 'medins_charges', 'owed_to', 'owed_by', 'advance_fund', 'contributor', 'bank', 'opening',
  'medins_reserve', 'medins_bank'));
