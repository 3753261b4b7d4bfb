-- The hub's clearing between deployments (issue 17, docs/federation.md "Hub clearing"). The
-- hub tables are used on a deployment whose directory role is 'hub'; the posting tables on
-- every other deployment. Both sets exist everywhere (one schema for every yibao).

-- Hub: the newest report of each deployment and month (a repaired report replaces the last).
CREATE TABLE hub_reports (
  deployment     text NOT NULL,
  month          text NOT NULL CHECK (month ~ '^[0-9]{6}$'),
  msg_id         text NOT NULL,
  records_sha256 text NOT NULL,
  count          integer NOT NULL,
  total_fen      bigint NOT NULL,
  versions       integer NOT NULL DEFAULT 1, -- how many different reports of the month arrived
  received_at    timestamptz NOT NULL,
  PRIMARY KEY (deployment, month)
);

-- Hub: every record a deployment reported, once per (deployment, fed_id), as its newest report
-- has it: the earliest month whose report carried it (report_month: the first run that takes
-- it) and, once a run matched it, the month that cleared it. An uncleared record is held for
-- every later run until it matches.
CREATE TABLE hub_records (
  deployment      text NOT NULL,
  fed_id          text NOT NULL,
  report_month    text NOT NULL,
  role            text NOT NULL CHECK (role IN ('treatment', 'insured')),
  peer            text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('settle', 'cancel')),
  orig_fed_id     text,
  owed_fen        bigint NOT NULL,
  by_fund         jsonb NOT NULL,
  medfee_sumamt   bigint NOT NULL,
  fund_pay_sumamt bigint NOT NULL,
  acct_pay        bigint NOT NULL,
  psn_cash_pay    bigint NOT NULL,
  setl_time       timestamptz NOT NULL,
  cleared_month   text,
  PRIMARY KEY (deployment, fed_id),
  FOREIGN KEY (deployment, report_month) REFERENCES hub_reports (deployment, month)
);
CREATE INDEX hub_records_open ON hub_records (report_month) WHERE cleared_month IS NULL;

-- Hub: a month's run, once (a rerun returns it); what it matched and what it carried.
CREATE TABLE hub_runs (
  month       text PRIMARY KEY CHECK (month ~ '^[0-9]{6}$'),
  matched     integer NOT NULL,
  exceptions  jsonb NOT NULL,
  positions   jsonb NOT NULL,
  run_at      timestamptz NOT NULL
);

-- Hub: one statement per deployment and run (the body is the statement as sent).
CREATE TABLE hub_statements (
  id          bigserial PRIMARY KEY,
  month       text NOT NULL REFERENCES hub_runs (month),
  deployment  text NOT NULL,
  net_fen     bigint NOT NULL,
  body        jsonb NOT NULL,
  UNIQUE (month, deployment)
);

-- Deployment: each hub statement posted, once (its transfer's key is hub_clearing:<month>:<id>;
-- null when it moved nothing), and each fed_id it cleared, once over all statements.
CREATE TABLE federation_hub_statements (
  hub          text NOT NULL,
  statement_id bigint NOT NULL,
  month        text NOT NULL,
  net_fen      bigint NOT NULL,
  transfer_id  bigint REFERENCES ledger_transfers (id),
  body         jsonb NOT NULL,
  posted_at    timestamptz NOT NULL,
  PRIMARY KEY (hub, statement_id)
);
CREATE TABLE federation_hub_cleared (
  fed_id       text PRIMARY KEY REFERENCES federation_settlements (fed_id),
  hub          text NOT NULL,
  statement_id bigint NOT NULL,
  FOREIGN KEY (hub, statement_id) REFERENCES federation_hub_statements (hub, statement_id)
);

-- The hub's account in a deployment's ledger, and the transfer that posts a statement.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN ('fund_pool', 'assistance_fund', 'personal_account', 'person_cash',
  'medins_payable', 'medins_cash', 'medins_borne', 'medins_charges', 'owed_to', 'owed_by', 'advance_fund', 'contributor', 'bank', 'opening',
  'medins_reserve', 'medins_bank', 'hub'));
ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_kind_check;
ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_kind_check CHECK (kind IN ('settle', 'cancel', 'opening', 'contribution',
  'deposit', 'family_share', 'clearing', 'advance_payment', 'hospital_payment', 'recovery', 'assistance_payment', 'reversal', 'case_payment',
  'hub_clearing'));
