-- Advance funds (预付金, issue 13): per pair (insured province → treatment province) and year,
-- the size the insured side has paid into advance:<insured>:<treatment> (ledger transfers of
-- kind advance_payment), and the warnings raised as settlements consume it. No fund existed
-- before this migration, so there is nothing to carry across: the first setAdvanceFunds of a
-- year sizes them from the cross_region_owed rows already held.
CREATE TABLE advance_funds (
  insured_admdvs    text NOT NULL,
  treatment_admdvs  text NOT NULL,
  year              integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  size_fen          bigint NOT NULL CHECK (size_fen >= 0), -- Σ its advance_payment transfers of the year
  basis_fen         bigint NOT NULL,                       -- the previous year's cross-region payments it was sized from
  state             text NOT NULL CHECK (state IN ('open', 'closed')),
  transfers         integer NOT NULL DEFAULT 0,            -- how many transfers it has had (numbers the adjustment keys)
  set_at            timestamptz NOT NULL,
  PRIMARY KEY (insured_admdvs, treatment_admdvs, year),
  CHECK (insured_admdvs <> treatment_admdvs)
);

-- A warning is raised once per level and year; who is to be told is recorded with it (the
-- notification channel reaches persons, not regions' staff).
CREATE TABLE advance_fund_warnings (
  insured_admdvs    text NOT NULL,
  treatment_admdvs  text NOT NULL,
  year              integer NOT NULL,
  level             text NOT NULL CHECK (level IN ('yellow', 'red')),
  at                timestamptz NOT NULL,
  rate_bp           bigint NOT NULL,
  consumed_fen      bigint NOT NULL,
  size_fen          bigint NOT NULL,
  notify_admdvs     text[] NOT NULL,
  top_up_by         date, -- a red warning's top-up deadline
  CHECK ((level = 'red') = (top_up_by IS NOT NULL)),
  PRIMARY KEY (insured_admdvs, treatment_admdvs, year, level),
  FOREIGN KEY (insured_admdvs, treatment_admdvs, year) REFERENCES advance_funds
);
