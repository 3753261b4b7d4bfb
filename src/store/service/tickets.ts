import type { Queryable } from '../db.ts';

// Window tickets (叫号) and appointments (预约), migration 028: statements only. A number is issued
// by one upsert of the day's serial (two takers never share one); the next is called with
// FOR UPDATE SKIP LOCKED, so two clerks calling at once get two different tickets.

export interface TicketRow {
  id: number; point_code: string; day: string; ticket_no: string; item: string | null; psn_no: string | null;
  appointment_id: number | null; slot: string | null; state: 'waiting' | 'called' | 'served' | 'missed';
  taken_at: string; called_by: string | null; called_at: string | null; window_no: number | null; finished_at: string | null;
}

const ts = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const TICKET_COLUMNS = `t.id, t.point_code, to_char(t.day, 'YYYY-MM-DD') AS day, t.ticket_no, t.item, t.psn_no, t.appointment_id, a.slot, t.state,
  ${ts('t.taken_at')} AS taken_at, t.called_by, ${ts('t.called_at')} AS called_at, t.window_no, ${ts('t.finished_at')} AS finished_at`;

/** The next serial of a series at a point on a day (1 for the first), or undefined past 999. */
export async function nextTicketSerial(q: Queryable, point: string, day: string, series: 'A' | 'Y'): Promise<number | undefined> {
  const r = await q.query<{ last: number }>(
    `INSERT INTO ticket_serials (point_code, day, series, last) VALUES ($1, $2, $3, 1)
     ON CONFLICT (point_code, day, series) DO UPDATE SET last = ticket_serials.last + 1 WHERE ticket_serials.last < 999
     RETURNING last`,
    [point, day, series],
  );
  return r.rows[0]?.last;
}

export async function insertTicket(q: Queryable, t: { point_code: string; day: string; ticket_no: string; item: string | null; psn_no: string | null; appointment_id: number | null; taken_by: string; now: Date }): Promise<number> {
  const r = await q.query<{ id: number }>(
    `INSERT INTO service_tickets (point_code, day, ticket_no, item, psn_no, appointment_id, taken_by, taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [t.point_code, t.day, t.ticket_no, t.item, t.psn_no, t.appointment_id, t.taken_by, t.now],
  );
  return r.rows[0]!.id;
}

export async function findTicket(q: Queryable, point: string, day: string, ticketNo: string, lock = false): Promise<TicketRow | undefined> {
  const r = await q.query<TicketRow>(
    `SELECT ${TICKET_COLUMNS} FROM service_tickets t LEFT JOIN service_appointments a ON a.id = t.appointment_id
     WHERE t.point_code = $1 AND t.day = $2 AND t.ticket_no = $3${lock ? ' FOR UPDATE OF t' : ''}`,
    [point, day, ticketNo],
  );
  return r.rows[0];
}

export async function ticketById(q: Queryable, id: number): Promise<TicketRow> {
  const r = await q.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM service_tickets t LEFT JOIN service_appointments a ON a.id = t.appointment_id WHERE t.id = $1`, [id]);
  return r.rows[0]!;
}

/**
 * Claims the next waiting ticket of the day and marks it called: appointments whose slot has
 * begun first, then by the order taken. Rows other callers hold are skipped, never waited for.
 */
export async function callNextTicket(q: Queryable, point: string, day: string, nowHhmm: string, by: string, windowNo: number | null, now: Date): Promise<number | undefined> {
  const r = await q.query<{ id: number }>(
    `WITH next AS (
       SELECT t.id FROM service_tickets t LEFT JOIN service_appointments a ON a.id = t.appointment_id
       WHERE t.point_code = $1 AND t.day = $2 AND t.state = 'waiting'
       ORDER BY (a.slot IS NOT NULL AND a.slot <= $3) DESC, t.id
       LIMIT 1 FOR UPDATE OF t SKIP LOCKED)
     UPDATE service_tickets s SET state = 'called', called_by = $4, called_at = $5, window_no = $6 FROM next WHERE s.id = next.id RETURNING s.id`,
    [point, day, nowHhmm, by, now, windowNo],
  );
  return r.rows[0]?.id;
}

export async function finishTicket(q: Queryable, id: number, state: 'served' | 'missed', now: Date): Promise<void> {
  await q.query('UPDATE service_tickets SET state = $2, finished_at = $3 WHERE id = $1', [id, state, now]);
}

export async function listTickets(q: Queryable, point: string, day: string): Promise<TicketRow[]> {
  const r = await q.query<TicketRow>(
    `SELECT ${TICKET_COLUMNS} FROM service_tickets t LEFT JOIN service_appointments a ON a.id = t.appointment_id WHERE t.point_code = $1 AND t.day = $2 ORDER BY t.id`,
    [point, day],
  );
  return r.rows;
}

export interface AppointmentRow { id: number; point_code: string; day: string; slot: string; item: string; psn_no: string | null; state: 'booked' | 'checked_in' | 'cancelled'; booked_at: string }

export async function countBooked(q: Queryable, point: string, day: string, slot: string): Promise<number> {
  const r = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM service_appointments WHERE point_code = $1 AND day = $2 AND slot = $3 AND state <> 'cancelled'`, [point, day, slot]);
  return r.rows[0]!.n;
}

export async function insertAppointment(q: Queryable, a: { point_code: string; day: string; slot: string; item: string; psn_no: string | null; booked_by: string; now: Date }): Promise<AppointmentRow> {
  const r = await q.query<AppointmentRow>(
    `INSERT INTO service_appointments (point_code, day, slot, item, psn_no, booked_by, booked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING id, point_code, to_char(day, 'YYYY-MM-DD') AS day, slot, item, psn_no, state, ${ts('booked_at')} AS booked_at`,
    [a.point_code, a.day, a.slot, a.item, a.psn_no, a.booked_by, a.now],
  );
  return r.rows[0]!;
}

export async function findAppointment(q: Queryable, id: number, lock = false): Promise<AppointmentRow | undefined> {
  const r = await q.query<AppointmentRow>(
    `SELECT id, point_code, to_char(day, 'YYYY-MM-DD') AS day, slot, item, psn_no, state, ${ts('booked_at')} AS booked_at FROM service_appointments WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return r.rows[0];
}

export async function checkInAppointment(q: Queryable, id: number): Promise<void> {
  await q.query(`UPDATE service_appointments SET state = 'checked_in' WHERE id = $1`, [id]);
}
