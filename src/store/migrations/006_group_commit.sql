-- Group commit (src/store/group-commit.ts): a batch of gateway messages sharing one
-- transaction takes the advisory locks of all its keys first, always in ascending order, so
-- two batches never wait for each other in a cycle. A loop makes the order certain.
CREATE FUNCTION lock_keys(keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  k bigint;
BEGIN
  FOREACH k IN ARRAY keys LOOP
    PERFORM pg_advisory_xact_lock(k);
  END LOOP;
END $$;
