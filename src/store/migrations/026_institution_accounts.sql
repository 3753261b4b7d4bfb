-- Institution accounts (定点医药机构账号, issue 15): the staff of one designated institution
-- sign in to see their own institution's supervision findings and cases, to appeal within the
-- window with evidence, or to waive the appeal; nothing else. An account of role
-- 'institution' is bound to exactly one institution; no other role is.

ALTER TABLE staff_accounts DROP CONSTRAINT staff_accounts_role_check;
ALTER TABLE staff_accounts ADD CONSTRAINT staff_accounts_role_check
  CHECK (role IN ('clerk', 'reviewer', 'supervisor', 'finance', 'admin', 'grid_worker', 'institution'));
ALTER TABLE staff_accounts ADD COLUMN fixmedins_code text REFERENCES institutions (fixmedins_code);
ALTER TABLE staff_accounts ADD CONSTRAINT staff_accounts_institution_bound CHECK ((role = 'institution') = (fixmedins_code IS NOT NULL));

-- The files an institution uploads with its appeal (申诉证据材料), kept whole: the case's
-- evidence row names one as 'file:<id>'. Rows are never changed or deleted.
CREATE TABLE supervision_case_files (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases (id),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  mime        text NOT NULL,
  size        integer NOT NULL CHECK (size > 0),
  sha256      bytea NOT NULL,
  content     bytea NOT NULL,
  uploaded_at timestamptz NOT NULL,
  uploaded_by text NOT NULL
);
CREATE INDEX supervision_case_files_case ON supervision_case_files (case_id);
