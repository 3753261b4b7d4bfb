-- The national gateway: sign-ins (9001/9002) and the message log, which is also the
-- idempotency record of writing transactions.

-- 签到: a sign_no is valid for its institution until signed out (9002).
CREATE TABLE gateway_sign_ins (
  sign_no         text PRIMARY KEY,
  fixmedins_code  text NOT NULL REFERENCES institutions (fixmedins_code),
  opter           text,
  mac             text,
  ip              text,
  sign_time       timestamptz NOT NULL,
  signout_time    timestamptz,
  CHECK (signout_time IS NULL OR signout_time >= sign_time)
);
CREATE INDEX gateway_sign_ins_institution ON gateway_sign_ins (fixmedins_code, sign_time);

-- Every answered message. A successful writing transaction (idempotent = true) is unique by
-- (fixmedins_code, msgid): a retry with the same request_hash gets `response` back verbatim,
-- a retry with other content is refused naming the difference (hence the stored request).
-- Read-only and failed messages are logged too, but never block a later msgid.
CREATE TABLE gateway_messages (
  id              bigserial PRIMARY KEY,
  fixmedins_code  text NOT NULL, -- as sent: unknown codes are logged as well
  msgid           text NOT NULL,
  infno           text NOT NULL,
  idempotent      boolean NOT NULL,
  request_hash    text NOT NULL, -- sha256 of the canonical {infno, input}
  request         jsonb NOT NULL, -- the canonical {infno, input}
  response        jsonb NOT NULL,
  infcode         integer NOT NULL,
  received_at     timestamptz NOT NULL,
  answered_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX gateway_messages_idempotency ON gateway_messages (fixmedins_code, msgid) WHERE idempotent;
CREATE INDEX gateway_messages_msgid ON gateway_messages (fixmedins_code, msgid);

-- Serial part of inf_refmsgid (region 6 + time 14 + serial 10), shared by every process.
CREATE SEQUENCE gateway_refmsg_serial MAXVALUE 9999999999 CYCLE;
