import { addDays, addWorkingDays, chinaDate, isWorkingDay, type IsoDate, type WorkingCalendar } from '../engine/calendar.ts';
import { YibaoError } from '../engine/errors.ts';
import {
  applyForAssistanceNow, assistanceRulesFor, endNoticesAndPay, objectToApplication, reviewApplication, runSubsidies,
} from '../app/service/assistance.ts';
import { addIdentity } from '../app/registry/identities.ts';
import { recordConsent } from '../app/auth/accounts.ts';
import type { Actor } from '../store/audit.ts';
import { loadCalendar } from '../store/cooperation/calendar.ts';
import { inTransaction, type Pool } from '../store/db.ts';
import type { Fixtures } from './generate.ts';

// Demo medical assistance (医疗救助) through the real use cases, on the rules the seed stored
// (assistance-rules/430200-2026.json, 430700-2026.json): a resident of Zhuzhou (the region of
// 谭秀英, whose grid worker sf.grid serves Shifeng) on the civil-affairs roster — the first
// generated Zhuzhou resident of an assistance group, or one recorded as 低保 when the small demo
// has none; the personas keep their own facts — consents to sf.grid, applies through them and
// is paid after the notice; a second application waits in its public notice; a third has an
// objection under review; then the contribution subsidies (资助参保) of Zhuzhou and Changde are
// applied for the identity groups. The days are counted back from now on Zhuzhou's calendar so
// the paid one ran its whole path in the past.

const CLERK: Actor = { type: 'staff', id: 'zz.clerk', name: '株洲市医保局经办员 陈芳', role: 'clerk' };
const REVIEWER: Actor = { type: 'staff', id: 'hn.reviewer', name: '湖南省医保局审核员 邓志强', role: 'reviewer' };
const GRID: Actor = { type: 'grid_worker', id: 'sf.grid', name: '石峰区网格员 谢红' };
const FINANCE: Actor = { type: 'staff', id: 'hn.finance', name: '湖南省医保局财务 赵丽', role: 'finance' };
const PASS: Actor = { type: 'system', id: 'notice-pass' };

export interface AssistanceDemo {
  paid?: string;
  in_notice?: string;
  objected?: string;
  subsidies: { admdvs: string; persons: number; total_fen: number }[];
}

/**
 * The demo's applicant: the first generated (not persona) resident insured in Zhuzhou with a
 * resident enrollment and an identity of an assistance group in force; else the first such
 * resident, recorded by civil affairs as 低保 since January.
 */
async function applicant(pool: Pool, fixtures: Fixtures, now: Date, year: number): Promise<{ psn_no: string } | undefined> {
  const personas = fixtures.personas.map((p) => p.psn_no);
  const today = chinaDate(now);
  const residents = await pool.query<{ psn_no: string; eligible: boolean }>(
    `SELECT p.psn_no, EXISTS (SELECT 1 FROM person_identities i WHERE i.psn_no = p.psn_no AND i.psn_idet_type IN ('2101', '2102', '2104', '2501')
                               AND i.begntime <= $2 AND (i.endtime IS NULL OR i.endtime >= $2)) AS eligible
       FROM persons p
      WHERE left(p.insuplc_admdvs, 4) = '4302' AND NOT (p.psn_no = ANY($1))
        AND EXISTS (SELECT 1 FROM enrollments e WHERE e.psn_no = p.psn_no AND e.insutype = '390' AND e.psn_insu_stas = '1')
        AND NOT EXISTS (SELECT 1 FROM contributions k WHERE k.psn_no = p.psn_no AND k.year = $3 AND k.payer = 'assistance')
      ORDER BY p.psn_no`, [personas, today, year]);
  const pick = residents.rows.find((r) => r.eligible) ?? residents.rows[0];
  if (!pick) return undefined;
  if (!pick.eligible) {
    await inTransaction(pool, (q) => addIdentity(q, { psn_no: pick.psn_no, psn_idet_type: '2102', begntime: `${year}-01-01`, source: 'civil_affairs', memo: '城市低保' }, { actor: 'demo', now }));
  }
  return { psn_no: pick.psn_no };
}

/** The working day `n` working days before `today` on the calendar (a day the bureau was open). */
function workingDaysAgo(cal: WorkingCalendar, today: IsoDate, n: number): IsoDate {
  let day = today;
  for (let left = n; left > 0; ) {
    day = addDays(day, -1);
    if (isWorkingDay(cal, day)) left--;
  }
  return day;
}
const at = (day: IsoDate, hour: number): Date => new Date(`${day}T${String(hour - 8).padStart(2, '0')}:00:00Z`);

export async function seedDemoAssistance(pool: Pool, fixtures: Fixtures, now: Date, log: (line: string) => void): Promise<AssistanceDemo> {
  const out: AssistanceDemo = { subsidies: [] };
  const today = chinaDate(now);
  const year = Number(today.slice(0, 4));
  try {
    await assistanceRulesFor(pool, '430200', year);
  } catch (e) {
    if (e instanceof YibaoError) { log(`medical assistance: no ${year} rules shipped, skipped`); return out; }
    throw e;
  }
  const who = await applicant(pool, fixtures, now, year);
  if (who) {
    const cal = await loadCalendar(pool, '430200');
    await inTransaction(pool, (q) => recordConsent(q, {
      consent_ref: `CONSENT-sf.grid-${who.psn_no}`, username: 'sf.grid', psn_no: who.psn_no, granted_on: workingDaysAgo(cal, today, 20), evidence: '授权委托书（纸质，存社区）',
    }, 'demo', now));
    const own = await pool.query<{ setl_id: string }>(
      `SELECT setl_id FROM settlements WHERE psn_no = $1 AND setl_year = $2 AND kind = 'settle' AND status = 'settled' AND setl_time < $3 ORDER BY setl_time LIMIT 1`, [who.psn_no, year, now]);
    const outside = (amount: number, what: string, paidOn: IsoDate) => ({ description: what, amount_fen: amount, paid_on: paidOn, materials: [{ kind: 'invoice', ref: `demo-${what}.pdf` }, { kind: 'discharge_summary', ref: 'demo-出院小结.pdf' }] });
    // 1. paid: applied 12 working days ago by the grid worker, reviewed the next day, paid the day after the notice
    const d0 = workingDaysAgo(cal, today, 12);
    if (d0.startsWith(String(year))) {
      const first = await applyForAssistanceNow(pool, at(d0, 10), GRID, {
        psn_no: who.psn_no, year, setl_ids: own.rows[0] ? [own.rows[0].setl_id] : [],
        outside: [outside(368_000, '院外购买抗肿瘤药品', d0)], reason: '年内住院及院外购药自付费用较重，申请医疗救助',
      });
      const reviewed = await reviewApplication(pool, at(addWorkingDays(cal, d0, 1), 15), REVIEWER, first.application_no, { decision: 'approve', outside_accepted_fen: [368_000], reason: '材料齐全，身份核实' });
      await endNoticesAndPay(pool, at(addWorkingDays(cal, reviewed.notice_ends_on!, 1), 9), PASS, addWorkingDays(cal, reviewed.notice_ends_on!, 1), ['430200']);
      out.paid = first.application_no;
    }
    // 2. in notice: applied at the window 3 working days ago, approved yesterday (not across a new year)
    const d1 = workingDaysAgo(cal, today, 3);
    const d2 = workingDaysAgo(cal, today, 4);
    if (!d2.startsWith(String(year))) return subsidies(pool, now, year, out, log);
    const second = await applyForAssistanceNow(pool, at(d1, 11), CLERK, { psn_no: who.psn_no, year, outside: [outside(126_000, '门诊检查费（非联网机构）', d1)], reason: '窗口申请' });
    await reviewApplication(pool, at(workingDaysAgo(cal, today, 1), 16), REVIEWER, second.application_no, { decision: 'approve', outside_accepted_fen: [120_000], reason: '一张发票无法核实，核减 60 元' });
    out.in_notice = second.application_no;
    // 3. an objection under review: approved two days ago, a neighbour objected today
    const third = await applyForAssistanceNow(pool, at(d2, 9), CLERK, { psn_no: who.psn_no, year, outside: [outside(54_000, '康复治疗费', d2)], reason: '窗口申请' });
    await reviewApplication(pool, at(workingDaysAgo(cal, today, 2), 10), REVIEWER, third.application_no, { decision: 'approve', outside_accepted_fen: [54_000] });
    await objectToApplication(pool, now, CLERK, third.application_no, { objector: '同社区居民（来电）', contact: '0731-2xxxxxx', reason: '反映申请人子女在外地经商，家庭收入较高' });
    out.objected = third.application_no;
  }
  return subsidies(pool, now, year, out, log);
}

/** The subsidy runs of Zhuzhou and Changde for the year, and the demo's log line. */
async function subsidies(pool: Pool, now: Date, year: number, out: AssistanceDemo, log: (line: string) => void): Promise<AssistanceDemo> {
  for (const admdvs of ['430200', '430700']) {
    try {
      const r = await runSubsidies(pool, now, FINANCE, { admdvs, year, apply: true });
      out.subsidies.push({ admdvs, persons: r.persons, total_fen: r.total_fen });
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      log(`medical assistance: subsidies of ${admdvs} skipped (${e.message})`);
    }
  }
  log(`medical assistance: paid ${out.paid ?? '-'}, in notice ${out.in_notice ?? '-'}, objected ${out.objected ?? '-'}; subsidies ${out.subsidies.map((s) => `${s.admdvs} ${s.persons} persons ${(s.total_fen / 100).toFixed(2)} yuan`).join(', ')}`);
  return out;
}
