import type { FilerType } from '../engine/filing-rules.ts';
import type { Queryable } from './db.ts';

// The one audit trail (audit_log): every write of the registry, the cooperation desks and the
// sign-ins records who did what to whom, in the same transaction as the write.

/** Who did something: one who may file (the person, an agent, a grid worker, a hospital, staff) or the system. */
export interface Actor {
  type: FilerType | 'system';
  id: string;
  name?: string | null;
  /** A staff member's role (clerk, reviewer, supervisor…), which says which case moves they may make. */
  role?: string | undefined;
}

/** How an actor is written in audit_log.actor: `staff:jj.clerk`, `person:430…`. */
export function actorLabel(a: Actor): string {
  return `${a.type}:${a.id}`;
}

export interface WriteContext {
  /**
   * Who is acting, as audit_log writes it: actorLabel(an Actor) for the cooperation desks, the
   * signed-in login for a registry write (principalLabel), `demo` for the seed.
   */
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
