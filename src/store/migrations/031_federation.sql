-- Federation between deployments (issue 17, docs/federation.md). A deployment owns the pooling
-- regions its directory names; a person insured elsewhere is settled with the owning
-- deployment over signed HTTP. Both sides keep one row per cross-deployment settlement or
-- cancellation, keyed by the same fed_id, which reconciliation and the hub match.

-- Every signed message received, keyed by its sender and msg_id: a retry (a later sent_at)
-- gets the stored answer; the same sent_at again is a replay and is refused.
CREATE TABLE federation_inbox (
  sender        text NOT NULL,
  msg_id        text NOT NULL,
  kind          text NOT NULL,
  body_hash     text NOT NULL,
  last_sent_at  timestamptz NOT NULL,
  response      jsonb, -- the answer of a writing kind (null for reads)
  received_at   timestamptz NOT NULL,
  PRIMARY KEY (sender, msg_id)
);

-- On the treatment side a person insured elsewhere is a copy of the owner's basic record
-- (so visits and settlements keep their foreign keys); the owner's deployment is named.
ALTER TABLE persons ADD COLUMN federated_from text;

-- On the insured side a visit held elsewhere has a shadow row here (its lines as classified by
-- the treatment side), so the settlement machinery runs unchanged; its remote id is kept.
CREATE TABLE federation_visits (
  peer              text NOT NULL,
  remote_mdtrt_id   text NOT NULL,
  mdtrt_id          text NOT NULL UNIQUE REFERENCES visits (mdtrt_id),
  PRIMARY KEY (peer, remote_mdtrt_id)
);

CREATE TABLE federation_settlements (
  fed_id            text PRIMARY KEY, -- '<treatment deployment>:<mdtrt_id>:<n>' (settle), '…:cancel' (its cancellation)
  role              text NOT NULL CHECK (role IN ('treatment', 'insured')),
  peer              text NOT NULL, -- the other deployment
  kind              text NOT NULL CHECK (kind IN ('settle', 'cancel')),
  orig_fed_id       text REFERENCES federation_settlements (fed_id),
  setl_id           text NOT NULL UNIQUE REFERENCES settlements (setl_id), -- this side's own row
  peer_setl_id      text NOT NULL, -- the other side's setl_id
  treatment_mdtrt_id text NOT NULL, -- the visit's id on the treatment side
  psn_no            text NOT NULL,
  fixmedins_code    text NOT NULL,
  insuplc_admdvs    text NOT NULL,
  mdtrtarea_admvs   text NOT NULL,
  insutype          text NOT NULL,
  setl_time         timestamptz NOT NULL,
  clr_month         text NOT NULL CHECK (clr_month ~ '^[0-9]{6}$'),
  medfee_sumamt     bigint NOT NULL,
  fund_pay_sumamt   bigint NOT NULL,
  acct_pay          bigint NOT NULL,
  psn_cash_pay      bigint NOT NULL,
  owed_fen          bigint NOT NULL, -- what the insured side owes the treatment side (negative for a cancellation)
  by_fund           jsonb NOT NULL,
  status            text NOT NULL CHECK (status IN ('settled', 'cancelled')),
  recorded_at       timestamptz NOT NULL,
  CHECK (owed_fen = fund_pay_sumamt + acct_pay),
  CHECK ((kind = 'cancel') = (orig_fed_id IS NOT NULL))
);
CREATE INDEX federation_settlements_peer_month ON federation_settlements (peer, clr_month);
CREATE INDEX federation_settlements_time ON federation_settlements (setl_time);
