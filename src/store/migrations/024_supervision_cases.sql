-- Supervision cases (基金监管案件, issue 15): one or more findings against one institution,
-- worked on the case machine (cases, case_events: kind 'supervision', number = case_no) from
-- the first review to a decision. This table keeps what the machine does not: the findings'
-- institution, the amount in question, who passed the first review (the second is another
-- person's), the appeal, and the decision with its recovery, penalty and suspension. A
-- recovery is a ledger transfer (kind 'recovery', key 'recovery:<case_no>'), never an edit of
-- a settlement.

CREATE SEQUENCE supervision_case_serial;

CREATE TABLE supervision_cases (
  case_id           bigint PRIMARY KEY REFERENCES cases (id),
  case_no           text NOT NULL UNIQUE,
  fixmedins_code    text NOT NULL REFERENCES institutions (fixmedins_code),
  admdvs            text NOT NULL, -- the institution's region: its supervisors work the case
  amount_fen        bigint NOT NULL CHECK (amount_fen >= 0), -- the findings' amount in question (违规金额)
  opened_by         text NOT NULL,
  first_reviewed_by text,
  appeal            jsonb, -- { at, by, statement, evidence: [{ kind, ref }] } or { waived: true, at, by }
  decision          jsonb, -- { kinds, reason, recovery_fen, penalty_multiple, penalty_fen, suspension } as decided
  decided_at        timestamptz,
  decided_by        text,
  recovery_fen      bigint NOT NULL DEFAULT 0 CHECK (recovery_fen >= 0),
  penalty_fen       bigint NOT NULL DEFAULT 0 CHECK (penalty_fen >= 0),
  recovery_transfer bigint REFERENCES ledger_transfers (id)
);
CREATE INDEX supervision_cases_institution ON supervision_cases (fixmedins_code);
CREATE INDEX supervision_cases_region ON supervision_cases (admdvs);

-- A finding taken into a case (status 'in_case') names it; the case's end closes it.
ALTER TABLE supervision_findings ADD COLUMN case_id bigint REFERENCES cases (id);
CREATE INDEX supervision_findings_case ON supervision_findings (case_id) WHERE case_id IS NOT NULL;

-- A decision's suspension of direct settlement (暂停医保直接结算): from begins_on to ends_on
-- (NULL: until lifted), or until a later lift_suspension move. Rows are never deleted.
CREATE TABLE institution_suspensions (
  id              bigserial PRIMARY KEY,
  fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  case_id         bigint NOT NULL REFERENCES cases (id),
  begins_on       date NOT NULL,
  ends_on         date, -- the last day suspended; NULL: until lifted
  created_at      timestamptz NOT NULL,
  created_by      text NOT NULL,
  lifted_at       timestamptz,
  lifted_by       text,
  lift_reason     text,
  CHECK (ends_on IS NULL OR ends_on >= begins_on),
  CHECK ((lifted_at IS NULL) = (lifted_by IS NULL)),
  UNIQUE (case_id)
);
CREATE INDEX institution_suspensions_institution ON institution_suspensions (fixmedins_code);

-- The flag the gateway reads with the institution: the last day of the suspensions in force
-- ('infinity' while one runs until lifted), NULL when none. Written with every suspension and
-- lift from institution_suspensions.
ALTER TABLE institutions ADD COLUMN direct_settlement_suspended_until date;
