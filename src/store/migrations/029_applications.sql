-- One-window applications (一窗受理, issue 16): an application of a service item (the catalogue
-- is the documents kind 'service_items'), received online, at a window or by a grid worker's
-- proxy. The workflow lives on the case machine (cases: kind 'one_window', number =
-- application_no); this row keeps what the machine does not: the item and its catalogue
-- version, the channel and who received it, the form, the refusal's reasons and the review case
-- it opened (a filing, a recognition). `status` and `due_on` mirror the case's state and
-- deadline, written in the same transaction as every move (as filings keep theirs), so that the
-- staff queue pages on one table's indexes.

CREATE SEQUENCE application_serial;

CREATE TABLE applications (
  id                bigserial PRIMARY KEY,
  application_no    text NOT NULL UNIQUE,
  case_id           bigint NOT NULL UNIQUE REFERENCES cases (id),
  item_code         text NOT NULL,
  item_doc_id       text NOT NULL, -- the catalogue document the item was read from, and its version
  item_version      integer NOT NULL,
  psn_no            text NOT NULL REFERENCES persons (psn_no),
  region            text NOT NULL, -- the handling region: the person's insured pooling region
  channel           text NOT NULL CHECK (channel IN ('online', 'window', 'proxy')),
  received_by       text NOT NULL, -- the actor who received it (person:…, staff:…, grid_worker:…)
  grid_worker       text, -- a proxy's grid worker (username) and the consent they acted under
  consent_ref       text REFERENCES grid_consents (consent_ref),
  identity_checked  jsonb, -- at a window: { cert_type, certno } the clerk checked
  form              jsonb NOT NULL DEFAULT '{}',
  time_limit_days   integer NOT NULL CHECK (time_limit_days >= 0), -- the item's 承诺时限 when received
  promised_on       date NOT NULL, -- received + time limit, in working days on the region's calendar
  status            text NOT NULL,
  due_on            date,
  refusal_reasons   text[],
  linked_kind       text, -- the review case this application opened, when its item is linked
  linked_no         text,
  submitted_at      timestamptz NOT NULL,
  ended_at          timestamptz,
  CHECK ((channel = 'proxy') = (grid_worker IS NOT NULL AND consent_ref IS NOT NULL)),
  CHECK ((channel = 'window') = (identity_checked IS NOT NULL)),
  CHECK ((linked_kind IS NULL) = (linked_no IS NULL))
);
-- The staff queue (the benchmarked query): a region's applications in the order received,
-- filtered by state and item, paged by id.
CREATE INDEX applications_queue ON applications (region, status, id);
CREATE INDEX applications_queue_item ON applications (region, item_code, status, id);
CREATE INDEX applications_region ON applications (region, id);
CREATE INDEX applications_person ON applications (psn_no, id);
CREATE UNIQUE INDEX applications_linked ON applications (linked_kind, linked_no) WHERE linked_kind IS NOT NULL;

-- Materials attached (一次告知: the item lists them), by the item's material code.
CREATE TABLE application_materials (
  id              bigserial PRIMARY KEY,
  application_id  bigint NOT NULL REFERENCES applications (id),
  material_code   text NOT NULL,
  ref             text NOT NULL, -- document id or file reference
  added_at        timestamptz NOT NULL,
  added_by        text NOT NULL
);
CREATE INDEX application_materials_application ON application_materials (application_id);

-- 好差评: one rating per application, by the person or their consenting grid worker.
CREATE TABLE application_ratings (
  application_id  bigint PRIMARY KEY REFERENCES applications (id),
  score           integer NOT NULL CHECK (score BETWEEN 1 AND 5),
  reasons         text[] NOT NULL DEFAULT '{}',
  comment         text,
  rated_at        timestamptz NOT NULL,
  rated_by        text NOT NULL,
  follow_up_no    text UNIQUE -- a poor rating's follow-up (cases: kind 'rating_follow_up')
);
CREATE INDEX application_ratings_score ON application_ratings (score);

-- 回访整改: the answer to a poor rating.
CREATE TABLE rating_follow_ups (
  follow_up_no    text PRIMARY KEY,
  case_id         bigint NOT NULL UNIQUE REFERENCES cases (id),
  application_id  bigint NOT NULL UNIQUE REFERENCES applications (id),
  answer          text,
  answered_at     timestamptz,
  answered_by     text
);

CREATE SEQUENCE rating_follow_up_serial;

-- Who withdrew a consent (the day is revoked_on): the person or a clerk.
ALTER TABLE grid_consents ADD COLUMN revoked_by text;

ALTER TABLE cases DROP CONSTRAINT cases_kind_check;
ALTER TABLE cases ADD CONSTRAINT cases_kind_check
  CHECK (kind IN ('filing_review', 'recognition_review', 'supervision', 'investigation_request', 'one_window', 'medical_assistance', 'rating_follow_up'));
