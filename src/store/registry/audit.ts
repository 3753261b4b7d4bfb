import type { Queryable } from '../db.ts';

// Every registry write records who did what to whom, in the same transaction as the write.

export interface WriteContext {
  /** Who is acting: a staff login, an import batch, `demo`… (auth comes in a later issue). */
  actor: string;
  /** The process clock (injected, never read here). */
  now: Date;
}

export async function writeAudit(
  q: Queryable,
  ctx: WriteContext,
  action: string,
  subject: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await q.query('INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)', [
    ctx.now,
    ctx.actor,
    action,
    subject,
    JSON.stringify(detail),
  ]);
}

