-- One case workflow (办件): filing reviews and recognition reviews become cases of the machine
-- declared in src/engine/cases.ts. A case holds the workflow (state, deadline, reminder,
-- escalation, events, evidence, comments); the subject row (filings, recognitions) keeps its
-- own facts and its status, which the one move function (src/app/cooperation/cases.ts) writes
-- in the same transaction as the case. Every filing and recognition, open or closed, is
-- carried across with its events and evidence; filing_events, filing_evidence and
-- recognition_evidence then go.

CREATE TABLE cases (
  id                bigserial PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('filing_review', 'recognition_review', 'supervision', 'investigation_request', 'one_window', 'medical_assistance')),
  number            text NOT NULL, -- the subject's number: filing_no, recognition_no
  region            text NOT NULL, -- the insured place (pooling region), whose staff work the queue
  psn_no            text REFERENCES persons (psn_no),
  state             text NOT NULL,
  opened_at         timestamptz NOT NULL,
  due_on            date, -- the open state's deadline (working days); NULL when closed
  remind_on         date, -- when the reminder goes out
  reminded_at       timestamptz,
  escalation_level  integer NOT NULL DEFAULT 0,
  escalated_at      timestamptz,
  closed_at         timestamptz, -- the last move into a state without a clock
  UNIQUE (kind, number),
  CHECK ((due_on IS NULL) = (closed_at IS NOT NULL))
);
-- The queue: open cases by region, earliest deadline first.
CREATE INDEX cases_queue ON cases (region, due_on) WHERE due_on IS NOT NULL;
CREATE INDEX cases_person ON cases (psn_no);

CREATE TABLE case_events (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases (id),
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  move        text NOT NULL,
  from_state  text, -- NULL for the move that opened the case
  to_state    text NOT NULL,
  comment     text
);
CREATE INDEX case_events_case ON case_events (case_id);

CREATE TABLE case_evidence (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases (id),
  kind        text NOT NULL,
  ref         text NOT NULL, -- document id or file reference
  description text,
  added_at    timestamptz NOT NULL,
  added_by    text NOT NULL
);
CREATE INDEX case_evidence_case ON case_evidence (case_id);

CREATE TABLE case_comments (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases (id),
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  body        text NOT NULL
);
CREATE INDEX case_comments_case ON case_comments (case_id);

-- ---- filings -------------------------------------------------------------------------------
-- A filing made under commitment whose check is pending waits in the state commitment_check
-- (its status stays effective); its clock is the commitment check's due date. An open case
-- carried across is reminded on its due day (SQL does not count working days backwards); the
-- cases opened from now on get their reminder day from the machine's lead time.
INSERT INTO cases (kind, number, region, psn_no, state, opened_at, due_on, remind_on, escalation_level, escalated_at, closed_at)
SELECT 'filing_review', f.filing_no, f.insuplc_admdvs, f.psn_no, s.state, f.submitted_at, s.due, s.due,
       f.escalation_level, f.escalated_at,
       CASE WHEN s.due IS NULL THEN coalesce((SELECT max(e.at) FROM filing_events e WHERE e.filing_id = f.id), f.submitted_at) END
FROM filings f
CROSS JOIN LATERAL (
  SELECT CASE WHEN f.status = 'effective' AND f.commitment_check = 'pending' THEN 'commitment_check' ELSE f.status END AS state,
         CASE WHEN f.status = 'pending_review' THEN coalesce(f.review_due, (f.submitted_at AT TIME ZONE 'Asia/Shanghai')::date)
              WHEN f.status = 'effective' AND f.commitment_check = 'pending' THEN coalesce(f.commitment_check_due, (f.submitted_at AT TIME ZONE 'Asia/Shanghai')::date)
         END AS due
) s
ORDER BY f.id;

-- Events keep their order; an effective filing under commitment was in commitment_check until
-- its check's event.
INSERT INTO case_events (case_id, at, actor, move, from_state, to_state, comment)
SELECT c.id, e.at, e.actor, e.action,
       CASE WHEN f.commitment AND e.from_status = 'effective' AND e.checks_before = 0 THEN 'commitment_check' ELSE e.from_status END,
       CASE WHEN f.commitment AND e.to_status = 'effective' AND e.checks_upto = 0 THEN 'commitment_check' ELSE e.to_status END,
       e.reason
FROM (
  SELECT x.*,
         count(*) FILTER (WHERE x.action IN ('commitment_verified', 'commitment_failed')) OVER (PARTITION BY x.filing_id ORDER BY x.id) AS checks_upto,
         count(*) FILTER (WHERE x.action IN ('commitment_verified', 'commitment_failed')) OVER (PARTITION BY x.filing_id ORDER BY x.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS checks_before
  FROM filing_events x
) e
JOIN filings f ON f.id = e.filing_id
JOIN cases c ON c.kind = 'filing_review' AND c.number = f.filing_no
ORDER BY e.id;

INSERT INTO case_evidence (case_id, kind, ref, description, added_at, added_by)
SELECT c.id, v.kind, v.ref, v.description, f.submitted_at, f.filer_type || ':' || f.filer_id
FROM filing_evidence v
JOIN filings f ON f.id = v.filing_id
JOIN cases c ON c.kind = 'filing_review' AND c.number = f.filing_no
ORDER BY v.id;

-- ---- recognitions --------------------------------------------------------------------------
INSERT INTO cases (kind, number, region, psn_no, state, opened_at, due_on, remind_on, closed_at)
SELECT 'recognition_review', r.recognition_no, r.insuplc_admdvs, r.psn_no, r.status, r.submitted_at, s.due, s.due,
       CASE WHEN s.due IS NULL THEN greatest(r.submitted_at, r.decided_at, (r.revoked_on::timestamp AT TIME ZONE 'Asia/Shanghai')) END
FROM recognitions r
CROSS JOIN LATERAL (
  SELECT CASE WHEN r.status = 'pending_review' THEN coalesce(r.review_due, (r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date) END AS due
) s
ORDER BY r.id;

-- Recognitions kept no events: their history is rebuilt from the row (submission, decision,
-- revocation), in that order.
INSERT INTO case_events (case_id, at, actor, move, from_state, to_state, comment)
SELECT c.id, ev.at, ev.actor, ev.move, ev.from_state, ev.to_state, ev.comment
FROM recognitions r
JOIN cases c ON c.kind = 'recognition_review' AND c.number = r.recognition_no
CROSS JOIN LATERAL (
  SELECT 1 AS n, r.submitted_at AS at, r.filer_type || ':' || r.filer_id AS actor, 'submit' AS move, NULL::text AS from_state,
         CASE WHEN r.filer_type = 'hospital' AND r.decided_by LIKE 'hospital:%' THEN 'recognised' ELSE 'pending_review' END AS to_state, NULL::text AS comment
  UNION ALL
  SELECT 2, r.decided_at, r.decided_by, CASE WHEN r.status = 'rejected' THEN 'reject' ELSE 'approve' END,
         'pending_review', CASE WHEN r.status = 'rejected' THEN 'rejected' ELSE 'recognised' END, r.decision_reason
  WHERE r.decided_at IS NOT NULL AND NOT (r.filer_type = 'hospital' AND r.decided_by LIKE 'hospital:%')
  UNION ALL
  SELECT 3, (r.revoked_on::timestamp AT TIME ZONE 'Asia/Shanghai'), coalesce(r.revoked_by, 'system:migration'), 'revoke',
         CASE WHEN r.decided_at IS NULL THEN 'pending_review' ELSE 'recognised' END, 'revoked', r.revoke_reason
  WHERE r.status = 'revoked'
) ev
ORDER BY r.id, ev.n;

INSERT INTO case_evidence (case_id, kind, ref, description, added_at, added_by)
SELECT c.id, v.kind, v.ref, v.description, r.submitted_at, r.filer_type || ':' || r.filer_id
FROM recognition_evidence v
JOIN recognitions r ON r.id = v.recognition_id
JOIN cases c ON c.kind = 'recognition_review' AND c.number = r.recognition_no
ORDER BY v.id;

-- The case holds these now.
DROP TABLE filing_events;
DROP TABLE filing_evidence;
DROP TABLE recognition_evidence;
ALTER TABLE filings DROP COLUMN escalation_level, DROP COLUMN escalated_at;
