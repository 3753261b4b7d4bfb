-- Cross-region investigation requests (异地协查, issue 15 §4): the insured place's supervisors
-- ask the treatment place's to investigate their insured person's visits there, under an
-- agreement with an assistance_investigation clause. The workflow is the case machine's row
-- (cases, case_events: kind 'investigation_request', number = case_no, region = the asking
-- city); this table keeps what the machine does not: the two sides, the agreement and its
-- deadlines, what is asked and why, the answers, who accepted, refused, confirmed.

CREATE SEQUENCE investigation_serial;

CREATE TABLE investigation_requests (
  case_id           bigint PRIMARY KEY REFERENCES cases (id),
  case_no           text NOT NULL UNIQUE,
  psn_no            text NOT NULL REFERENCES persons (psn_no),
  requesting_admdvs text NOT NULL, -- the insured city (pooling region): raises, confirms, returns
  answering_admdvs  text NOT NULL, -- the treatment city: accepts or refuses, investigates, answers
  agreement_no      text NOT NULL REFERENCES agreements (agreement_no),
  accept_days       integer NOT NULL CHECK (accept_days > 0),
  answer_days       integer NOT NULL CHECK (answer_days > 0),
  subject           text NOT NULL, -- what is to be investigated
  reason            text NOT NULL, -- why
  finding_ids       bigint[] NOT NULL DEFAULT '{}', -- the supervision findings that prompted it
  raised_by         text NOT NULL,
  raised_at         timestamptz NOT NULL,
  accepted_by       text,
  accepted_at       timestamptz,
  refusal           jsonb, -- { at, by, reason }
  answers           jsonb NOT NULL DEFAULT '[]', -- every answer in order: { at, by, findings, conclusion, recovery_fen, recovery_ref, returned? }
  closed_by         text,
  closed_at         timestamptz,
  CHECK (requesting_admdvs <> answering_admdvs)
);
CREATE INDEX investigation_requests_requesting ON investigation_requests (requesting_admdvs);
CREATE INDEX investigation_requests_answering ON investigation_requests (answering_admdvs);
CREATE INDEX investigation_requests_person ON investigation_requests (psn_no);

-- The visits (and their settlements) the request is about: the person's, in the answering city.
CREATE TABLE investigation_visits (
  case_id   bigint NOT NULL REFERENCES investigation_requests (case_id),
  mdtrt_id  text NOT NULL REFERENCES visits (mdtrt_id),
  setl_id   text REFERENCES settlements (setl_id),
  PRIMARY KEY (case_id, mdtrt_id)
);

-- Attachments of either side (the request's documents, the answer's): the file itself, listed
-- among the case's evidence (case_evidence kind 'attachment', ref 'investigation_attachment:<id>').
CREATE TABLE investigation_attachments (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES investigation_requests (case_id),
  name        text NOT NULL,
  mime        text NOT NULL,
  size_bytes  integer NOT NULL CHECK (size_bytes >= 0),
  sha256      text NOT NULL,
  content     bytea NOT NULL,
  added_at    timestamptz NOT NULL,
  added_by    text NOT NULL,
  side        text NOT NULL CHECK (side IN ('requesting', 'answering'))
);
CREATE INDEX investigation_attachments_case ON investigation_attachments (case_id);
