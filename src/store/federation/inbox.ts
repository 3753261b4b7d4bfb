import type { Queryable } from '../db.ts';
import type { SharedRead } from '../group-commit.ts';

// The inbox of signed messages from other deployments (031_federation.sql): every message
// once per (sender, msg_id), the last sent_at seen (an equal or older one is a replay), and
// for a writing kind the answer it was given, returned to every retry.

export interface InboxRow {
  body_hash: string;
  last_sent_at: Date;
  response: Record<string, unknown> | null;
}

export interface InboxItem {
  sender: string;
  msg_id: string;
}

/** The earlier message under this id, read in the group commit's BEGIN round trip after its lock. */
export const INBOX_START: SharedRead<InboxItem, InboxRow | undefined> = {
  query: (items) => ({
    name: 'federation_inbox_start',
    text: `SELECT u.i, f.body_hash, f.last_sent_at, f.response
             FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(sender, msg_id, i)
             LEFT JOIN federation_inbox f ON f.sender = u.sender AND f.msg_id = u.msg_id
            ORDER BY u.i`,
    values: [items.map((x) => x.sender), items.map((x) => x.msg_id)],
  }),
  split: (result) => result.rows.map((r: Record<string, unknown>) => (r['body_hash'] === null ? undefined : { body_hash: r['body_hash'] as string, last_sent_at: r['last_sent_at'] as Date, response: r['response'] as Record<string, unknown> | null })),
};

export const inboxKey = (sender: string, msgId: string): string => `fed\u0000${sender}\u0000${msgId}`;

/** Records a message (first time) or its later retry; false when it is not later than the last one seen (a replay). */
export async function noteMessage(q: Queryable, m: InboxItem & { kind: string; body_hash: string; sent_at: Date; response: Record<string, unknown> | null; at: Date }): Promise<boolean> {
  const r = await q.query({ name: 'federation_inbox_note', text: `INSERT INTO federation_inbox (sender, msg_id, kind, body_hash, last_sent_at, response, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (sender, msg_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at
        WHERE federation_inbox.last_sent_at < EXCLUDED.last_sent_at AND federation_inbox.body_hash = EXCLUDED.body_hash
       RETURNING 1`, values: [m.sender, m.msg_id, m.kind, m.body_hash, m.sent_at, m.response === null ? null : JSON.stringify(m.response), m.at] });
  return (r.rowCount ?? 0) > 0;
}

/** The answers kept for some of a sender's messages, by msg_id (reconciliation replays them). */
export async function keptAnswers(q: Queryable, sender: string, msgIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const r = await q.query<{ msg_id: string; response: Record<string, unknown> }>(
    `SELECT msg_id, response FROM federation_inbox WHERE sender = $1 AND msg_id = ANY($2::text[]) AND response IS NOT NULL`, [sender, msgIds]);
  return new Map(r.rows.map((x) => [x.msg_id, x.response]));
}

/**
 * Forgets the reads noted before `before`: a message older than the clock's window is refused
 * for its sent_at anyway, so their rows no longer guard against a replay. Writes keep their answers.
 */
export async function forgetOldReads(q: Queryable, before: Date): Promise<number> {
  const r = await q.query(`DELETE FROM federation_inbox WHERE response IS NULL AND last_sent_at < $1`, [before]);
  return r.rowCount ?? 0;
}
