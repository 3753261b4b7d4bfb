-- The after-settlement scan (事后审核) of issue 15: each run of the library over a period, for
-- every region or one. A run commits its findings batch by batch; its watermark (the newest
-- settlement or cancellation it saw) is where the next incremental run of the same scope starts.

CREATE TABLE supervision_scans (
  id            bigserial PRIMARY KEY,
  scope         text NOT NULL, -- 'all' or a region code whose treatment claims it reads
  mode          text NOT NULL CHECK (mode IN ('full', 'incremental')),
  period_from   date NOT NULL, -- settlement days [period_from, period_to], China time
  period_to     date NOT NULL,
  rules         jsonb NOT NULL, -- the library documents it ran: [{ rules_id, version, admdvs }]
  status        text NOT NULL CHECK (status IN ('running', 'done')),
  watermark     timestamptz, -- the newest settlement row (settle or cancel) the run read
  persons       integer NOT NULL DEFAULT 0,
  claims        integer NOT NULL DEFAULT 0,
  lines         bigint NOT NULL DEFAULT 0,
  found         integer NOT NULL DEFAULT 0, -- findings new in this run
  amended       integer NOT NULL DEFAULT 0, -- findings whose lines or amount it changed
  closed        integer NOT NULL DEFAULT 0, -- findings that no longer fire
  started_by    text NOT NULL,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz
);
CREATE INDEX supervision_scans_scope ON supervision_scans (scope, status, id);
-- The incremental scan asks for the persons with settlement rows after a watermark
-- (settlements_time of migration 005 serves it).

-- The demo's planted wrong claims (src/demo/planted.ts): what each should set off, so the scan's
-- precision and recall per rule can be measured (`yibao scan --report`). Empty outside the demo.
CREATE TABLE demo_planted_claims (
  mdtrt_id  text PRIMARY KEY REFERENCES visits (mdtrt_id),
  psn_no    text NOT NULL REFERENCES persons (psn_no),
  kind      text NOT NULL, -- the rule type planted
  expect    text[] NOT NULL, -- every rule type it should set off
  outcome   text NOT NULL CHECK (outcome IN ('settled', 'refused')), -- refused: a blocking rule stopped it at settlement
  setl_id   text REFERENCES settlements (setl_id),
  err_msg   text
);

-- A scan closes, per batch, the open findings of the claims it judged that no longer fire.
CREATE INDEX supervision_findings_visit ON supervision_findings (mdtrt_id);
