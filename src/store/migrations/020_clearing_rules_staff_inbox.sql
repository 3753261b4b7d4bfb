-- Clearing rules become a kind of versioned document (issue 13: "thresholds as data"), and
-- staff get an inbox per region: the advance-fund warnings are addressed to both sides'
-- bureaus, which the persons' notification channel cannot reach.
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check
  CHECK (kind IN ('policy', 'catalog', 'clearing_rules', 'drg_rules', 'supervision_rules', 'service_items'));

CREATE TABLE staff_messages (
  id          bigserial PRIMARY KEY,
  admdvs      text NOT NULL,          -- the bureau it is addressed to (a staff member covering it reads it)
  subject     text NOT NULL,          -- what it is about, e.g. advance_fund:360000:430000:2026:red
  title_zh    text NOT NULL,
  title_en    text NOT NULL,
  body_zh     text NOT NULL,
  body_en     text NOT NULL,
  urgent      boolean NOT NULL,
  at          timestamptz NOT NULL,
  read_by     text,
  read_at     timestamptz,
  UNIQUE (admdvs, subject)            -- one message per bureau and subject: a rerun sends nothing twice
);
CREATE INDEX staff_messages_unread ON staff_messages (admdvs, at DESC) WHERE read_at IS NULL;
