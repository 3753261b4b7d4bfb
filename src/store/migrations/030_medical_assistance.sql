-- Medical assistance on application (医疗救助, issue 16, docs/service-network.md): the rules
-- as a versioned document (kind `assistance_rules`), the application worked on the case
-- machine (cases, case_events: kind 'medical_assistance', number = application_no), the
-- settlements it claims, the objections of its public notice (公示), and the contribution
-- subsidies (资助参保). A payment is a ledger transfer (kind 'assistance_payment', key
-- 'assistance_payment:<application_no>'); a subsidy is a contribution transfer (key
-- 'assistance_subsidy:<psn_no>:<year>'), never an edit of a balance.

ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('policy', 'catalog', 'clearing_rules', 'grouping_scheme', 'payment_rules', 'supervision_rules', 'service_items', 'assistance_rules'));

CREATE SEQUENCE medical_assistance_serial;

CREATE TABLE medical_assistance_applications (
  case_id           bigint PRIMARY KEY REFERENCES cases (id),
  application_no    text NOT NULL UNIQUE,
  type              text NOT NULL CHECK (type IN ('assistance', 'reassistance')),
  psn_no            text NOT NULL REFERENCES persons (psn_no),
  region            text NOT NULL, -- the pooling region whose assistance fund pays and whose staff work it
  year              integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  channel           text NOT NULL CHECK (channel IN ('online', 'window', 'proxy', 'system')),
  applicant         text NOT NULL, -- who submitted (actor label)
  proxy_username    text, -- the grid worker acting with the person's consent
  consent_ref       text,
  form              jsonb NOT NULL, -- { setl_ids, outside: [{ description, amount_fen, paid_on, materials }], reason }
  rules_id          text NOT NULL,
  rules_version     integer NOT NULL,
  submitted_at      timestamptz NOT NULL,
  due_on            date NOT NULL, -- the whole path's deadline (the rules' total_days, working days)
  computed_fen      bigint CHECK (computed_fen >= 0), -- the review's amount, from the stored settlements
  deductible_fen    bigint CHECK (deductible_fen >= 0), -- the part of the year's deductible this review used
  explanation       jsonb,
  reviewed_by       text,
  reviewed_at       timestamptz,
  notice_starts_on  date,
  notice_ends_on    date, -- the last day of the notice
  paid_fen          bigint CHECK (paid_fen >= 0),
  payment_transfer  bigint REFERENCES ledger_transfers (id),
  paid_at           timestamptz,
  payee_account     text, -- the ledger account paid: psn_cash:<psn_no>
  decision_reason   text,
  CHECK ((channel = 'proxy') = (proxy_username IS NOT NULL AND consent_ref IS NOT NULL)),
  -- a payment cut to nothing by the yearly cap closes the application with paid_fen 0 and no transfer
  CHECK (payment_transfer IS NULL OR paid_at IS NOT NULL)
);
CREATE INDEX medical_assistance_person ON medical_assistance_applications (psn_no, year);
CREATE INDEX medical_assistance_region ON medical_assistance_applications (region, year);
-- The re-assistance scan proposes one case per person and year, however often it runs.
CREATE UNIQUE INDEX medical_assistance_one_reassistance ON medical_assistance_applications (psn_no, year) WHERE type = 'reassistance';

-- A settlement is claimed by one live application at a time; a rejected application releases it.
CREATE TABLE medical_assistance_settlements (
  application_no    text NOT NULL REFERENCES medical_assistance_applications (application_no),
  setl_id           text NOT NULL REFERENCES settlements (setl_id),
  released          boolean NOT NULL DEFAULT false,
  PRIMARY KEY (application_no, setl_id)
);
CREATE UNIQUE INDEX medical_assistance_settlement_once ON medical_assistance_settlements (setl_id) WHERE NOT released;

-- Objections (异议) raised during the public notice, recorded by staff, each resolved once.
CREATE TABLE medical_assistance_objections (
  id                bigserial PRIMARY KEY,
  application_no    text NOT NULL REFERENCES medical_assistance_applications (application_no),
  at                timestamptz NOT NULL,
  recorded_by       text NOT NULL,
  objector          text NOT NULL,
  contact           text,
  reason            text NOT NULL,
  resolution        text CHECK (resolution IN ('upheld', 'dismissed')),
  resolution_reason text,
  resolved_by       text,
  resolved_at       timestamptz,
  CHECK ((resolution IS NULL) = (resolved_at IS NULL))
);
CREATE INDEX medical_assistance_objections_app ON medical_assistance_objections (application_no);

-- 资助参保: one subsidy per person and year, its contribution and its transfer.
CREATE TABLE assistance_subsidies (
  id                bigserial PRIMARY KEY,
  psn_no            text NOT NULL REFERENCES persons (psn_no),
  year              integer NOT NULL,
  region            text NOT NULL,
  identity          text NOT NULL,
  share_bp          integer NOT NULL CHECK (share_bp BETWEEN 1 AND 10000),
  amount_fen        bigint NOT NULL CHECK (amount_fen > 0),
  rules_id          text NOT NULL,
  rules_version     integer NOT NULL,
  contribution_id   bigint NOT NULL REFERENCES contributions (id),
  transfer_id       bigint NOT NULL REFERENCES ledger_transfers (id),
  at                timestamptz NOT NULL,
  by_actor          text NOT NULL,
  UNIQUE (psn_no, year)
);
CREATE INDEX assistance_subsidies_region ON assistance_subsidies (region, year);
