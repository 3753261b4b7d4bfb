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

CREATE TRIGGER chronic_diseases_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chronic_diseases
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER agreements_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreements
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER agreement_members_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreement_members
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER agreement_clauses_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreement_clauses
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER agreement_diseases_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreement_diseases
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER agreement_pharmacies_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreement_pharmacies
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER filing_policies_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON filing_policies
  FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_generation();
