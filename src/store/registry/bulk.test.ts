import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../../../test/support/db.ts';
import { inTransaction } from '../db.ts';
import { beginBulkLoad, bulkInsert, emptyColumns, endBulkLoad } from './bulk.ts';

// A bulk load may skip PostgreSQL's per-row foreign-key checks, but never the foreign keys:
// a row naming a person who does not exist fails the load and nothing is written.

test('a bulk load with a dangling reference is refused as a whole', async () => {
  const db = await freshDatabase();
  try {
    await assert.rejects(
      inTransaction(db.pool, async (q) => {
        const deferred = await beginBulkLoad(q);
        const certs = emptyColumns('person_certs');
        certs.mdtrt_cert_type.push('01'); certs.mdtrt_cert_no.push('TOKEN'); certs.psn_no.push('4302000000009999');
        certs.card_sn.push(null); certs.valid_until.push(null);
        await bulkInsert(q, 'person_certs', certs);
        await endBulkLoad(q, deferred);
      }),
      /foreign key|person_certs/,
    );
    const n = await db.pool.query('SELECT count(*)::int AS n FROM person_certs');
    assert.equal(n.rows[0].n, 0);
  } finally {
    await db.drop();
  }
});
