-- One registry of versioned documents (issue 12): policies, catalogs and the kinds that come
-- next (DRG/DIP grouping tables, supervision rules, service items) in one table. A document is
-- identified by its kind and id; each change is a new version, never an edit. Settlement, the
-- policy workbench and the simulator read the same rows (src/store/documents/).
CREATE TABLE documents (
  kind        text NOT NULL CHECK (kind IN ('policy', 'catalog', 'drg_rules', 'supervision_rules', 'service_items')),
  doc_id      text NOT NULL,
  version     integer NOT NULL,
  admdvs      text NOT NULL, -- the region the document is for ('base' for the shared base catalog)
  doc         jsonb NOT NULL,
  stored_at   timestamptz NOT NULL DEFAULT now(),
  stored_by   text NOT NULL, -- the signed-in login, 'seed' for the files of the repository
  note        text NOT NULL DEFAULT '',
  PRIMARY KEY (kind, doc_id, version)
);
CREATE INDEX documents_region ON documents (kind, admdvs);

-- The rows stored so far come across unchanged (their load time becomes stored_at).
INSERT INTO documents (kind, doc_id, version, admdvs, doc, stored_at, stored_by, note)
  SELECT 'policy', policy_id, version, admdvs, doc, loaded_at, 'migration 014', 'carried from policy_documents' FROM policy_documents;
INSERT INTO documents (kind, doc_id, version, admdvs, doc, stored_at, stored_by, note)
  SELECT 'catalog', catalog_id, version, admdvs, doc, loaded_at, 'migration 014', 'carried from catalog_documents' FROM catalog_documents;

DROP TABLE policy_documents;
DROP TABLE catalog_documents;

-- The generation number keeps counting (the compiled caches compare it for change), under
-- the registry's name; a stored version moves it.
ALTER SEQUENCE settlement_documents_generation RENAME TO documents_generation;
DROP FUNCTION bump_settlement_documents_generation();
CREATE FUNCTION bump_documents_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('documents_generation');
  RETURN NULL;
END $$;
CREATE TRIGGER documents_changed AFTER INSERT ON documents
  FOR EACH STATEMENT EXECUTE FUNCTION bump_documents_generation();

-- Append-only: a settlement names the version it priced, so a stored version never changes.
CREATE FUNCTION documents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'documents are append-only: store a new version instead';
END $$;
CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents
  FOR EACH ROW EXECUTE FUNCTION documents_append_only();
CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents
  FOR EACH STATEMENT EXECUTE FUNCTION documents_append_only();

-- The old tables' names stay readable, with their columns, for reports written against them.
CREATE VIEW policy_documents AS
  SELECT doc_id AS policy_id, version, admdvs, doc->>'insutype' AS insutype, doc, stored_at AS loaded_at FROM documents WHERE kind = 'policy';
CREATE VIEW catalog_documents AS
  SELECT doc_id AS catalog_id, admdvs, version, doc, stored_at AS loaded_at FROM documents WHERE kind = 'catalog';
