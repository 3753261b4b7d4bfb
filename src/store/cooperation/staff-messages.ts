import { regionPrefix } from '../auth/principal.ts';
import type { Queryable } from '../db.ts';

// Staff inbox (migration 020): messages addressed to a region's bureau rather than to a
// person, read by every staff member whose regions cover that region. A message is sent once
// per (region, subject), so a job that reruns (the advance-fund check, say) never repeats one.

export interface StaffMessage {
  subject: string;
  title: { zh: string; en: string };
  body: { zh: string; en: string };
  urgent: boolean;
}

export interface StaffMessageRow {
  id: number;
  admdvs: string;
  subject: string;
  title_zh: string;
  title_en: string;
  body_zh: string;
  body_en: string;
  urgent: boolean;
  at: Date;
  read_by: string | null;
  read_at: Date | null;
}

/** Addresses the message to each region's bureau; how many were new. */
export async function sendStaffMessage(q: Queryable, at: Date, admdvs: readonly string[], m: StaffMessage): Promise<number> {
  const r = await q.query(
    `INSERT INTO staff_messages (admdvs, subject, title_zh, title_en, body_zh, body_en, urgent, at)
     SELECT a, $2, $3, $4, $5, $6, $7, $8 FROM unnest($1::text[]) a ON CONFLICT (admdvs, subject) DO NOTHING`,
    [admdvs, m.subject, m.title.zh, m.title.en, m.body.zh, m.body.en, m.urgent, at],
  );
  return r.rowCount ?? 0;
}

const COLUMNS = 'id::int AS id, admdvs, subject, title_zh, title_en, body_zh, body_en, urgent, at, read_by, read_at';

/** The messages of the regions a staff member covers (a region, or any region under it), newest first. */
export async function staffInbox(q: Queryable, regions: readonly string[], limit = 100): Promise<StaffMessageRow[]> {
  const prefixes = regions.map((r) => `${regionPrefix(r)}%`);
  const r = await q.query<StaffMessageRow>(
    `SELECT ${COLUMNS} FROM staff_messages WHERE admdvs LIKE ANY ($1::text[]) ORDER BY at DESC, id DESC LIMIT $2`,
    [prefixes, limit],
  );
  return r.rows;
}

/** The message, for the access check of marking it read. */
export async function findStaffMessage(q: Queryable, id: number): Promise<StaffMessageRow | undefined> {
  const r = await q.query<StaffMessageRow>(`SELECT ${COLUMNS} FROM staff_messages WHERE id = $1`, [id]);
  return r.rows[0];
}

export async function markStaffMessageRead(q: Queryable, id: number, by: string, at: Date): Promise<void> {
  await q.query(`UPDATE staff_messages SET read_by = coalesce(read_by, $2), read_at = coalesce(read_at, $3) WHERE id = $1`, [id, by, at]);
}
