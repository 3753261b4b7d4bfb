import { addDays, chinaDate, isIsoDate } from '../../engine/calendar.ts';
import { conflict, invalid, notFound } from '../../engine/errors.ts';
import { COMMON_SERVICE_ITEMS, isOpenAt, minutesOf, slotsOn, ticketNo, TICKET_MOVES } from '../../engine/service-network.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { findServicePoint, regionWithAncestors, type ServicePointRow } from '../../store/service/network.ts';
import {
  callNextTicket, checkInAppointment, countBooked, findAppointment, findTicket, finishTicket, insertAppointment, insertTicket, listTickets, nextTicketSerial, ticketById,
  type AppointmentRow, type TicketRow,
} from '../../store/service/tickets.ts';
import { chinaHhmm, requireCovers } from './network.ts';

// The windows of a service point (docs/service-network.md): a number taken at the kiosk or for
// an appointment (A001… walk-in, Y001… appointment), the next called by a clerk at a window,
// then served or missed; appointments book a slot within the opening hours, at most as many per
// slot as the point has windows. Days and times are China's.

/** Who takes a number or books: an insured person for themself, or staff of the point's region. */
export type WindowWho = { kind: 'person'; psn_no: string; label: string } | { kind: 'staff'; regions: readonly string[]; label: string };

/** How far ahead an appointment may be booked, days. */
export const BOOKING_DAYS_AHEAD = 14;

async function calendarOf(q: Queryable, p: ServicePointRow) {
  const pooling = (await regionWithAncestors(q, p.admdvs)).find((r) => r.pooling_admdvs)?.pooling_admdvs ?? p.admdvs;
  return loadCalendar(q, pooling);
}

async function lockedPoint(q: Queryable, code: string, who?: WindowWho): Promise<ServicePointRow> {
  const p = await findServicePoint(q, code, true);
  if (!p) throw notFound('code', '查无此网点', 'no such service point');
  if (who?.kind === 'staff') requireCovers(who.regions, p.admdvs);
  return p;
}

function checkItem(item: string | undefined, p: ServicePointRow): void {
  if (item === undefined) return;
  if (!(item in COMMON_SERVICE_ITEMS)) throw invalid('item', `未知的服务事项编码 ${item}`, `unknown service item code ${item}`);
  if (!p.items.includes(item as never)) throw invalid('item', `${p.name}不办理该事项`, `${p.name} does not handle this item`);
}

/** Takes a number: for an appointment (checked in, series Y) or a walk-in (series A), only while the point is open. */
export async function takeTicket(pool: Pool, ctx: WriteContext, who: WindowWho, code: string, req: { item?: string | undefined; appointment_id?: number | undefined }): Promise<TicketRow> {
  return inTransaction(pool, async (q) => {
    const p = await lockedPoint(q, code, who);
    if (!p.active) throw conflict('code', `${p.name}已停用`, `${p.name} is not active`);
    const day = chinaDate(ctx.now);
    if (!isOpenAt(p.opening_hours, await calendarOf(q, p), day, chinaHhmm(ctx.now))) throw conflict('code', `${p.name}当前不在办公时间`, `${p.name} is closed now`);
    let appointment: AppointmentRow | undefined;
    if (req.appointment_id !== undefined) {
      appointment = await findAppointment(q, req.appointment_id, true);
      if (!appointment || appointment.point_code !== code || (who.kind === 'person' && appointment.psn_no !== who.psn_no)) throw notFound('appointment_id', '查无此预约', 'no such appointment');
      if (appointment.day !== day) throw conflict('appointment_id', `该预约在 ${appointment.day}，不是今天`, `the appointment is on ${appointment.day}, not today`);
      if (appointment.state !== 'booked') throw conflict('appointment_id', '该预约已取号或已取消', 'the appointment has been checked in or cancelled');
      await checkInAppointment(q, appointment.id);
    }
    const item = req.item ?? appointment?.item;
    checkItem(item, p);
    const series = appointment ? 'Y' : 'A';
    const serial = await nextTicketSerial(q, code, day, series);
    if (serial === undefined) throw conflict('code', '当日号码已发完（999 个）', 'the day\'s numbers are used up (999)');
    const id = await insertTicket(q, {
      point_code: code, day, ticket_no: ticketNo(series, serial), item: item ?? null,
      psn_no: who.kind === 'person' ? who.psn_no : appointment?.psn_no ?? null, appointment_id: appointment?.id ?? null, taken_by: who.label, now: ctx.now,
    });
    await writeAudit(q, ctx, 'ticket.take', code, { day, ticket_no: ticketNo(series, serial), appointment_id: appointment?.id ?? null });
    return ticketById(q, id);
  });
}

/** A clerk at a window calls the next waiting number; null when no one waits. */
export async function callNext(pool: Pool, ctx: WriteContext, code: string, windowNo: number | null): Promise<TicketRow | null> {
  return inTransaction(pool, async (q) => {
    const p = await findServicePoint(q, code);
    if (!p) throw notFound('code', '查无此网点', 'no such service point');
    if (windowNo !== null && (windowNo < 1 || windowNo > p.windows)) throw invalid('window_no', `窗口号应为 1-${p.windows}`, `window_no must be 1-${p.windows}`);
    const id = await callNextTicket(q, code, chinaDate(ctx.now), chinaHhmm(ctx.now), ctx.actor, windowNo, ctx.now);
    if (id === undefined) return null;
    const t = await ticketById(q, id);
    await writeAudit(q, ctx, 'ticket.call', code, { day: t.day, ticket_no: t.ticket_no, window_no: windowNo });
    return t;
  });
}

/** A called number served or missed (过号); any other move is refused. */
export async function finishTicketAt(pool: Pool, ctx: WriteContext, code: string, ticket: string, state: 'served' | 'missed', day?: string): Promise<TicketRow> {
  const on = day ?? chinaDate(ctx.now);
  if (!isIsoDate(on)) throw invalid('day', '日期格式应为 yyyy-mm-dd', 'day must be yyyy-mm-dd');
  return inTransaction(pool, async (q) => {
    const t = await findTicket(q, code, on, ticket, true);
    if (!t) throw notFound('ticket_no', `${on} 无号码 ${ticket}`, `no ticket ${ticket} on ${on}`);
    if (!TICKET_MOVES[state].includes(t.state)) throw conflict('state', `号码 ${ticket} 状态为 ${t.state}，只有已叫号的才能办结或过号`, `ticket ${ticket} is ${t.state}; only a called ticket can be ${state}`);
    await finishTicket(q, t.id, state, ctx.now);
    await writeAudit(q, ctx, `ticket.${state}`, code, { day: on, ticket_no: ticket });
    return ticketById(q, t.id);
  });
}

export async function ticketsOf(q: Queryable, code: string, day: string): Promise<{ day: string; tickets: TicketRow[]; waiting: number }> {
  if (!isIsoDate(day)) throw invalid('day', '日期格式应为 yyyy-mm-dd', 'day must be yyyy-mm-dd');
  const tickets = await listTickets(q, code, day);
  return { day, tickets, waiting: tickets.filter((t) => t.state === 'waiting').length };
}

/** Books a slot: a working day within two weeks, a slot of the opening hours not yet begun, fewer bookings in it than windows. */
export async function bookAppointment(pool: Pool, ctx: WriteContext, who: WindowWho, code: string, req: { day: string; slot: string; item: string }): Promise<AppointmentRow & { slots_left: number }> {
  if (!isIsoDate(req.day)) throw invalid('day', '日期格式应为 yyyy-mm-dd', 'day must be yyyy-mm-dd');
  const today = chinaDate(ctx.now);
  if (req.day < today || req.day > addDays(today, BOOKING_DAYS_AHEAD)) throw invalid('day', `可预约今天起 ${BOOKING_DAYS_AHEAD} 天内`, `appointments are for today to ${BOOKING_DAYS_AHEAD} days ahead`);
  return inTransaction(pool, async (q) => {
    // the point's row lock serialises bookings, so a slot never takes more than its windows
    const p = await lockedPoint(q, code, who);
    if (!p.active) throw conflict('code', `${p.name}已停用`, `${p.name} is not active`);
    checkItem(req.item, p);
    const slots = slotsOn(p.opening_hours, await calendarOf(q, p), req.day);
    if (slots.length === 0) throw invalid('day', `${p.name}在 ${req.day} 不办公`, `${p.name} is closed on ${req.day}`);
    if (!slots.includes(req.slot)) throw invalid('slot', `时段应为 ${slots.join('、')} 之一`, `the slot must be one of ${slots.join(', ')}`);
    if (req.day === today && minutesOf(req.slot) <= minutesOf(chinaHhmm(ctx.now))) throw invalid('slot', '该时段已开始', 'that slot has begun');
    const booked = await countBooked(q, code, req.day, req.slot);
    if (booked >= p.windows) throw conflict('slot', `${req.day} ${req.slot} 已约满（${p.windows} 个窗口）`, `${req.day} ${req.slot} is full (${p.windows} windows)`);
    const a = await insertAppointment(q, { point_code: code, day: req.day, slot: req.slot, item: req.item, psn_no: who.kind === 'person' ? who.psn_no : null, booked_by: who.label, now: ctx.now });
    await writeAudit(q, ctx, 'appointment.book', code, { id: a.id, day: a.day, slot: a.slot, item: a.item });
    return { ...a, slots_left: p.windows - booked - 1 };
  });
}
