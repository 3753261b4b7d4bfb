-- Disputes on clearing statements (issue 13): a side contests named settlements of a statement;
-- they wait in the dispute list while the rest is paid. A statement is paid once both sides
-- have confirmed (paid_at), whatever is still contested: `paid_in_part` until every dispute of
-- it is resolved.
ALTER TABLE clearing_statements DROP CONSTRAINT clearing_statements_state_check;
ALTER TABLE clearing_statements ADD CONSTRAINT clearing_statements_state_check
  CHECK (state IN ('drafted', 'confirmed_by_insured', 'confirmed_by_treatment', 'confirmed', 'disputed', 'paid_in_part', 'paid'));
ALTER TABLE clearing_statements ADD COLUMN paid_at timestamptz;
UPDATE clearing_statements SET paid_at = greatest(insured_confirmed_at, treatment_confirmed_at) WHERE state = 'paid';

CREATE TABLE clearing_disputes (
  id             bigserial PRIMARY KEY,
  statement_id   bigint NOT NULL REFERENCES clearing_statements (id),
  setl_id        text NOT NULL,
  amount_fen     bigint NOT NULL,              -- the line's amount, as the statement holds it
  side           text NOT NULL CHECK (side IN ('insured', 'treatment')), -- who contests it
  raised_by      text NOT NULL,
  raised_at      timestamptz NOT NULL,
  reason         text NOT NULL CHECK (length(btrim(reason)) > 0),
  state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'withdrawn', 'upheld')),
  resolved_by    text,
  resolved_at    timestamptz,
  note           text,
  transfer_id    bigint REFERENCES ledger_transfers (id), -- a withdrawn line paid after its statement
  UNIQUE (statement_id, setl_id),
  CHECK ((state = 'open') = (resolved_at IS NULL))
);
CREATE INDEX clearing_disputes_open ON clearing_disputes (statement_id) WHERE state = 'open';
CREATE INDEX clearing_disputes_setl ON clearing_disputes (setl_id);
