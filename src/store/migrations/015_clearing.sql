-- The monthly clearing run between regions (issue 13, docs/clearing.md): one statement per
-- (month, level, insured region, treatment region) and the settlements behind it, each
-- cleared once per level. New tables: the settlements already stored are not yet held by any
-- statement, so the first run of a month collects them (those of earlier months as adjustments).
CREATE TABLE clearing_statements (
  id                bigserial PRIMARY KEY,
  month             text NOT NULL CHECK (month ~ '^[0-9]{4}(0[1-9]|1[0-2])$'),
  level             text NOT NULL CHECK (level IN ('province', 'city')),
  insured_admdvs    text NOT NULL,
  treatment_admdvs  text NOT NULL,
  amount_fen        bigint NOT NULL,
  totals            jsonb NOT NULL,
  state             text NOT NULL DEFAULT 'drafted'
                    CHECK (state IN ('drafted', 'confirmed_by_insured', 'confirmed_by_treatment', 'confirmed', 'paid', 'disputed')),
  insured_confirmed_by   text,
  insured_confirmed_at   timestamptz,
  treatment_confirmed_by text,
  treatment_confirmed_at timestamptz,
  transfer_id       bigint REFERENCES ledger_transfers (id),
  created_at        timestamptz NOT NULL,
  UNIQUE (month, level, insured_admdvs, treatment_admdvs),
  CHECK (insured_admdvs <> treatment_admdvs)
);
-- Which months of a level have been run (a month with no cross-region settlement has a run and no statement).
CREATE TABLE clearing_runs (
  month             text NOT NULL,
  level             text NOT NULL CHECK (level IN ('province', 'city')),
  ran_at            timestamptz NOT NULL,
  PRIMARY KEY (month, level)
);
CREATE TABLE clearing_lines (
  statement_id      bigint NOT NULL REFERENCES clearing_statements (id),
  level             text NOT NULL,
  setl_id           text NOT NULL REFERENCES settlements (setl_id),
  n                 integer NOT NULL,
  amount_fen        bigint NOT NULL,
  adjustment        boolean NOT NULL,
  PRIMARY KEY (statement_id, n),
  UNIQUE (level, setl_id)
);

-- A cancellation's row in cross_region_owed was written positive (its negated setlinfo negated
-- again): what a cancellation owes is the negative of what its settlement owed.
UPDATE cross_region_owed c SET amount_fen = -abs(c.amount_fen)
  FROM settlements s WHERE s.setl_id = c.setl_id AND s.kind = 'cancel' AND c.amount_fen > 0;
