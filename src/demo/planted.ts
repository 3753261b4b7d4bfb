// Planted wrong claims (issue 15): among the demo's ordinary settlements, a few of every kind of
// wrong claim the supervision library looks for, sent through the real gateway like a hospital's
// HIS would, each recorded in demo_planted_claims with the rule types it should set off, so the
// scan's precision and recall per rule can be measured (`yibao scan --report`). A planted claim a
// blocking rule refuses at settlement is recorded as refused, with the rule the answer named.
import { buildApp } from '../server/app.ts';
import { CALL_SERVICE_PATH } from '../server/gateway/route.ts';
import type { Pool } from '../store/db.ts';
import { chinaDate } from '../engine/calendar.ts';
import { formatYuan } from '../engine/money.ts';
import type { RuleType } from '../engine/supervision/types.ts';
import { poolingRegionOf } from '../store/cooperation/common.ts';
import { sampleInsured, type InsuredSample } from '../store/registry/persons.ts';
import type { Fixtures } from './generate.ts';

const DAY = 86_400_000;
const CHINA = 8 * 3_600_000;
const chinaTime = (d: Date): string => new Date(d.getTime() + CHINA).toISOString().slice(0, 19).replace('T', ' ');

/** How many of each kind are planted. */
export const PLANTED_PER_KIND = 3;

interface Line {
  code: string;
  yuan: number;
  cnt: number;
  /** Days after the visit's start (0 by default). */
  day?: number;
  hosp_appr_flag?: string;
}

type Where = 'zhuzhou_level3_hospital' | 'shifeng_district_hospital' | 'shifeng_town_health_center';

interface Visit {
  at: Where;
  kind: 'outpatient' | 'inpatient';
  /** Days before the seed time the visit starts. */
  start: number;
  /** Inpatient: days in hospital. */
  days?: number;
  diag?: { code: string; name: string };
  lines: Line[];
}

interface Plant {
  kind: RuleType;
  /** The rule types the planted claim should set off (item swapping is also priced above the limit). */
  expect: RuleType[];
  /** Male ('1') or female ('2') patients only. */
  gend?: '1' | '2';
  /** Patients at least this old (the age-restricted drug). */
  minAge?: number;
  /** The visits: the planted claim and the others that make it wrong. */
  visits: Visit[];
  /** Which visit is the wrong claim (the last by default; a bed-hanging stay is the first). */
  claim?: number;
}

const INFUSION = '120400006';
const stroke = { code: 'I63.900', name: '脑梗死' };
const pneumonia = { code: 'J18.900', name: '肺炎' };
const ordinary = (n: number): Line[] => [{ code: INFUSION, yuan: 100, cnt: n }];

/** The kinds, in DOMAIN.md §8's order. */
const PLANTS: readonly Plant[] = [
  { kind: 'duplicate_charging', expect: ['duplicate_charging'], visits: [{ at: 'zhuzhou_level3_hospital', kind: 'outpatient', start: 20, lines: [{ code: INFUSION, yuan: 25, cnt: 1 }, { code: INFUSION, yuan: 25, cnt: 1 }] }] },
  { kind: 'over_standard_charging', expect: ['over_standard_charging'], visits: [{ at: 'zhuzhou_level3_hospital', kind: 'outpatient', start: 21, lines: [{ code: '110200001', yuan: 18, cnt: 1 }] }] },
  { kind: 'beyond_payment_scope', expect: ['beyond_payment_scope'], visits: [{ at: 'zhuzhou_level3_hospital', kind: 'outpatient', start: 22, diag: pneumonia, lines: [{ code: 'XL01XCQ163B002010102266', yuan: 1800, cnt: 1, hosp_appr_flag: '1' }] }] },
  { kind: 'split_charging', expect: ['split_charging'], visits: [{ at: 'shifeng_town_health_center', kind: 'outpatient', start: 23, lines: [{ code: '001101000010000', yuan: 10, cnt: 1 }, { code: '110200001', yuan: 12, cnt: 1 }] }] },
  { kind: 'item_swapping', expect: ['item_swapping', 'over_standard_charging'], visits: [{ at: 'zhuzhou_level3_hospital', kind: 'inpatient', start: 40, days: 4, diag: pneumonia, lines: [{ code: '110900001', yuan: 380, cnt: 1, day: 1 }, ...ordinary(12)] }] },
  {
    kind: 'excessive_tests', expect: ['excessive_tests'],
    visits: [
      { at: 'zhuzhou_level3_hospital', kind: 'outpatient', start: 30, lines: [{ code: '210300001', yuan: 150, cnt: 1 }] },
      { at: 'shifeng_district_hospital', kind: 'outpatient', start: 27, lines: [{ code: '210300001', yuan: 150, cnt: 1 }] },
    ],
  },
  { kind: 'sex_restricted', expect: ['sex_restricted'], gend: '1', visits: [{ at: 'zhuzhou_level3_hospital', kind: 'outpatient', start: 24, lines: [{ code: 'XG03DAH090B002010101108', yuan: 6, cnt: 2 }] }] },
  { kind: 'age_restricted', expect: ['age_restricted'], minAge: 25, visits: [{ at: 'zhuzhou_level3_hospital', kind: 'outpatient', start: 25, lines: [{ code: 'XH01ACC124B002010103375', yuan: 85, cnt: 2 }] }] },
  {
    kind: 'split_admission', expect: ['split_admission'],
    visits: [
      { at: 'zhuzhou_level3_hospital', kind: 'inpatient', start: 60, days: 6, diag: stroke, lines: ordinary(30) },
      { at: 'zhuzhou_level3_hospital', kind: 'inpatient', start: 49, days: 5, diag: { code: 'I63.500', name: '脑动脉闭塞性脑梗死' }, lines: ordinary(25) },
    ],
  },
  {
    kind: 'bed_hanging', expect: ['bed_hanging'], claim: 0,
    visits: [
      { at: 'shifeng_district_hospital', kind: 'inpatient', start: 75, days: 8, diag: pneumonia, lines: ordinary(20) },
      // Seen at another hospital's clinic on the fourth day of the stay.
      { at: 'zhuzhou_level3_hospital', kind: 'outpatient', start: 71, lines: [{ code: 'XA02BCA211E001010101012', yuan: 30, cnt: 2 }] },
    ],
  },
  {
    kind: 'overlapping_stays', expect: ['overlapping_stays'],
    visits: [
      { at: 'shifeng_district_hospital', kind: 'inpatient', start: 85, days: 8, diag: pneumonia, lines: ordinary(20) },
      { at: 'zhuzhou_level3_hospital', kind: 'inpatient', start: 82, days: 6, diag: pneumonia, lines: ordinary(18) },
    ],
  },
  {
    kind: 'over_quantity_prescribing', expect: ['over_quantity_prescribing'],
    visits: [
      { at: 'shifeng_district_hospital', kind: 'outpatient', start: 35, lines: [{ code: 'XC08CAA001A001010100026', yuan: 24, cnt: 3 }] },
      { at: 'zhuzhou_level3_hospital', kind: 'outpatient', start: 29, lines: [{ code: 'XC08CAA001A001010100026', yuan: 24, cnt: 3 }] },
    ],
  },
  { kind: 'qualification_mismatch', expect: ['qualification_mismatch'], visits: [{ at: 'shifeng_town_health_center', kind: 'outpatient', start: 26, lines: [{ code: '311000011', yuan: 380, cnt: 1 }] }] },
];

export interface PlantedResult {
  planted: number;
  settled: number;
  refused: number;
}

const gendOf = (certno: string): '1' | '2' => (Number(certno[16]) % 2 === 1 ? '1' : '2');
const ageAt = (certno: string, at: Date): number => {
  const day = chinaTime(at).slice(0, 10);
  return Number(day.slice(0, 4)) - Number(certno.slice(6, 10)) - (day.slice(5) < `${certno.slice(10, 12)}-${certno.slice(12, 14)}` ? 1 : 0);
};

/** Plants PLANTED_PER_KIND claims of every kind, through the gateway, for Zhuzhou's insured people at its hospitals. */
export async function seedPlantedClaims(pool: Pool, fixtures: Fixtures, opts: { now: Date; log?: (line: string) => void }): Promise<PlantedResult> {
  const institutions = new Map(fixtures.institutions.map((i) => [i.key, i]));
  const pooling = await poolingRegionOf(pool, institutions.get('zhuzhou_level3_hospital')!.admdvs);
  // From the end of the region's sample: the ordinary settlements take its first people.
  const sample = (await sampleInsured(pool, [pooling], 2000)).reverse();
  const used = new Set<string>();
  let clock = opts.now;
  const app = await buildApp({ pool, now: () => clock });
  const signNos = new Map<string, string>();
  let serial = 0;
  const call = async (where: Where, patient: InsuredSample, infno: string, input: unknown): Promise<{ infcode: number; err_msg: string | null; output: any }> => {
    const inst = institutions.get(where)!;
    serial += 1;
    const body = {
      infno, msgid: `${inst.fixmedins_code}${chinaTime(clock).replace(/[- :]/g, '')}P${String(serial).padStart(3, '0')}`, mdtrtarea_admvs: pooling, insuplc_admdvs: patient.insuplc_admdvs,
      recer_sys_code: 'YIBAO', infver: 'V1.0', opter_type: '1', opter: 'demo', opter_name: '演示收费员', inf_time: chinaTime(clock),
      fixmedins_code: inst.fixmedins_code, fixmedins_name: inst.fixmedins_name, sign_no: signNos.get(inst.fixmedins_code) ?? '', input,
    };
    const res = await app.inject({ method: 'POST', url: CALL_SERVICE_PATH, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    return JSON.parse(res.body) as { infcode: number; err_msg: string | null; output: any };
  };
  const must = async (where: Where, patient: InsuredSample, infno: string, input: unknown): Promise<any> => {
    const a = await call(where, patient, infno, input);
    if (a.infcode !== 0) throw new Error(`planted claim refused: ${infno} for ${patient.psn_no} at ${where}: ${a.err_msg}`);
    return a.output;
  };
  const result: PlantedResult = { planted: 0, settled: 0, refused: 0 };
  const skipped = new Set<RuleType>();
  try {
    if (sample.length === 0) return result;
    clock = new Date(opts.now.getTime() - 95 * DAY);
    for (const where of ['zhuzhou_level3_hospital', 'shifeng_district_hospital', 'shifeng_town_health_center'] as const) {
      const out = await must(where, sample[0]!, '9001', { signIn: { opter_no: 'demo', mac: '', ip: '127.0.0.1' } });
      signNos.set(institutions.get(where)!.fixmedins_code, out.signinoutb.sign_no as string);
    }
    for (const plant of PLANTS) {
      for (let n = 0; n < PLANTED_PER_KIND; n++) {
        const first = new Date(opts.now.getTime() - plant.visits[0]!.start * DAY);
        const fits = (p: InsuredSample): boolean => (plant.gend === undefined || gendOf(p.certno) === plant.gend) && ageAt(p.certno, first) >= (plant.minAge ?? 18);
        // A person of their own for each; a small demo reuses people (their claims may then set off more rules).
        const patient = sample.find((p) => !used.has(p.psn_no) && fits(p)) ?? sample.find(fits);
        if (!patient) {
          // A demo of a few dozen people may have nobody who fits (a man of working age, say).
          skipped.add(plant.kind);
          break;
        }
        used.add(patient.psn_no);
        const done: Array<{ mdtrt_id: string; answer: { infcode: number; err_msg: string | null; output: any } }> = [];
        for (const v of plant.visits) {
          // On its day at 9:00 China time, each copy an hour later, for another person: a fixed hour,
          // not the clock's, so that no visit starts late enough for its lines to fall on a day
          // the interface's window (up to the day after the clock's) does not reach.
          const day = chinaDate(new Date(opts.now.getTime() - v.start * DAY));
          done.push(await visit(v, patient, new Date(Date.parse(`${day}T00:00:00+08:00`) + (9 + n) * 3_600_000)));
        }
        const last = done[plant.claim ?? done.length - 1]!;
        const setl = last.answer;
        const setl_id = setl.infcode === 0 ? String((setl.output.setlinfo as { setl_id: string }).setl_id) : null;
        await pool.query(
          `INSERT INTO demo_planted_claims (mdtrt_id, psn_no, kind, expect, outcome, setl_id, err_msg) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [last.mdtrt_id, patient.psn_no, plant.kind, plant.expect, setl.infcode === 0 ? 'settled' : 'refused', setl_id, setl.err_msg],
        );
        result.planted += 1;
        if (setl.infcode === 0) result.settled += 1;
        else result.refused += 1;
      }
    }
  } finally {
    await app.close();
  }
  opts.log?.(`planted claims: ${result.planted} (${result.settled} settled, ${result.refused} refused at settlement)${skipped.size > 0 ? `; nobody fit for ${[...skipped].join(', ')}` : ''}`);
  return result;

  /** One visit: registration or admission, the lines, discharge, settlement; the settlement's answer as it came. */
  async function visit(v: Visit, patient: InsuredSample, start: Date): Promise<{ mdtrt_id: string; answer: { infcode: number; err_msg: string | null; output: any } }> {
    clock = start;
    const lineAt = (l: Line): string => chinaTime(new Date(start.getTime() + (l.day ?? 0) * DAY + 30 * 60_000));
    const feedetail = (mdtrtId: string): Record<string, unknown>[] =>
      v.lines.map((l, i) => ({
        feedetl_sn: `PL${i + 1}`, mdtrt_id: mdtrtId, psn_no: patient.psn_no, med_list_codg: l.code, pric: formatYuan(Math.round(l.yuan * 100)), cnt: l.cnt,
        det_item_fee_sumamt: formatYuan(Math.round(l.yuan * 100) * l.cnt), fee_ocur_time: lineAt(l), ...(l.hosp_appr_flag ? { hosp_appr_flag: l.hosp_appr_flag } : {}),
      }));
    const total = (res: any): string => formatYuan((res.result as Array<{ det_item_fee_sumamt: number }>).reduce((s, r) => s + Math.round(r.det_item_fee_sumamt * 100), 0));
    if (v.kind === 'outpatient') {
      const reg = await must(v.at, patient, '2201', { data: { psn_no: patient.psn_no, insutype: patient.insutype, begntime: chinaTime(start), mdtrt_cert_type: '02', mdtrt_cert_no: patient.certno, ipt_otp_no: `MZP${serial}`, dept_code: '01', dept_name: '内科', caty: 'A03' } });
      const mdtrtId = reg.data.mdtrt_id as string;
      if (v.diag) {
        await must(v.at, patient, '2203', { mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: patient.psn_no, med_type: '11', begntime: chinaTime(start) }, diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: v.diag.code, diag_name: v.diag.name, maindiag_flag: '1' }] });
      }
      const up = await must(v.at, patient, '2204', { feedetail: feedetail(mdtrtId) });
      const answer = await call(v.at, patient, '2207', { data: { psn_no: patient.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: total(up), acct_used_flag: '0', insutype: patient.insutype } });
      return { mdtrt_id: mdtrtId, answer };
    }
    const diag = v.diag ?? pneumonia;
    const adm = await must(v.at, patient, '2401', {
      mdtrtinfo: { psn_no: patient.psn_no, insutype: patient.insutype, med_type: '21', begntime: chinaTime(start), ipt_no: `ZYP${serial}`, mdtrt_cert_type: '02', mdtrt_cert_no: patient.certno, adm_diag_code: diag.code },
      diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: diag.code, diag_name: diag.name, maindiag_flag: '1' }],
    });
    const mdtrtId = adm.result.mdtrt_id as string;
    const up = await must(v.at, patient, '2301', { feedetail: feedetail(mdtrtId) });
    const end = new Date(start.getTime() + (v.days ?? 3) * DAY);
    clock = end;
    await must(v.at, patient, '2402', { dscginfo: { mdtrt_id: mdtrtId, psn_no: patient.psn_no, insutype: patient.insutype, endtime: chinaTime(end), dscg_way: '1' } });
    const answer = await call(v.at, patient, '2304', { data: { psn_no: patient.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: total(up), acct_used_flag: '0', mid_setl_flag: '0', insutype: patient.insutype } });
    return { mdtrt_id: mdtrtId, answer };
  }
}
