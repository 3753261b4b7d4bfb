import { AsyncLocalStorage } from 'node:async_hooks';
import { buildApp } from '../server/app.ts';
import { CALL_SERVICE_PATH } from '../server/gateway/route.ts';
import type { Pool } from '../store/db.ts';
import { formatYuan, yuanToFen } from '../engine/money.ts';
import { poolingRegionOf } from '../store/cooperation/common.ts';
import { sampleInsured } from '../store/registry/persons.ts';
import type { FixtureInstitution } from './fixture-rows.ts';
import type { Fixtures } from './generate.ts';
import { Prng } from './prng.ts';
import { STAY_TEMPLATES, templatesFor, type StayTemplate } from './stays.ts';

// Demo settlements: the seed drives the real national gateway in-process, as a hospital's HIS
// would (9001, then 2201 → 2204 → 2207 or 2401 → 2301 → 2402 → 2304), so every stored settlement
// went through eligibility, the engine, the accumulators and the ledger. The app's clock is set
// per flow to spread them over the past ~90 days; a refused flow fails the seed. Flows are
// planned in order with the seeded PRNG (each with a PRNG of its own), then run in a few lanes
// at once, a person always in the same lane, each flow reading its own clock.

const LANES = 8;

const DAY = 86_400_000;
const CHINA = 8 * 3_600_000;

export interface DemoSettlementsResult {
  settlements: number;
  outpatient: number;
  inpatient: number;
  crossRegion: number;
}

interface Patient {
  psn_no: string;
  certno: string;
  psn_name: string;
  insutype: string;
  insuplc_admdvs: string;
  pooling: string;
}

interface Hospital {
  inst: FixtureInstitution;
  pooling: string;
}

type Items = Fixtures['settlement']['catalog_items'][string];

/** How many settlements a demo of `persons` persons gets: ~300 at the default 2000, capped so startup stays quick. */
export function demoSettlementCount(persons: number): number {
  return Math.max(20, Math.min(600, Math.round(persons * 0.15)));
}

/** "YYYY-MM-DD HH:MM:SS" in China time. */
function chinaTime(d: Date): string {
  return new Date(d.getTime() + CHINA).toISOString().slice(0, 19).replace('T', ' ');
}

export async function seedDemoSettlements(pool: Pool, fixtures: Fixtures, opts: { now: Date; count: number }): Promise<DemoSettlementsResult> {
  const seedTime = opts.now;
  const rng = new Prng(`${fixtures.seed}:settlements`);
  const clocks = new AsyncLocalStorage<{ at: Date; rng: Prng }>();
  const flow = (): { at: Date; rng: Prng } => clocks.getStore()!;
  const app = await buildApp({ pool, now: () => clocks.getStore()?.at ?? seedTime });
  const result: DemoSettlementsResult = { settlements: 0, outpatient: 0, inpatient: 0, crossRegion: 0 };
  try {
    const hospitals: Hospital[] = [];
    for (const inst of fixtures.institutions) {
      if (inst.fixmedins_type !== '1') continue; // pharmacies only sell (2101); hospitals register and admit
      hospitals.push({ inst, pooling: await poolingRegionOf(pool, inst.admdvs) });
    }
    const itemsOf = (h: Hospital): Items => {
      const items = fixtures.settlement.catalog_items[h.pooling];
      if (!items) throw new Error(`demo settlements: no catalog items for ${h.pooling}`);
      return items;
    };
    // Bulk persons insured where a named hospital treats, plus the personas of those regions.
    const poolings = [...new Set(hospitals.map((h) => h.pooling))];
    const bulk = await sampleInsured(pool, poolings, Math.max(5, Math.ceil(opts.count / poolings.length)));
    const patients: Patient[] = bulk.map((p) => ({ ...p, pooling: p.pooling_admdvs }));
    const personaPatient = async (key: string): Promise<Patient> => {
      const p = fixtures.personas.find((x) => x.key === key);
      if (!p) throw new Error(`demo settlements: no persona ${key}`);
      return { psn_no: p.psn_no, certno: p.certno, psn_name: p.psn_name, insutype: p.insutype, insuplc_admdvs: p.insuplc_admdvs, pooling: await poolingRegionOf(pool, p.insuplc_admdvs) };
    };
    for (const p of fixtures.personas) {
      const pp = await personaPatient(p.key);
      if (poolings.includes(pp.pooling) && !patients.some((x) => x.psn_no === pp.psn_no)) patients.push(pp);
    }
    const hospital = (key: string): Hospital => {
      const h = hospitals.find((x) => x.inst.key === key);
      if (!h) throw new Error(`demo settlements: no hospital ${key}`);
      return h;
    };

    // One sign-in per institution, before the earliest flow.
    const signNos = new Map<string, string>();
    let serial = 0;
    const call = async (h: Hospital, patient: Patient, infno: string, input: unknown): Promise<any> => {
      serial += 1;
      const clock = flow().at;
      const stamp = chinaTime(clock).replace(/[- :]/g, '');
      const body = {
        infno, msgid: `${h.inst.fixmedins_code}${stamp}${String(serial % 10000).padStart(4, '0')}`, mdtrtarea_admvs: h.pooling, // the institution's pooling region (a village code is not a six-digit one)
        insuplc_admdvs: patient.insuplc_admdvs,
        recer_sys_code: 'YIBAO', infver: 'V1.0', opter_type: '1', opter: 'demo', opter_name: '演示收费员', inf_time: chinaTime(clock),
        fixmedins_code: h.inst.fixmedins_code, fixmedins_name: h.inst.fixmedins_name, sign_no: signNos.get(h.inst.fixmedins_code) ?? '', input,
      };
      const res = await app.inject({ method: 'POST', url: CALL_SERVICE_PATH, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      const answer = JSON.parse(res.body) as { infcode: number; err_msg: string | null; output: any };
      if (answer.infcode !== 0) throw new Error(`demo settlement refused: ${infno} for ${patient.psn_no} at ${h.inst.key} (${chinaTime(clock)}): ${answer.err_msg}`);
      return answer.output;
    };
    // Settlements stay within the seed's year so each is priced on that year's policy.
    const yearStart = Date.parse(`${chinaTime(seedTime).slice(0, 4)}-01-01T00:00:00+08:00`);
    const earliest = Math.max(seedTime.getTime() - 90 * DAY, yearStart);
    for (const h of hospitals) {
      const out = await clocks.run({ at: new Date(earliest), rng }, () => call(h, patients[0]!, '9001', { signIn: { opter_no: 'demo', mac: '', ip: '127.0.0.1' } }));
      signNos.set(h.inst.fixmedins_code, out.signinoutb.sign_no as string);
    }
    /** A moment in the window, at a working hour in China, never after the seed time. */
    const momentBefore = (latest: number): Date => {
      const span = Math.max(0, Math.floor((latest - earliest) / DAY));
      const day = Math.floor((earliest + CHINA) / DAY) + rng.between(0, span);
      const t = day * DAY - CHINA + rng.between(8 * 3600, 17 * 3600) * 1000;
      return new Date(Math.max(earliest, Math.min(t, latest)));
    };
    const count = (h: Hospital, patient: Patient): void => {
      result.settlements += 1;
      if (patient.pooling !== h.pooling) result.crossRegion += 1;
    };

    const outpatient = async (h: Hospital, patient: Patient, at: Date, extra: { med_type?: string; diag?: { code: string; name: string } } = {}): Promise<void> => {
      const items = itemsOf(h);
      const rng = flow().rng;
      flow().at = at;
      const reg = await call(h, patient, '2201', {
        data: {
          psn_no: patient.psn_no, insutype: patient.insutype, begntime: chinaTime(at), mdtrt_cert_type: '02', mdtrt_cert_no: patient.certno,
          ipt_otp_no: `MZ${rng.hex(10)}`, dept_code: '01', dept_name: '内科', caty: 'A03', ...(extra.med_type ? { med_type: extra.med_type } : {}),
        },
      });
      const mdtrtId = reg.data.mdtrt_id as string;
      if (extra.diag) {
        // The diagnosis a chronic-disease visit is decided on (2203).
        await call(h, patient, '2203', {
          mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: patient.psn_no, med_type: extra.med_type ?? '11', begntime: chinaTime(at) },
          diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: extra.diag.code, diag_name: extra.diag.name, maindiag_flag: '1' }],
        });
      }
      const lines: Record<string, unknown>[] = [];
      const line = (codg: string, pricFen: number, cnt: number): void => {
        lines.push({ feedetl_sn: `F${lines.length + 1}`, mdtrt_id: mdtrtId, psn_no: patient.psn_no, med_list_codg: codg, pric: formatYuan(pricFen), cnt, det_item_fee_sumamt: formatYuan(pricFen * cnt), fee_ocur_time: chinaTime(at) });
      };
      line(items.price_limited.med_list_codg, yuanToFen(items.price_limited.pric_uplmt_amt), 1);
      line(items.class_b.med_list_codg, rng.between(1500, 6800), rng.between(1, 3));
      if (rng.chance(0.6)) line(items.class_a.med_list_codg, rng.between(800, 4500), rng.between(1, 3));
      if (rng.chance(0.15)) line(items.class_c.med_list_codg, rng.between(2000, 9000), 1);
      const up = await call(h, patient, '2204', { feedetail: lines });
      const total = (up.result as Array<{ det_item_fee_sumamt: number }>).reduce((s, r) => s + yuanToFen(r.det_item_fee_sumamt), 0);
      await call(h, patient, '2207', { data: { psn_no: patient.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: formatYuan(total), acct_used_flag: rng.chance(0.5) ? '1' : '0', insutype: patient.insutype } });
      result.outpatient += 1;
      count(h, patient);
    };

    /** Age in whole years at a moment, from the ID number's birth date. */
    const ageOf = (patient: Patient, at: Date): number => {
      const brdy = `${patient.certno.slice(6, 10)}-${patient.certno.slice(10, 12)}-${patient.certno.slice(12, 14)}`;
      const day = chinaTime(at).slice(0, 10);
      return Number(day.slice(0, 4)) - Number(brdy.slice(0, 4)) - (day.slice(5) < brdy.slice(5) ? 1 : 0);
    };

    // A stay: admission with the template's diagnosis, the fee lines (what such a stay costs,
    // spread around it), discharge, settlement, then the settlement list (4101A) the hospital's
    // coders upload, which groups the stay and, where the region pays by DRG, prices it.
    const inpatient = async (h: Hospital, patient: Patient, discharge: Date, days: number, fixed?: StayTemplate): Promise<void> => {
      const items = itemsOf(h);
      const rng = flow().rng;
      const admitted = new Date(Math.max(earliest, discharge.getTime() - days * DAY));
      const stay = fixed ?? rng.pick(templatesFor(ageOf(patient, admitted)));
      flow().at = admitted;
      const adm = await call(h, patient, '2401', {
        mdtrtinfo: { psn_no: patient.psn_no, insutype: patient.insutype, med_type: '21', begntime: chinaTime(admitted), ipt_no: `ZY${rng.hex(10)}`, mdtrt_cert_type: '02', mdtrt_cert_no: patient.certno, adm_diag_code: stay.principal.code },
        diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: stay.principal.code, diag_name: stay.principal.name, maindiag_flag: '1' }],
      });
      const mdtrtId = adm.result.mdtrt_id as string;
      flow().at = new Date((admitted.getTime() + discharge.getTime()) / 2);
      const lines: Record<string, unknown>[] = [];
      const line = (codg: string, pricFen: number, cnt: number): void => {
        lines.push({ feedetl_sn: `Z${lines.length + 1}`, mdtrt_id: mdtrtId, psn_no: patient.psn_no, med_list_codg: codg, pric: formatYuan(pricFen), cnt, det_item_fee_sumamt: formatYuan(pricFen * cnt), fee_ocur_time: chinaTime(flow().at) });
      };
      // Most stays cost about what the template says; one in twenty-five far more, one in twenty far less.
      const spread = rng.chance(0.04) ? rng.between(320, 400) : rng.chance(0.05) ? rng.between(20, 35) : rng.between(60, 140);
      const target = Math.round((stay.typical_yuan * 100 * spread) / 100);
      line(items.class_b.med_list_codg, rng.between(3000, 9000), rng.between(3, 12));
      if (rng.chance(0.5)) line(items.class_c.med_list_codg, rng.between(5000, 20000), rng.between(1, 4));
      line(items.price_limited.med_list_codg, yuanToFen(items.price_limited.pric_uplmt_amt), days);
      const sofar = lines.reduce((sum, l) => sum + yuanToFen(l['det_item_fee_sumamt']), 0);
      // The rest is treatment and care (class A services at 100 yuan a unit).
      line(items.class_a.med_list_codg, 10000, Math.max(1, Math.round((target - sofar) / 10000)));
      const up = await call(h, patient, '2301', { feedetail: lines });
      const total = (up.result as Array<{ det_item_fee_sumamt: number }>).reduce((s, r) => s + yuanToFen(r.det_item_fee_sumamt), 0);
      flow().at = discharge;
      const dscgWay = rng.chance(0.02) ? '2' : '1';
      await call(h, patient, '2402', { dscginfo: { mdtrt_id: mdtrtId, psn_no: patient.psn_no, insutype: patient.insutype, endtime: chinaTime(discharge), dscg_way: dscgWay } });
      const setl = await call(h, patient, '2304', { data: { psn_no: patient.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: formatYuan(total), acct_used_flag: '1', mid_setl_flag: '0', insutype: patient.insutype } });
      const dayOf = (n: number): string => chinaTime(new Date(Math.min(discharge.getTime(), admitted.getTime() + n * DAY + 2 * 3_600_000)));
      await call(h, patient, '4101A', {
        setlinfo: { psn_no: patient.psn_no, mdtrt_id: mdtrtId, setl_id: setl.setlinfo.setl_id, medcasno: `BA${rng.hex(8)}`, adm_time: chinaTime(admitted), dscg_time: chinaTime(discharge), dscg_way: dscgWay },
        diseinfo: [stay.principal, ...stay.secondary].map((d, i) => ({ diag_type: '1', diag_code: d.code, diag_name: d.name, maindiag_flag: i === 0 ? '1' : '0', adm_cond_type: '1' })),
        oprninfo: stay.procedures.map((x, i) => ({ oprn_oprt_code: x.code, oprn_oprt_name: x.name, main_oprn_flag: i === 0 ? '1' : '0', oprn_oprt_begntime: dayOf(Math.min(x.day, days - 1)) })),
      });
      result.inpatient += 1;
      count(h, patient);
    };

    // The plan: which person, where, when; the retiree's stay and outpatient visit share her lane.
    const plan: Array<{ patient: Patient; run: () => Promise<void> }> = [];
    const add = (patient: Patient, run: () => Promise<void>): void => {
      plan.push({ patient, run });
    };
    // The cross-region stories of the cooperation demo; their filing and recognition start at
    // the seed time, so these flows happen then.
    const retiree = await personaPatient('jiujiang_retiree_in_changsha');
    const changsha = hospital('changsha_level3_hospital');
    add(retiree, () => inpatient(changsha, retiree, seedTime, 5, STAY_TEMPLATES.find((t) => t.key === 'stroke')));
    add(retiree, () => outpatient(changsha, retiree, seedTime));
    const hypertension = await personaPatient('changde_elder_hypertension');
    add(hypertension, () => outpatient(hospital('changde_level3_hospital'), hypertension, seedTime, { med_type: '14', diag: { code: 'I10.x00', name: '高血压' } }));
    const traveller = await personaPatient('zhuzhou_shifeng_resident');
    add(traveller, () => outpatient(hospital('yanqing_district_hospital'), traveller, seedTime));

    // Everyone else: mostly at a hospital of their own pooling region, some cross-province outpatient.
    const local = (p: Patient): Hospital[] => hospitals.filter((h) => h.pooling === p.pooling);
    const crossProvince = (p: Patient): Hospital[] => hospitals.filter((h) => h.pooling.slice(0, 2) !== p.pooling.slice(0, 2) && h.inst.settles_cross_prov_outpatient);
    while (plan.length < opts.count) {
      const p = rng.pick(patients);
      const away = crossProvince(p);
      const at = momentBefore(seedTime.getTime());
      if (away.length > 0 && rng.chance(0.12)) {
        const h = rng.pick(away);
        add(p, () => outpatient(h, p, at));
        continue;
      }
      const here = local(p);
      const inpatients = here.filter((h) => h.inst.settles_inpatient);
      if (inpatients.length > 0 && rng.chance(0.12)) {
        const h = rng.pick(inpatients);
        const days = rng.between(2, 9);
        add(p, () => inpatient(h, p, at, days));
      } else {
        const h = rng.pick(here);
        add(p, () => outpatient(h, p, at));
      }
    }

    // Lanes by person, so one person's settlements run in plan order.
    const lanes: Array<Array<{ index: number; run: () => Promise<void> }>> = Array.from({ length: LANES }, () => []);
    const laneOf = new Map<string, number>();
    plan.forEach((f, index) => {
      if (!laneOf.has(f.patient.psn_no)) laneOf.set(f.patient.psn_no, laneOf.size % LANES);
      lanes[laneOf.get(f.patient.psn_no)!]!.push({ index, run: f.run });
    });
    await Promise.all(lanes.map(async (lane) => {
      for (const f of lane) await clocks.run({ at: seedTime, rng: new Prng(`${fixtures.seed}:settlements:${f.index}`) }, f.run);
    }));
  } finally {
    await app.close();
  }
  return result;
}
