import { addDays, addWorkingDays, chinaDate } from '../engine/calendar.ts';
import { INVESTIGATION_DAYS } from '../engine/cases.ts';
import { loadCalendar } from '../store/cooperation/calendar.ts';
import type { Pool } from '../store/db.ts';
import { moveInvestigation, raiseInvestigation, type InvestigationWho } from '../app/supervision/investigations.ts';
import type { Fixtures } from './generate.ts';

// Demo 协查 requests under the 赣湘 agreement: Jiujiang (江西九江, the insured city) asks Changsha
// (湖南长沙, where she was treated) about the Jiujiang retiree's stay at a Changsha hospital, and
// the request runs its closed loop (accepted, answered, confirmed); a second request, about a
// Jiangxi person's visit in a Hunan member city, is left waiting near its deadline to accept.
// Both go through the use cases like any supervisor's request. jx.supervisor asks, hn.supervisor answers.

const JX: InvestigationWho = { actor: { type: 'staff', id: 'jx.supervisor', name: '江西省医保局监管员 黄志强', role: 'supervisor' }, regions: ['360000'] };
const HN: InvestigationWho = { actor: { type: 'staff', id: 'hn.supervisor', name: '湖南省医保局监管员 周建国', role: 'supervisor' }, regions: ['430000'] };

const letter = (text: string): { name: string; mime: string; content_base64: string } => ({ name: '协查函.txt', mime: 'text/plain', content_base64: Buffer.from(text, 'utf8').toString('base64') });

export async function seedDemoInvestigations(pool: Pool, fixtures: Fixtures, now: Date, log: (line: string) => void): Promise<{ closed?: string; open?: string }> {
  const retiree = fixtures.personas.find((p) => p.key === 'jiujiang_retiree_in_changsha');
  if (!retiree) return {};
  const stay = await pool.query<{ mdtrt_id: string; setl_id: string }>(
    `SELECT v.mdtrt_id, s.setl_id FROM visits v JOIN settlements s ON s.mdtrt_id = v.mdtrt_id AND s.kind = 'settle' AND s.status = 'settled'
      WHERE v.psn_no = $1 AND v.kind = 'inpatient' AND left(v.mdtrtarea_admvs, 4) = '4301' ORDER BY v.begntime LIMIT 1`,
    [retiree.psn_no],
  );
  const out: { closed?: string; open?: string } = {};
  if (stay.rows[0]) {
    const v = stay.rows[0];
    const raised = await raiseInvestigation(pool, now, JX, {
      psn_no: retiree.psn_no, visits: [{ mdtrt_id: v.mdtrt_id, setl_id: v.setl_id }],
      subject: '核实参保人陈桂芳在长沙市第一人民医院住院期间的诊疗记录、费用明细及在院情况',
      reason: '异地就医住院费用较高，参保地审核时需就医地核实住院真实性及收费是否合规',
      attachments: [letter('九江市医疗保障局协查函：请协助核实参保人陈桂芳在贵市定点医疗机构的住院诊疗及收费情况。')],
    });
    await moveInvestigation(pool, now, HN, raised.case_no, { move: 'accept', reason: '已受理，转长沙市医保局稽核科调查' });
    await moveInvestigation(pool, now, HN, raised.case_no, {
      move: 'answer', reason: '调查完毕',
      answer: { findings: '调取病历、医嘱及床位使用记录，并现场核查：住院真实，诊疗与收费符合规定。', conclusion: 'no_violation' },
      attachments: [{ name: '现场核查记录.txt', mime: 'text/plain', content_base64: Buffer.from('现场核查记录：患者在院，床位、护理记录与收费一致。', 'utf8').toString('base64') }],
    });
    await moveInvestigation(pool, now, JX, raised.case_no, { move: 'confirm', reason: '回复完整，予以办结' });
    out.closed = raised.case_no;
  }

  // The open one: a Jiangxi person's visit at a Hunan member city, raised so that its time to
  // accept ends on the next working day; the retiree's outpatient visit when the demo has none.
  const { rows } = await pool.query<{ psn_no: string; mdtrt_id: string; setl_id: string; answering: string; setl_day: string }>(
    `SELECT s.psn_no, s.mdtrt_id, s.setl_id, left(s.mdtrtarea_admvs, 4) || '00' AS answering, to_char(s.setl_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS setl_day
       FROM settlements s JOIN persons p ON p.psn_no = s.psn_no
      WHERE s.kind = 'settle' AND s.status = 'settled' AND left(s.insuplc_admdvs, 2) = '36' AND left(s.mdtrtarea_admvs, 2) = '43'
        AND left(s.mdtrtarea_admvs, 4) || '00' IN (SELECT m.admdvs FROM agreement_members m JOIN agreements g ON g.id = m.agreement_id WHERE g.agreement_no = 'GX10-HXB-2')
        AND left(s.insuplc_admdvs, 4) || '00' IN (SELECT m.admdvs FROM agreement_members m JOIN agreements g ON g.id = m.agreement_id WHERE g.agreement_no = 'GX10-HXB-2')
      ORDER BY (s.psn_no = $1), s.setl_time LIMIT 1`,
    [retiree.psn_no],
  );
  const pick = rows[0];
  if (pick) {
    const today = chinaDate(now);
    const cal = await loadCalendar(pool, pick.answering);
    // the latest day back whose deadline (the demo clause sets none: the default) is still today or later
    let day = today;
    for (let back = 1; back <= 30; back++) {
      const d = addDays(today, -back);
      if (addWorkingDays(cal, d, INVESTIGATION_DAYS.accept) < addDays(today, 1)) break;
      day = d;
    }
    const at = new Date(Math.min(now.getTime(), Date.parse(`${day}T02:00:00Z`)));
    const raised = await raiseInvestigation(pool, at, JX, {
      psn_no: pick.psn_no, visits: [{ mdtrt_id: pick.mdtrt_id, setl_id: pick.setl_id }],
      subject: '核实该次异地门诊的就诊真实性及处方、收费明细',
      reason: `参保人 ${pick.setl_day} 在外省门诊结算，费用明细需就医地核实`,
      attachments: [letter('请协助核实参保人该次门诊就诊及收费情况。')],
    });
    out.open = raised.case_no;
    log(`investigations: ${out.closed ?? '-'} closed (Jiujiang asked Changsha), ${out.open} waiting for ${pick.answering} to accept by ${raised.due_on}`);
  } else {
    log(`investigations: ${out.closed ?? '-'} closed; no Jiangxi visit in a Hunan member city for an open request`);
  }
  return out;
}
