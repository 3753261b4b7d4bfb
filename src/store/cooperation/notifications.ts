import type { Pool, Queryable } from '../db.ts';

// Every decision reaches the person: an in-app inbox row at once, and copies for the other
// channels (SMS, WeChat) that pluggable senders deliver after the deciding transaction commits.

export type Channel = 'in_app' | 'sms' | 'wechat';

export interface Message {
  subject: string;
  title: { zh: string; en: string };
  body: { zh: string; en: string };
}

export interface NotificationRow {
  id: number;
  psn_no: string;
  channel: Channel;
  subject: string;
  title_zh: string;
  title_en: string;
  body_zh: string;
  body_en: string;
  created_at: Date;
  delivered_at: Date | null;
  read_at: Date | null;
}

/** A channel's delivery: an SMS gateway, WeChat template messages, or the demo's logger. */
export interface NotificationSender {
  channel: Exclude<Channel, 'in_app'>;
  send(n: NotificationRow, to: { tel: string | null; psn_name: string }): Promise<void>;
}

/** The demo's sender: writes what would be sent to a log. */
export class LoggingSender implements NotificationSender {
  readonly channel: Exclude<Channel, 'in_app'>;
  readonly sent: { channel: string; to: string; text: string }[] = [];
  private readonly log: (line: string) => void;
  constructor(channel: Exclude<Channel, 'in_app'>, log: (line: string) => void = () => undefined) {
    this.channel = channel;
    this.log = log;
  }
  async send(n: NotificationRow, to: { tel: string | null; psn_name: string }): Promise<void> {
    const entry = { channel: this.channel, to: to.tel ?? n.psn_no, text: `${n.title_zh}：${n.body_zh}` };
    this.sent.push(entry);
    this.log(`[${entry.channel} → ${entry.to}] ${entry.text}`);
  }
}

/** Queues a message to a person: in-app now, SMS when a phone number is on record, WeChat always (the sender decides reachability). */
export async function notify(q: Queryable, now: Date, psn: { psn_no: string; insuplc_admdvs: string; tel: string | null }, m: Message): Promise<void> {
  const channels: Channel[] = ['in_app', 'wechat'];
  if (psn.tel) channels.push('sms');
  for (const channel of channels) {
    await q.query(
      `INSERT INTO notifications (psn_no, insuplc_admdvs, channel, subject, title_zh, title_en, body_zh, body_en, created_at, delivered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [psn.psn_no, psn.insuplc_admdvs, channel, m.subject, m.title.zh, m.title.en, m.body.zh, m.body.en, now, channel === 'in_app' ? now : null],
    );
  }
}

export async function inbox(q: Queryable, psnNo: string, limit = 50): Promise<NotificationRow[]> {
  const r = await q.query<NotificationRow>(
    `SELECT id::int, psn_no, channel, subject, title_zh, title_en, body_zh, body_en, created_at, delivered_at, read_at
     FROM notifications WHERE psn_no = $1 AND channel = 'in_app' ORDER BY created_at DESC, id DESC LIMIT $2`,
    [psnNo, Math.min(Math.max(limit, 1), 500)],
  );
  return r.rows;
}

export async function markRead(q: Queryable, psnNo: string, id: number, now: Date): Promise<boolean> {
  const r = await q.query(`UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND psn_no = $2 AND channel = 'in_app'`, [id, psnNo, now]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * Delivers up to `batch` waiting SMS/WeChat copies through the senders given; a channel with no
 * sender keeps waiting. Returns how many were delivered.
 */
export async function deliverOutbox(pool: Pool, senders: readonly NotificationSender[], now: Date, batch = 100): Promise<number> {
  const byChannel = new Map(senders.map((s) => [s.channel, s]));
  const channels = [...byChannel.keys()];
  if (channels.length === 0) return 0;
  const r = await pool.query<NotificationRow & { tel: string | null; psn_name: string }>(
    `SELECT n.id::int, n.psn_no, n.channel, n.subject, n.title_zh, n.title_en, n.body_zh, n.body_en, n.created_at, n.delivered_at, n.read_at, p.tel, p.psn_name
     FROM notifications n JOIN persons p USING (psn_no)
     WHERE n.delivered_at IS NULL AND n.channel = ANY($1) AND n.attempts < 5 ORDER BY n.id LIMIT $2`,
    [channels, batch],
  );
  let delivered = 0;
  for (const row of r.rows) {
    const sender = byChannel.get(row.channel as Exclude<Channel, 'in_app'>);
    if (!sender) continue;
    try {
      await sender.send(row, { tel: row.tel, psn_name: row.psn_name });
      await pool.query('UPDATE notifications SET delivered_at = $2, attempts = attempts + 1 WHERE id = $1', [row.id, now]);
      delivered++;
    } catch {
      await pool.query('UPDATE notifications SET attempts = attempts + 1 WHERE id = $1', [row.id]);
    }
  }
  return delivered;
}
