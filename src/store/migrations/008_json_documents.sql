-- Documents that are only ever stored and read back whole are kept as json (the text as
-- written) rather than jsonb: no conversion on every insert, and an answer replayed for a
-- retried msgid comes back with its keys in their original order. Columns that SQL looks
-- into (setlinfo, setldetail, acc, eligibility) stay jsonb.
ALTER TABLE gateway_messages
  ALTER COLUMN request TYPE json USING request::json,
  ALTER COLUMN response TYPE json USING response::json;
ALTER TABLE settlements ALTER COLUMN explanation TYPE json USING explanation::json;
