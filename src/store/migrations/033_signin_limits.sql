-- Sign-in abuse (issue 18): counters of sign-in attempts per account and per IP address, kept in
-- the database so every HTTP worker sees the same counts. One row per (limit, key): a fixed
-- window that starts at the first hit after the previous window ended. The limits themselves
-- are src/app/auth/limits.ts.
CREATE TABLE signin_throttle (
  limit_name   text NOT NULL,  -- e.g. 'staff_ip_failures', 'code_request_certno'
  key          text NOT NULL,  -- an IP address, a normalised username or ID number
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL,
  last_at      timestamptz NOT NULL,
  PRIMARY KEY (limit_name, key)
);
CREATE INDEX signin_throttle_window ON signin_throttle (window_start);

-- Revoking every session of a holder (sign out everywhere, an administrator's revocation).
CREATE INDEX sessions_username_live ON sessions (username) WHERE ended_at IS NULL;
CREATE INDEX sessions_psn_live ON sessions (psn_no) WHERE ended_at IS NULL;
