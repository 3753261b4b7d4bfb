import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../../test/support/db.ts';
import { inTransaction } from './db.ts';
import { actorLabel, writeAudit } from './audit.ts';

// The one writer of audit_log: the cooperation desks label an Actor as type:id, the registry
// writes the signed-in login as it is, and a row only stands if its transaction commits.

test('audit rows: who, what, to whom, with the detail as JSON, inside the caller\'s transaction', async () => {
  const db = await freshDatabase();
  try {
    const now = new Date('2026-03-02T01:00:00Z');
    assert.equal(actorLabel({ type: 'staff', id: 'jj.clerk', name: '九江经办' }), 'staff:jj.clerk');
    assert.equal(actorLabel({ type: 'grid_worker', id: 'gw1' }), 'grid_worker:gw1');
    await writeAudit(db.pool, { actor: actorLabel({ type: 'person', id: 'P1' }), now }, 'filing.submit', 'filing:F1', { to: 'pending_review' });
    await writeAudit(db.pool, { actor: 'jj.clerk', now }, 'person.create', 'P1');
    await assert.rejects(
      inTransaction(db.pool, async (c) => {
        await writeAudit(c, { actor: 'jj.clerk', now }, 'person.update', 'P1');
        throw new Error('the write failed after its audit row');
      }),
      /after its audit row/,
    );
    const rows = await db.pool.query('SELECT at, actor, action, subject, detail FROM audit_log WHERE subject IN ($1, $2) ORDER BY id', ['filing:F1', 'P1']);
    assert.deepEqual(rows.rows, [
      { at: now, actor: 'person:P1', action: 'filing.submit', subject: 'filing:F1', detail: { to: 'pending_review' } },
      { at: now, actor: 'jj.clerk', action: 'person.create', subject: 'P1', detail: {} },
    ]);
  } finally {
    await db.drop();
  }
});
