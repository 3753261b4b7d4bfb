-- When the dashboard's pre-aggregated figures were last recounted: the page shows it (figures
-- as of …), and a restarted server recounts only when they are older than its interval
-- instead of spending the database's CPU on a recount it has just done.
CREATE TABLE dashboard_refreshed (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  at       timestamptz NOT NULL
);
