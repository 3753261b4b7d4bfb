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
