-- Cooperation: working-day calendars, filing for care elsewhere (异地就医备案) with its review
-- queue, outpatient chronic/special disease lists and recognitions (门诊慢特病认定), separately
-- paid drugs (单行支付药品), regional cooperation agreements (合作协议), and the notification
-- inbox. Person-bearing tables carry insuplc_admdvs for partitioning by region.

-- Holidays and adjusted working days. admdvs '000000' is the national (State Council) schedule;
-- a province or pooling region may add or override days. Weekends are implied, not stored.
CREATE TABLE calendar_days (
  admdvs      text NOT NULL CHECK (admdvs ~ '^[0-9]{6}$'),
  day         date NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('holiday', 'workday')), -- 放假 / 调休上班
  name        text NOT NULL,
  PRIMARY KEY (admdvs, day)
);

-- Which years a calendar knows, and whether the schedule is the published one.
CREATE TABLE calendar_years (
  admdvs      text NOT NULL CHECK (admdvs ~ '^[0-9]{6}$'),
  year        integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  status      text NOT NULL CHECK (status IN ('published', 'provisional')),
  source      text NOT NULL,
  note        text,
  PRIMARY KEY (admdvs, year)
);

-- The insured place's filing policy (parameters; defaults in src/engine/filing-rules.ts).
CREATE TABLE filing_policies (
  insuplc_admdvs               text PRIMARY KEY REFERENCES regions (code),
  in_province_unfiled_allowed  boolean NOT NULL DEFAULT false,
  cross_province_unfiled_allowed boolean NOT NULL DEFAULT true,
  temporary_validity_months    integer NOT NULL DEFAULT 6 CHECK (temporary_validity_months BETWEEN 1 AND 60),
  long_term_change_after_months integer NOT NULL DEFAULT 6 CHECK (long_term_change_after_months BETWEEN 0 AND 60),
  review_days_in_province      integer NOT NULL DEFAULT 1 CHECK (review_days_in_province BETWEEN 0 AND 60),
  review_days_cross_province   integer NOT NULL DEFAULT 3 CHECK (review_days_cross_province BETWEEN 0 AND 60),
  commitment_check_days        integer NOT NULL DEFAULT 20 CHECK (commitment_check_days BETWEEN 0 AND 365)
);

CREATE SEQUENCE filing_serial;
CREATE TABLE filings (
  id                bigserial PRIMARY KEY,
  filing_no         text NOT NULL UNIQUE, -- trt_dcla_detl_sn in 2501/2502
  psn_no            text NOT NULL REFERENCES persons (psn_no),
  insuplc_admdvs    text NOT NULL REFERENCES regions (code),
  mdtrtarea_admdvs  text NOT NULL REFERENCES regions (code),
  kind              text NOT NULL CHECK (kind IN ('resettled_retiree', 'long_term_resident', 'posted_worker', 'referral', 'emergency', 'temporary_other')),
  term              text NOT NULL CHECK (term IN ('long_term', 'temporary')),
  begndate          date NOT NULL,
  enddate           date, -- NULL: until revoked (long-term)
  filer_type        text NOT NULL CHECK (filer_type IN ('person', 'agent', 'grid_worker', 'hospital', 'staff')),
  filer_id          text NOT NULL, -- certno of the agent, grid worker id, fixmedins_code, staff id
  filer_name        text,
  consent_ref       text, -- the recorded consent (授权委托) of the person
  fixmedins_code    text REFERENCES institutions (fixmedins_code), -- referral destination (reflin_medins_no)
  referring_fixmedins_code text REFERENCES institutions (fixmedins_code),
  diag_code         text,
  diag_name         text,
  reason            text, -- refl_rea / why the person goes elsewhere
  mdtrt_id          text, -- the stay a filing after admission was made for
  tel               text,
  addr              text,
  commitment        boolean NOT NULL, -- 告知承诺: effective at once, checked later
  commitment_check  text CHECK (commitment_check IN ('pending', 'verified', 'failed')),
  commitment_check_due date,
  status            text NOT NULL CHECK (status IN ('pending_review', 'effective', 'rejected', 'revoked', 'superseded')),
  submitted_at      timestamptz NOT NULL,
  review_due        date, -- the review clock's deadline (working days)
  escalation_level  integer NOT NULL DEFAULT 0,
  escalated_at      timestamptz,
  effective_on      date,
  decided_by        text,
  decided_at        timestamptz,
  decision_reason   text,
  revoked_on        date,
  revoked_by        text,
  revoke_reason     text,
  replaces_id       bigint REFERENCES filings (id),
  CHECK (enddate IS NULL OR enddate >= begndate),
  CHECK (term = 'temporary' OR enddate IS NULL),
  CHECK (insuplc_admdvs <> mdtrtarea_admdvs),
  CHECK (filer_type NOT IN ('agent', 'grid_worker') OR consent_ref IS NOT NULL)
);
CREATE INDEX filings_psn ON filings (insuplc_admdvs, psn_no);
CREATE INDEX filings_queue ON filings (review_due) WHERE status = 'pending_review';

CREATE TABLE filing_evidence (
  id          bigserial PRIMARY KEY,
  filing_id   bigint NOT NULL REFERENCES filings (id),
  kind        text NOT NULL,
  ref         text NOT NULL, -- document id or file reference
  description text
);
CREATE INDEX filing_evidence_filing ON filing_evidence (filing_id);

-- Every step of a filing's life: who did what, when, why (the audit_log gets the same).
CREATE TABLE filing_events (
  id          bigserial PRIMARY KEY,
  filing_id   bigint NOT NULL REFERENCES filings (id),
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL CHECK (action IN ('submit', 'approve', 'reject', 'revoke', 'change', 'escalate', 'commitment_verified', 'commitment_failed')),
  from_status text,
  to_status   text NOT NULL,
  reason      text
);
CREATE INDEX filing_events_filing ON filing_events (filing_id);

-- Disease lists: list_admdvs '000000' is the national cross-province list, otherwise a pooling
-- region's own list of outpatient chronic and special diseases.
CREATE TABLE chronic_diseases (
  list_admdvs     text NOT NULL CHECK (list_admdvs ~ '^[0-9]{6}$'),
  code            text NOT NULL, -- opsp_dise_code
  name            text NOT NULL,
  icd10_ranges    text[] NOT NULL CHECK (cardinality(icd10_ranges) > 0),
  validity_months integer CHECK (validity_months IS NULL OR validity_months BETWEEN 1 AND 120),
  valid_from      date NOT NULL,
  valid_to        date,
  note            text,
  PRIMARY KEY (list_admdvs, code),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE SEQUENCE recognition_serial;
CREATE TABLE recognitions (
  id                  bigserial PRIMARY KEY,
  recognition_no      text NOT NULL UNIQUE, -- trt_dcla_detl_sn in 2503/2504
  psn_no              text NOT NULL REFERENCES persons (psn_no),
  insuplc_admdvs      text NOT NULL REFERENCES regions (code),
  dise_list_admdvs    text NOT NULL,
  opsp_dise_code      text NOT NULL,
  opsp_dise_name      text NOT NULL,
  diag_code           text NOT NULL,
  ide_fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  diag_dr_codg        text NOT NULL,
  diag_dr_name        text NOT NULL,
  hosp_ide_date       date NOT NULL,
  resp_dr_codg        text, -- responsible doctor (责任医师) for separately paid drugs
  resp_dr_name        text,
  begndate            date NOT NULL,
  enddate             date,
  filer_type          text NOT NULL CHECK (filer_type IN ('person', 'agent', 'grid_worker', 'hospital', 'staff')),
  filer_id            text NOT NULL,
  status              text NOT NULL CHECK (status IN ('pending_review', 'recognised', 'rejected', 'revoked')),
  submitted_at        timestamptz NOT NULL,
  review_due          date,
  decided_by          text,
  decided_at          timestamptz,
  decision_reason     text,
  revoked_on          date,
  revoked_by          text,
  revoke_reason       text,
  renews_id           bigint REFERENCES recognitions (id),
  FOREIGN KEY (dise_list_admdvs, opsp_dise_code) REFERENCES chronic_diseases (list_admdvs, code),
  CHECK (enddate IS NULL OR enddate >= begndate)
);
CREATE INDEX recognitions_psn ON recognitions (insuplc_admdvs, psn_no);

CREATE TABLE recognition_evidence (
  id              bigserial PRIMARY KEY,
  recognition_id  bigint NOT NULL REFERENCES recognitions (id),
  kind            text NOT NULL, -- diagnosis, medical_record, test_report…
  ref             text NOT NULL,
  description     text
);

-- 单行支付药品 / 双通道: paid only for a recognised indication, prescribed by the responsible
-- doctor and dispensed by a designated institution.
CREATE TABLE separately_paid_drugs (
  admdvs        text NOT NULL REFERENCES regions (code),
  drug_code     text NOT NULL,
  drug_name     text NOT NULL,
  icd10_ranges  text[] NOT NULL CHECK (cardinality(icd10_ranges) > 0),
  PRIMARY KEY (admdvs, drug_code)
);
CREATE TABLE drug_dispensers (
  admdvs          text NOT NULL,
  drug_code       text NOT NULL,
  fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  PRIMARY KEY (admdvs, drug_code, fixmedins_code),
  FOREIGN KEY (admdvs, drug_code) REFERENCES separately_paid_drugs (admdvs, drug_code)
);

CREATE TABLE agreements (
  id            bigserial PRIMARY KEY,
  agreement_no  text NOT NULL UNIQUE,
  name          text NOT NULL,
  signed_on     date,
  begndate      date NOT NULL,
  enddate       date,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  CHECK (enddate IS NULL OR enddate >= begndate)
);
CREATE TABLE agreement_members (
  agreement_id  bigint NOT NULL REFERENCES agreements (id),
  admdvs        text NOT NULL REFERENCES regions (code), -- a member pooling region (city)
  PRIMARY KEY (agreement_id, admdvs)
);
-- Clauses the platform acts on; params hold what a clause needs beyond its kind.
CREATE TABLE agreement_clauses (
  id            bigserial PRIMARY KEY,
  agreement_id  bigint NOT NULL REFERENCES agreements (id),
  kind          text NOT NULL CHECK (kind IN ('extra_chronic_diseases', 'pooling_pharmacies', 'inpatient_dip_budget', 'data_sharing', 'assistance_investigation')),
  begndate      date NOT NULL,
  enddate       date,
  params        jsonb NOT NULL DEFAULT '{}',
  UNIQUE (agreement_id, kind),
  CHECK (enddate IS NULL OR enddate >= begndate)
);
CREATE TABLE agreement_diseases (
  agreement_id  bigint NOT NULL REFERENCES agreements (id),
  code          text NOT NULL,
  name          text NOT NULL,
  icd10_ranges  text[] NOT NULL CHECK (cardinality(icd10_ranges) > 0),
  PRIMARY KEY (agreement_id, code)
);
CREATE TABLE agreement_pharmacies (
  agreement_id    bigint NOT NULL REFERENCES agreements (id),
  county_admdvs   text NOT NULL REFERENCES regions (code),
  fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  PRIMARY KEY (agreement_id, fixmedins_code)
);

-- In-app inbox; SMS and WeChat copies wait in the same table until a sender delivers them.
CREATE TABLE notifications (
  id              bigserial PRIMARY KEY,
  psn_no          text NOT NULL REFERENCES persons (psn_no),
  insuplc_admdvs  text NOT NULL,
  channel         text NOT NULL CHECK (channel IN ('in_app', 'sms', 'wechat')),
  subject         text NOT NULL, -- e.g. filing:<no>
  title_zh        text NOT NULL,
  title_en        text NOT NULL,
  body_zh         text NOT NULL,
  body_en         text NOT NULL,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz, -- in_app: at creation
  read_at         timestamptz,
  attempts        integer NOT NULL DEFAULT 0
);
CREATE INDEX notifications_inbox ON notifications (psn_no, created_at DESC) WHERE channel = 'in_app';
CREATE INDEX notifications_outbox ON notifications (id) WHERE delivered_at IS NULL;

-- ---- reference data ------------------------------------------------------------------------

-- 2026: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, Xinhua). Staff maintain these
-- rows through /api/v1/calendars; a region may override a day with its own row.
INSERT INTO calendar_years (admdvs, year, status, source, note) VALUES
  ('000000', 2026, 'published', '国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）', NULL),
  ('000000', 2027, 'provisional', '《全国年节及纪念日放假办法》法定假日（2025年修订）',
   'The State Council 2027 schedule was not found when seeded: only the statutory holiday dates are entered, without bridging days or 调休 working days. Replace with the published schedule.');

INSERT INTO calendar_days (admdvs, day, kind, name)
SELECT '000000', d::date, 'holiday', h.name
FROM (VALUES
  ('2026-01-01', '2026-01-03', '元旦'),
  ('2026-02-15', '2026-02-23', '春节'),
  ('2026-04-04', '2026-04-06', '清明节'),
  ('2026-05-01', '2026-05-05', '劳动节'),
  ('2026-06-19', '2026-06-21', '端午节'),
  ('2026-09-25', '2026-09-27', '中秋节'),
  ('2026-10-01', '2026-10-07', '国庆节'),
  -- 2027, provisional: statutory days only (除夕 to 初三 for 春节, lunar dates computed).
  ('2027-01-01', '2027-01-01', '元旦'),
  ('2027-02-05', '2027-02-08', '春节'),
  ('2027-04-05', '2027-04-05', '清明节'),
  ('2027-05-01', '2027-05-02', '劳动节'),
  ('2027-06-09', '2027-06-09', '端午节'),
  ('2027-09-15', '2027-09-15', '中秋节'),
  ('2027-10-01', '2027-10-03', '国庆节')
) AS h (first, last, name),
LATERAL generate_series(h.first::date, h.last::date, interval '1 day') AS d;

INSERT INTO calendar_days (admdvs, day, kind, name) VALUES
  ('000000', '2026-01-04', 'workday', '元旦调休上班'),
  ('000000', '2026-02-14', 'workday', '春节调休上班'),
  ('000000', '2026-02-28', 'workday', '春节调休上班'),
  ('000000', '2026-05-09', 'workday', '劳动节调休上班'),
  ('000000', '2026-09-20', 'workday', '国庆节调休上班'),
  ('000000', '2026-10-10', 'workday', '国庆节调休上班');

-- The national cross-province outpatient chronic diseases (DOMAIN.md §5). The first five settle
-- across provinces since the 2021 pilot; the later five are entered from 2026-01-01 pending the
-- date of the national notice, which staff should confirm.
INSERT INTO chronic_diseases (list_admdvs, code, name, icd10_ranges, validity_months, valid_from, note) VALUES
  ('000000', 'CP01', '高血压', '{I10-I15}', NULL, '2021-09-01', NULL),
  ('000000', 'CP02', '糖尿病', '{E10-E14}', NULL, '2021-09-01', NULL),
  ('000000', 'CP03', '恶性肿瘤门诊放化疗', '{C00-D09}', 12, '2021-09-01', 'radio- or chemotherapy'),
  ('000000', 'CP04', '尿毒症透析', '{N18.5}', NULL, '2021-09-01', 'dialysis'),
  ('000000', 'CP05', '器官移植抗排异治疗', '{Z94}', NULL, '2021-09-01', 'anti-rejection therapy'),
  ('000000', 'CP06', '慢性阻塞性肺疾病', '{J44}', NULL, '2026-01-01', 'later list; confirm the start date'),
  ('000000', 'CP07', '类风湿关节炎', '{M05-M06}', NULL, '2026-01-01', 'later list; confirm the start date'),
  ('000000', 'CP08', '冠心病', '{I20-I25}', NULL, '2026-01-01', 'later list; confirm the start date'),
  ('000000', 'CP09', '病毒性肝炎', '{B15-B19}', NULL, '2026-01-01', 'later list; confirm the start date'),
  ('000000', 'CP10', '强直性脊柱炎', '{M45}', NULL, '2026-01-01', 'later list; confirm the start date');
