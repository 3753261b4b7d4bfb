-- Sign-in: staff accounts scoped to regions, sessions, one-time codes for insured persons, the
-- consents that let a grid worker act for a person, and pre-aggregated dashboard figures.
-- (004 belongs to the settlement ledger.)

-- Staff: window clerks 经办员, reviewers 审核员, supervisors 监管员, finance 财务, administrators,
-- and community grid workers 网格员. `regions` are division codes; a province or city code covers
-- every division under it, '000000' covers the whole deployment.
CREATE TABLE staff_accounts (
  username       text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
  display_name   text NOT NULL,
  role           text NOT NULL CHECK (role IN ('clerk', 'reviewer', 'supervisor', 'finance', 'admin', 'grid_worker')),
  regions        text[] NOT NULL CHECK (cardinality(regions) > 0),
  password_hash  text NOT NULL, -- scrypt$N$r$p$salt$hash (base64url)
  disabled       boolean NOT NULL DEFAULT false,
  failed_signins integer NOT NULL DEFAULT 0,
  locked_until   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- A session is a random token in an HttpOnly cookie; only its SHA-256 is stored.
CREATE TABLE sessions (
  token_sha256   bytea PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('staff', 'person')),
  username       text REFERENCES staff_accounts (username),
  psn_no         text REFERENCES persons (psn_no),
  created_at     timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL, -- absolute end; idle sessions end earlier (see sessions.ts)
  ended_at       timestamptz,
  CHECK ((kind = 'staff') = (username IS NOT NULL) AND (kind = 'person') = (psn_no IS NOT NULL))
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- One-time sign-in codes sent to an insured person's phone (the demo's logging sender prints them).
CREATE TABLE signin_codes (
  id          bigserial PRIMARY KEY,
  psn_no      text NOT NULL REFERENCES persons (psn_no),
  code_sha256 bytea NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  attempts    integer NOT NULL DEFAULT 0,
  used_at     timestamptz
);
CREATE INDEX signin_codes_psn ON signin_codes (psn_no, created_at DESC);

-- A person's recorded consent that a grid worker acts for them (代办授权); its reference is what
-- the filing and recognition flows store as filer.consent_ref.
CREATE TABLE grid_consents (
  consent_ref  text PRIMARY KEY,
  username     text NOT NULL REFERENCES staff_accounts (username),
  psn_no       text NOT NULL REFERENCES persons (psn_no),
  granted_on   date NOT NULL,
  revoked_on   date,
  evidence     text NOT NULL DEFAULT ''
);
CREATE INDEX grid_consents_worker ON grid_consents (username, psn_no);

-- Dashboard: enrolled and registered persons per insured county, refreshed on demand so that the
-- page reads a few thousand rows instead of counting a million persons.
CREATE MATERIALIZED VIEW dashboard_enrollment AS
  SELECT p.insuplc_admdvs AS admdvs,
         count(*)::bigint AS registered,
         count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM enrollments e WHERE e.psn_no = p.psn_no AND e.psn_insu_stas = '1'))::bigint AS enrolled
  FROM persons p GROUP BY p.insuplc_admdvs;
CREATE UNIQUE INDEX dashboard_enrollment_admdvs ON dashboard_enrollment (admdvs);

-- Queue figures read by review month and insured region.
CREATE INDEX filings_decided ON filings (insuplc_admdvs, review_due);
CREATE INDEX recognitions_decided ON recognitions (insuplc_admdvs, review_due);
CREATE INDEX institutions_location ON institutions (lat, lng);

-- Dashboard money (from the settlement ledger of 004), pre-aggregated so that a year of
-- settlements at a million persons reads tens of thousands of rows, not millions; cancellations
-- net out. By day, insured region and fund:
CREATE MATERIALIZED VIEW dashboard_settlement_daily AS
  SELECT (s.setl_time AT TIME ZONE 'Asia/Shanghai')::date AS day,
         s.insuplc_admdvs,
         d.fund_pay_type,
         -- a settlement and its total cost counted once, on its first fund line
         sum(CASE WHEN d.n > 1 THEN 0 WHEN s.kind = 'settle' THEN 1 ELSE -1 END)::bigint AS settlements,
         sum(CASE WHEN d.n > 1 THEN 0 ELSE s.medfee_sumamt END)::bigint AS medfee_fen,
         sum(d.fund_fen)::bigint AS fund_fen
  FROM settlements s
  CROSS JOIN LATERAL (
    SELECT x ->> 'fund_pay_type' AS fund_pay_type, (x ->> 'fund_payamt')::bigint AS fund_fen, n
      FROM jsonb_array_elements(s.setldetail) WITH ORDINALITY AS e(x, n)
    UNION ALL SELECT 'none', 0, 1 WHERE jsonb_array_length(s.setldetail) = 0
  ) d
  GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX dashboard_settlement_daily_key ON dashboard_settlement_daily (day, insuplc_admdvs, fund_pay_type);
-- The same rolled up to provinces, for the national and provincial views (a year is at most
-- 365 days × 34 provinces × the fund types).
CREATE MATERIALIZED VIEW dashboard_settlement_daily_province AS
  SELECT day, left(insuplc_admdvs, 2) || '0000' AS province, fund_pay_type,
         sum(settlements)::bigint AS settlements, sum(medfee_fen)::bigint AS medfee_fen, sum(fund_fen)::bigint AS fund_fen
  FROM dashboard_settlement_daily GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX dashboard_settlement_daily_province_key ON dashboard_settlement_daily_province (day, province, fund_pay_type);

-- Cross-region flows by month: who treats whose insured, how many settlements, how much.
CREATE MATERIALIZED VIEW dashboard_flow_monthly AS
  SELECT date_trunc('month', s.setl_time AT TIME ZONE 'Asia/Shanghai')::date AS month,
         s.insuplc_admdvs, s.mdtrtarea_admvs,
         sum(CASE WHEN s.kind = 'settle' THEN 1 ELSE -1 END)::bigint AS settlements,
         sum(s.medfee_sumamt)::bigint AS medfee_fen,
         sum(s.fund_pay_sumamt)::bigint AS fund_fen
  FROM settlements s WHERE s.insuplc_admdvs <> s.mdtrtarea_admvs
  GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX dashboard_flow_monthly_key ON dashboard_flow_monthly (month, insuplc_admdvs, mdtrtarea_admvs);

-- Visits by day and insured region, local or elsewhere, and how many were settled directly (the
-- rest were paid in full at the counter and claimed later, 手工报销).
CREATE MATERIALIZED VIEW dashboard_visit_daily AS
  SELECT (v.begntime AT TIME ZONE 'Asia/Shanghai')::date AS day, v.insuplc_admdvs,
         (v.insuplc_admdvs <> v.mdtrtarea_admvs) AS cross_region,
         count(*)::bigint AS visits,
         count(*) FILTER (WHERE v.status = 'settled')::bigint AS settled
  FROM visits v GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX dashboard_visit_daily_key ON dashboard_visit_daily (day, insuplc_admdvs, cross_region);

-- The dashboard's drill-down lists one day's settlements.
CREATE INDEX settlements_time ON settlements (setl_time);
