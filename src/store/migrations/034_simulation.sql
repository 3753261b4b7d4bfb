-- Policy simulation over stored settlements (issue 19). Each settlement keeps the engine's
-- whole input: the visit as priced (filing status, admission number, a stay's earlier
-- deductible), the person (identities of the day), the year's accumulators before it, the
-- personal account's balance, and the fee lines as classified. With it a settlement can be
-- re-settled exactly (yibao replay --verify) or under a draft policy in the person's order of the
-- year, read back in one column without a join. json, not jsonb: written on every settlement
-- and read back whole, as text. Null on a cancellation (it negates its original) and on the
-- treatment side of a settlement priced by another deployment.
ALTER TABLE settlements ADD COLUMN inputs json;
-- A replay reads a region's settlements of an insurance type in person order: this index gives
-- them in that order, so that the database never sorts a year of rows.
CREATE INDEX settlements_replay ON settlements (insuplc_admdvs, insutype, psn_no, setl_time, setl_id);

-- Simulations run in the background from the staff workbench: what was asked, how far it got,
-- and the report. The process running one beats its heartbeat every second or so: a run whose
-- heartbeat has stopped was cut off (the server stopped), and reads as failed with that reason.
CREATE TABLE simulation_runs (
  id            bigserial PRIMARY KEY,
  admdvs        text NOT NULL,
  insutype      text NOT NULL,
  period_from   date NOT NULL,
  period_to     date NOT NULL,
  from_policy   jsonb,           -- null: the stored settlements as they were paid
  to_policy     jsonb NOT NULL,  -- the draft document
  status        text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  claims_total  bigint NOT NULL DEFAULT 0,
  claims_done   bigint NOT NULL DEFAULT 0,
  report        jsonb,
  error         text,
  requested_by  text NOT NULL,
  started_at    timestamptz NOT NULL,
  heartbeat_at  timestamptz NOT NULL,
  finished_at   timestamptz,
  CHECK (period_from <= period_to)
);
CREATE INDEX simulation_runs_region ON simulation_runs (admdvs, started_at DESC);
-- One run at a time in a deployment (it takes a core from settlement), even when two start at once.
CREATE UNIQUE INDEX simulation_runs_one_running ON simulation_runs ((true)) WHERE status = 'running';
