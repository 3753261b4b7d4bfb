-- Reference data the eligibility check reads on every registration (the national chronic
-- disease list, regional agreements, filing policies) is cached by each server process
-- (src/store/cooperation/reference.ts). Every change to it moves this one-row generation in
-- the same transaction, so a reader that sees the new generation also sees the new data.
CREATE TABLE reference_generation (
  one  boolean PRIMARY KEY DEFAULT true CHECK (one),
  n    bigint NOT NULL
);
INSERT INTO reference_generation (n) VALUES (1);

CREATE FUNCTION bump_reference_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE reference_generation SET n = n + 1;
  RETURN NULL;
END $$;

-- One statement trigger per table of reference data.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['chronic_diseases', 'agreements', 'agreement_members', 'agreement_clauses',
                           'agreement_diseases', 'agreement_pharmacies', 'filing_policies'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation()', t || '_generation', t);
  END LOOP;
END $$;
