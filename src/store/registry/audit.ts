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

/** The calendar date in China (UTC+8, no daylight saving) for an instant, as yyyy-mm-dd. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** yyyy-mm-dd plus `days` (may be negative). */
export function addDays(date: string, days: number): string {
  const t = Date.parse(date + 'T00:00:00Z') + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** A real calendar date written yyyy-mm-dd. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) return false;
  const t = Date.parse(value + 'T00:00:00Z');
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === value;
}
