import type { Queryable } from '../db.ts';
import { PERSON_COLUMNS, type Person } from '../registry/persons.ts';

// The records the REST API's scope decision loads by their own key (src/server/auth/hook.ts):
// each with the region it is decided on, and a filing or recognition with its person, in one
// statement.

export interface CaseScope {
  person: Person;
  /** The case's own insured region (kept when the person later moves). */
  region: string;
}

const personOf = (alias: string): string => PERSON_COLUMNS.split(', ').map((c) => `${alias}.${c}`).join(', ');

async function caseScope(q: Queryable, table: 'filings' | 'recognitions', keyColumn: string, key: string): Promise<CaseScope | undefined> {
  const r = await q.query<Person & { case_region: string }>(
    `SELECT ${personOf('p')}, t.insuplc_admdvs AS case_region FROM ${table} t JOIN persons p ON p.psn_no = t.psn_no WHERE t.${keyColumn} = $1`,
    [key],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const { case_region, ...person } = row;
  return { person, region: case_region };
}

export function filingScope(q: Queryable, filingNo: string): Promise<CaseScope | undefined> {
  return caseScope(q, 'filings', 'filing_no', filingNo);
}

export function recognitionScope(q: Queryable, recognitionNo: string): Promise<CaseScope | undefined> {
  return caseScope(q, 'recognitions', 'recognition_no', recognitionNo);
}

/** The region of an identity import batch. */
export async function importBatchRegion(q: Queryable, id: number): Promise<string | undefined> {
  const r = await q.query<{ admdvs: string }>('SELECT admdvs FROM identity_import_batches WHERE id = $1', [id]);
  return r.rows[0]?.admdvs;
}
