-- Fund supervision (基金监管, issue 15): what the rules found. A finding is one rule firing on
-- one claim (visit) at one stage; its fingerprint (rule, claim, lines) makes a rerun of the scan
-- find it once. A finding of a settlement later cancelled is closed, not deleted.

CREATE TABLE supervision_findings (
  id              bigserial PRIMARY KEY,
  fingerprint     text NOT NULL,
  stage           text NOT NULL CHECK (stage IN ('before', 'during', 'after')),
  rule_code       text NOT NULL,
  rule_version    integer NOT NULL,
  rule_type       text NOT NULL,
  severity        text NOT NULL CHECK (severity IN ('hint', 'suspect', 'violation')),
  mdtrt_id        text NOT NULL REFERENCES visits (mdtrt_id),
  setl_id         text REFERENCES settlements (setl_id),
  psn_no          text NOT NULL REFERENCES persons (psn_no),
  fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  mdtrtarea_admvs text NOT NULL, -- the treatment region: its supervisors work the finding
  insuplc_admdvs  text NOT NULL, -- the insured region: it sees its people's findings and may ask for 协查
  lines           text[] NOT NULL DEFAULT '{}', -- feedetl_sn of the claim's lines concerned
  related         text[] NOT NULL DEFAULT '{}', -- other visits (mdtrt_id) that made the rule fire
  amount_fen      bigint NOT NULL CHECK (amount_fen >= 0),
  vola_cont       jsonb NOT NULL, -- { zh, en }
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_case', 'closed')),
  closed_reason   text, -- e.g. 'settlement_cancelled'
  found_at        timestamptz NOT NULL,
  scan_id         bigint,
  UNIQUE (stage, fingerprint)
);
CREATE INDEX supervision_findings_region ON supervision_findings (mdtrtarea_admvs, found_at);
CREATE INDEX supervision_findings_institution ON supervision_findings (fixmedins_code, found_at);
CREATE INDEX supervision_findings_setl ON supervision_findings (setl_id);
CREATE INDEX supervision_findings_psn ON supervision_findings (psn_no);
