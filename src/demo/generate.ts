import { addDays } from '../engine/calendar.ts';
import { ageOn, makeIdCard, sequenceFor, type Gend } from '../engine/idcard.ts';
import { yuanToFen } from '../engine/money.ts';
import { seedDemoStaff, type FixtureStaff } from './staff.ts';
import type { PsnIdetType } from '../engine/codes.ts';
import { inTransaction, type Pool, type Queryable } from '../store/db.ts';
import { writeAudit, type WriteContext } from '../store/audit.ts';
import {
  beginBulkLoad, bulkInsert, countiesOf, endBulkLoad, demoSeeded, emptyColumns, nextEnrollmentId, nextSerials, saveSerials, syncSequences,
  tableCounts, townsWithVillages, type Columns,
} from '../store/registry/bulk.ts';
import { contribute } from '../app/registry/contribute.ts';
import { depositToPersonalAccount } from '../app/ledger/personal-account.ts';
import { bulkOpeningBalances } from '../store/ledger.ts';
import { enroll, transfer } from '../app/registry/enrollments.ts';
import { addIdentity } from '../app/registry/identities.ts';
import { addPersonCert, createPerson } from '../app/registry/persons.ts';
import { importRegions } from '../app/registry/regions.ts';
import { listEnrollments } from '../store/registry/enrollments.ts';
import { listIdentities } from '../store/registry/identities.ts';
import { insertInstitutions, type Institution } from '../store/registry/institutions.ts';
import { formatPsnNo } from '../store/registry/persons.ts';
import { seedServiceItems, seedSettlementDocuments } from '../store/documents/seed.ts';
import { seedDemoApplications } from './applications.ts';
import type { FixtureInstitution, FixturePersona } from './fixture-rows.ts';
import { applyDemoPasswords, settlementFixtures, type SettlementFixtures } from './settlement.ts';
import { employerName, personName } from './names.ts';
import { DEMO_CITIES, DETAIL_COUNTIES, type DemoCity } from './places.ts';
import { NAMED_INSTITUTIONS, PERSONAS, type PersonaSpec } from './personas.ts';
import { cumulate, Prng } from './prng.ts';
import { seedDemoServiceNetwork } from './service-network.ts';

// The demo: regions, institutions of every level, the named personas, then as many generated
// people as asked for, all from one seed. Personas and institutions never depend on the size,
// so demo/fixtures.json holds for every size. Bulk people go in with multi-row INSERTs in
// batches, in one transaction, with progress lines on long runs.

export const DEFAULT_SEED = 'yibao-demo-1';
/** The demo's "today": ages, enrollment dates and contribution years are fixed against it, not the clock. */
export const DEMO_TODAY = '2026-06-30';
const YEARS = [2024, 2025, 2026] as const;

export interface DemoOptions {
  persons: number;
  seed?: string;
  batchSize?: number;
  log?: (line: string) => void;
  /** Clock for audit rows and created_at (the data itself never reads it). */
  now?: () => Date;
  /** Pooling regions besides the default cities (see importRegions). */
  extraPoolingRegions?: string[];
}

export interface Fixtures {
  version: 1;
  seed: string;
  demo_today: string;
  personas: FixturePersona[];
  institutions: FixtureInstitution[];
  /** Catalog items per region, a village clinic, a pharmacy and demo card passwords (issue 5). */
  settlement: SettlementFixtures;
  /** Staff accounts with their demo password (docs/web.md). */
  staff: FixtureStaff[];
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const stripVillage = (name: string): string => name.replace(/(村民委员会|居民委员会|社区居委会|村委会|居委会)$/, (m) => (m.startsWith('村') ? '村' : '社区'));

function shuffle<T>(rng: Prng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** How a county is named on a hospital sign: districts carry their city (株洲市石峰区), counties and county-level cities stand alone. */
function displayCounty(c: { name: string; city: DemoCity }): string {
  if (c.city.counties) return c.city.name; // 北京市延庆区, 天津市蓟州区
  if (/[县市]$/.test(c.name) || c.name.startsWith(c.city.short)) return c.name;
  return c.city.name + c.name;
}

/** Deterministic coordinates near a city centre, offset per county. */
function place(rng: Prng, city: DemoCity, countyIndex: number): { lat: number; lng: number } {
  const angle = countyIndex * 2.399963; // golden angle spreads counties around the centre
  const r = countyIndex === 0 ? 0 : 0.08 + 0.05 * Math.sqrt(countyIndex);
  return {
    lat: round6(city.lat + r * Math.sin(angle) + (rng.next() - 0.5) * 0.04),
    lng: round6(city.lng + r * Math.cos(angle) + (rng.next() - 0.5) * 0.04),
  };
}

export interface CountyInfo {
  city: DemoCity;
  code: string;
  name: string;
  index: number;
  pooling: string;
  towns: Array<{ code: string; name: string; villages: Array<{ code: string; name: string }> }>;
}

export async function loadCounties(q: Queryable): Promise<CountyInfo[]> {
  const out: CountyInfo[] = [];
  for (const city of DEMO_CITIES) {
    const all = await countiesOf(q, city.code);
    const counties = city.counties ? all.filter((c) => city.counties!.includes(c.code)) : all;
    for (const [index, c] of counties.entries()) {
      const pooling = (await q.query<{ pooling_admdvs: string }>('SELECT pooling_admdvs FROM regions WHERE code = $1', [c.code])).rows[0]!.pooling_admdvs;
      const towns = (DETAIL_COUNTIES as readonly string[]).includes(c.code) ? await townsWithVillages(q, c.code) : [];
      out.push({ city, code: c.code, name: c.name, index, pooling, towns });
    }
  }
  return out;
}

function institution(
  code: string, name: string, lv: string, admdvs: string, address: string, at: { lat: number; lng: number },
  s: { cross_prov_outpatient: boolean; inpatient: boolean; chronic: boolean; outpatient_pooling: boolean },
): Institution {
  return {
    fixmedins_code: code, fixmedins_name: name, fixmedins_type: code.startsWith('P') ? '2' : '1', hosp_lv: lv, admdvs, address,
    lat: at.lat, lng: at.lng, settles_cross_prov_outpatient: s.cross_prov_outpatient, settles_inpatient: s.inpatient,
    settles_chronic: s.chronic, settles_outpatient_pooling: s.outpatient_pooling,
  };
}

/** Institutions of every level in every demo county; the named ones first, with fixed codes. */
export function buildInstitutions(seed: string, counties: readonly CountyInfo[]): { rows: Institution[]; named: FixtureInstitution[] } {
  const rng = new Prng(`${seed}:institutions`);
  const serial = new Map<string, number>();
  const nextCode = (kind: 'H' | 'P', county: string): string => {
    const k = kind + county;
    const n = (serial.get(k) ?? 0) + 1;
    serial.set(k, n);
    return `${kind}${county}${String(n).padStart(5, '0')}`;
  };
  const byCode = new Map(counties.map((c) => [c.code, c]));
  const rows: Institution[] = [];
  const names = new Set<string>();
  const named: FixtureInstitution[] = [];
  for (const spec of NAMED_INSTITUTIONS) {
    const county = byCode.get(spec.admdvs);
    if (!county) throw new Error(`named institution ${spec.key}: county ${spec.admdvs} is not a demo county`);
    let name = spec.fixmedins_name;
    let admdvs = spec.admdvs;
    if (spec.village_of) {
      const village = county.towns.flatMap((t) => t.villages).find((v) => /村/.test(v.name)) ?? county.towns[0]?.villages[0];
      if (!village) throw new Error(`no village in ${spec.admdvs} for ${spec.key}`);
      name = `${county.name}${stripVillage(village.name)}卫生室`;
      admdvs = village.code;
    }
    const inst = institution(nextCode(spec.kind, spec.admdvs), name, spec.hosp_lv, admdvs, `${county.city.name}${county.name}`, place(rng, county.city, county.index), spec.settles);
    rows.push(inst);
    names.add(name);
    const { address: _a, ...fixture } = inst;
    named.push({ key: spec.key, ...fixture });
  }
  const PHARMACY_BRANDS = ['老百姓大药房', '益丰大药房', '大参林药店', '仁和药房', '惠民药店', '国大药房'];
  for (const county of counties) {
    const at = () => place(rng, county.city, county.index);
    const addr = `${county.city.name}${county.name}`;
    const add = (kind: 'H' | 'P', name: string, lv: string, s: Parameters<typeof institution>[6], admdvs = county.code): void => {
      if (names.has(name)) return;
      names.add(name);
      rows.push(institution(nextCode(kind, county.code), name, lv, admdvs, addr, at(), s));
    };
    const all = { cross_prov_outpatient: true, inpatient: true, chronic: true, outpatient_pooling: true };
    if (county.index === 0) {
      // The city's own hospitals sit in its first (central) district.
      add('H', `${county.city.name}中心医院`, '3', all);
      add('H', `${county.city.name}中医医院`, '3', all);
      add('H', `${county.city.name}妇幼保健院`, '2', all);
    }
    const countyName = displayCounty(county);
    add('H', `${countyName}人民医院`, '2', all);
    add('H', `${countyName}中医医院`, '2', { ...all, cross_prov_outpatient: rng.chance(0.5) });
    const primary = { cross_prov_outpatient: false, inpatient: true, chronic: true, outpatient_pooling: true };
    const village = { cross_prov_outpatient: false, inpatient: false, chronic: false, outpatient_pooling: true };
    if (county.towns.length > 0) {
      for (const town of county.towns) {
        const isStreet = town.name.endsWith('街道');
        add('H', `${county.name}${town.name}${isStreet ? '社区卫生服务中心' : '卫生院'}`, '1', primary, town.code);
        for (const v of town.villages.slice(0, 3)) {
          const vname = stripVillage(v.name);
          add('H', `${county.name}${vname}${vname.endsWith('社区') ? '卫生服务站' : '卫生室'}`, '9', village, v.code);
        }
      }
    } else {
      add('H', `${county.name}第一中心卫生院`, '1', primary);
      add('H', `${county.name}第二中心卫生院`, '1', primary);
      add('H', `${county.name}城区社区卫生服务中心`, '1', primary);
      for (const w of ['石桥', '新塘', '杨柳']) add('H', `${county.name}${w}村卫生室`, '9', village);
    }
    // At least two pharmacies per county settle general-outpatient pooling (seed 000).
    const brands = shuffle(rng, PHARMACY_BRANDS).slice(0, 3);
    brands.forEach((brand, i) => {
      add('P', `${brand}（${county.name}${['中心', '人民路', '建设路'][i]}店）`, '0', {
        cross_prov_outpatient: i === 0, inpatient: false, chronic: i < 2, outpatient_pooling: i < 2,
      });
    });
  }
  return { rows, named };
}

async function createPersona(q: Queryable, spec: PersonaSpec, seed: string, counties: Map<string, CountyInfo>, ctx: WriteContext, taken: Set<string>): Promise<FixturePersona> {
  const rng = new Prng(`${seed}:persona:${spec.key}`);
  const certno = makeIdCard(spec.id_admdvs, spec.brdy, spec.id_seq);
  taken.add(certno);
  const county = counties.get(spec.insuplc_admdvs);
  const firstVillage = county?.towns.flatMap((t) => t.villages)[0];
  const live = spec.live_first_village && firstVillage ? firstVillage.code : spec.live_admdvs ?? spec.insuplc_admdvs;
  const person = await createPerson(q, {
    certno, psn_name: spec.psn_name, insuplc_admdvs: spec.insuplc_admdvs, live_admdvs: live,
    tel: `13${String(rng.int(1e9)).padStart(9, '0')}`,
    addr: spec.live_first_village && firstVillage && county ? `${county.city.name}${county.name}${stripVillage(firstVillage.name)}${rng.between(1, 9)}组${rng.between(1, 60)}号` : null,
  }, ctx);
  let balc: number | null = null;
  for (const [n, step] of spec.steps.entries()) {
    switch (step.op) {
      case 'enroll':
        await enroll(q, { psn_no: person.psn_no, insutype: step.insutype, psn_type: step.psn_type, insuplc_admdvs: step.insuplc_admdvs, emp_name: step.emp_name, psn_insu_date: step.date }, ctx);
        break;
      case 'transfer':
        await transfer(q, { psn_no: person.psn_no, to_admdvs: step.to_admdvs, transfer_date: step.date, psn_type: step.psn_type, emp_name: step.emp_name }, ctx);
        break;
      case 'contribute':
        for (const year of step.years) {
          await contribute(q, { psn_no: person.psn_no, year, amount_fen: step.amount_fen, payer: step.payer, insutype: step.insutype, paid_on: `${year - 1}-12-15` }, ctx);
        }
        break;
      case 'identity':
        await addIdentity(q, { psn_no: person.psn_no, psn_idet_type: step.psn_idet_type, begntime: step.begntime, endtime: step.endtime, source: step.source, memo: step.memo }, ctx);
        break;
      case 'credit':
        balc = (await depositToPersonalAccount(q, { psn_no: person.psn_no, amount_fen: step.amount_fen, reason: step.reason, key: `demo:${spec.key}:${n}` }, ctx)).balc_fen;
        break;
    }
  }
  const enrollments = await listEnrollments(q, person.psn_no);
  const current = enrollments.filter((e) => e.psn_insu_stas === '1').at(-1) ?? enrollments.at(-1)!;
  const pooling = counties.get(current.insuplc_admdvs)?.pooling ?? current.insuplc_admdvs.slice(0, 4) + '00';
  const token = rng.hex(32);
  const cardSn = `${pooling}D156000005${rng.hex(16)}`;
  await addPersonCert(q, person.psn_no, { mdtrt_cert_type: '01', mdtrt_cert_no: token, card_sn: null, valid_until: null }, ctx);
  await addPersonCert(q, person.psn_no, { mdtrt_cert_type: '03', mdtrt_cert_no: certno, card_sn: cardSn, valid_until: '2035-12-31' }, ctx);
  return {
    key: spec.key,
    description: spec.description,
    certno,
    psn_no: person.psn_no,
    psn_name: person.psn_name,
    gend: person.gend,
    brdy: person.brdy,
    insutype: current.insutype,
    psn_type: current.psn_type,
    insuplc_admdvs: current.insuplc_admdvs,
    live_admdvs: person.live_admdvs,
    emp_name: current.emp_name,
    balc_fen: balc,
    identities: (await listIdentities(q, person.psn_no)).map((i) => ({ psn_idet_type: i.psn_idet_type, begntime: i.begntime, endtime: i.endtime })),
    mdtrt_certs: [
      { mdtrt_cert_type: '01', mdtrt_cert_no: token },
      { mdtrt_cert_type: '02', mdtrt_cert_no: certno },
      { mdtrt_cert_type: '03', mdtrt_cert_no: certno, card_sn: cardSn },
    ],
    enrollment_history: enrollments.map((e) => ({ insutype: e.insutype, psn_type: e.psn_type, insuplc_admdvs: e.insuplc_admdvs, psn_insu_date: e.psn_insu_date, end_date: e.end_date, psn_insu_stas: e.psn_insu_stas })),
    conditions: spec.conditions ?? [],
  };
}

// ---------------------------------------------------------------- bulk people

const AGE_BUCKETS = [[0, 6, 6], [7, 17, 13], [18, 29, 14], [30, 44, 21], [45, 59, 25], [60, 74, 15], [75, 95, 6]] as const;
const AGE_CUM = cumulate(AGE_BUCKETS.map((b) => b[2]));
const RESIDENT_FEN: Record<number, number> = { 2024: 40_000, 2025: 40_000, 2026: 40_000 };

interface IdentityRule { type: PsnIdetType; p: number; source: string; minAge?: number; male?: boolean }
const IDENTITY_RULES: IdentityRule[] = [
  { type: '2102', p: 0.03, source: 'civil_affairs' },
  { type: '2101', p: 0.004, source: 'civil_affairs', minAge: 16 },
  { type: '2103', p: 0.01, source: 'civil_affairs' },
  { type: '2104', p: 0.004, source: 'rural_revitalization' },
  { type: '2105', p: 0.004, source: 'rural_revitalization' },
  { type: '2201', p: 0.01, source: 'disabled_federation' },
  { type: '2301', p: 0.03, source: 'veterans_affairs', minAge: 20, male: true },
  { type: '2302', p: 0.002, source: 'veterans_affairs', minAge: 20 },
];
const ASSISTED: ReadonlySet<string> = new Set(['2101', '2102', '2104', '2201']);

function randomDate(rng: Prng, from: string, to: string): string {
  const a = Date.parse(from + 'T00:00:00Z');
  const b = Date.parse(to + 'T00:00:00Z');
  return new Date(a + rng.int(Math.max(1, (b - a) / 86_400_000 + 1)) * 86_400_000).toISOString().slice(0, 10);
}

interface Batch {
  persons: Columns<'persons'>;
  enrollments: Columns<'enrollments'>;
  contributions: Columns<'contributions'>;
  identities: Columns<'person_identities'>;
  accounts: Columns<'personal_accounts'>;
  /** Each personal account's opening balance, posted to the ledger (bulkOpeningBalances). */
  openings: { psn_no: string[]; admdvs: string[]; balc_fen: number[] };
  certs: Columns<'person_certs'>;
}
const newBatch = (): Batch => ({
  persons: emptyColumns('persons'), enrollments: emptyColumns('enrollments'), contributions: emptyColumns('contributions'),
  identities: emptyColumns('person_identities'), accounts: emptyColumns('personal_accounts'), certs: emptyColumns('person_certs'),
  openings: { psn_no: [], admdvs: [], balc_fen: [] },
});

class PeopleGenerator {
  private readonly rng: Prng;
  private readonly countyList: CountyInfo[];
  private readonly countyCum: number[];
  private readonly employers = new Map<string, Array<{ no: string; name: string }>>();

  constructor(seed: string, counties: CountyInfo[], readonly serials: Map<string, number>, private readonly taken: Set<string>, private enrollmentId: number) {
    this.rng = new Prng(`${seed}:people`);
    this.countyList = counties;
    // A county's weight: its city's population shared among the city's demo counties.
    const perCity = new Map<string, number>();
    for (const c of counties) perCity.set(c.city.code, (perCity.get(c.city.code) ?? 0) + 1);
    this.countyCum = cumulate(counties.map((c) => c.city.population_m / perCity.get(c.city.code)!));
  }

  private employer(county: CountyInfo): { no: string; name: string } {
    let list = this.employers.get(county.pooling);
    if (!list) {
      const r = new Prng(`employers:${county.pooling}`);
      list = Array.from({ length: 60 }, (_, i) => ({ no: `${county.pooling}${String(i + 1).padStart(6, '0')}`, name: employerName(r, county.city.short) }));
      this.employers.set(county.pooling, list);
    }
    return this.rng.pick(list);
  }

  private certno(county: string, brdy: string, gend: Gend): string {
    for (let n = this.rng.int(500); ; n++) {
      const c = makeIdCard(county, brdy, sequenceFor(gend, n));
      if (!this.taken.has(c)) {
        this.taken.add(c);
        return c;
      }
    }
  }

  fill(b: Batch, count: number): void {
    const rng = this.rng;
    for (let i = 0; i < count; i++) {
      const county = rng.weighted(this.countyList, this.countyCum);
      const bucket = rng.weighted(AGE_BUCKETS, AGE_CUM);
      const age = rng.between(bucket[0], bucket[1]);
      const birthYear = Number(DEMO_TODAY.slice(0, 4)) - age - (rng.chance(0.5) ? 1 : 0);
      let brdy = randomDate(rng, `${birthYear}-01-01`, `${birthYear}-12-31`);
      if (brdy > DEMO_TODAY) brdy = DEMO_TODAY;
      const realAge = ageOn(brdy, DEMO_TODAY);
      const gend: Gend = rng.chance(0.51) ? '1' : '2';
      const certno = this.certno(county.code, brdy, gend);
      const serial = this.serials.get(county.pooling) ?? 1;
      this.serials.set(county.pooling, serial + 1);
      const psnNo = formatPsnNo(county.pooling, serial);
      const town = county.towns.length ? rng.pick(county.towns) : undefined;
      const village = town && town.villages.length ? rng.pick(town.villages) : undefined;
      const p = b.persons;
      p.psn_no.push(psnNo); p.certno.push(certno); p.psn_name.push(personName(rng, gend, birthYear)); p.gend.push(gend); p.brdy.push(brdy);
      p.naty.push(rng.chance(0.92) ? '01' : rng.pick(['03', '06', '09', '15', '12']));
      p.tel.push(realAge >= 12 ? `1${rng.pick(['3', '5', '7', '8', '9'])}${String(rng.int(1e9)).padStart(9, '0')}` : null);
      p.addr.push(`${county.city.name}${county.name}${town ? town.name : ''}${village ? stripVillage(village.name) : ''}${rng.between(1, 200)}号`);
      p.insuplc_admdvs.push(county.code); p.live_admdvs.push(village?.code ?? county.code);

      // Working-age adults are employees about two times in five; some elders are retired employees.
      const employee = (realAge >= 18 && realAge < 60 && rng.chance(0.38)) || (realAge >= 60 && rng.chance(0.25));
      const retired = employee && (realAge >= 60 || (gend === '2' && realAge >= 55));
      const psnType = employee
        ? retired ? '1201' : rng.pick(['1101', '1101', '1101', '1101', '1102', '1103'])
        : realAge < 7 ? '1402' : realAge < 18 ? '1401' : realAge <= 22 && rng.chance(0.3) ? '1403' : realAge < 60 ? '1501' : '1601';
      const insutype = employee ? '310' : '390';
      const startFloor = employee ? addDays(brdy, (22 + rng.int(8)) * 365) : brdy;
      let begin = randomDate(rng, '2000-01-01', '2024-06-30');
      if (begin < startFloor) begin = startFloor > DEMO_TODAY ? DEMO_TODAY : startFloor;
      if (begin < brdy) begin = brdy;
      const emp = employee && psnType !== '1103' ? this.employer(county) : undefined;
      const eid = this.enrollmentId++;
      const e = b.enrollments;
      e.id.push(eid); e.psn_no.push(psnNo); e.insutype.push(insutype); e.psn_type.push(psnType); e.insuplc_admdvs.push(county.code);
      e.emp_no.push(emp?.no ?? null); e.emp_name.push(emp?.name ?? null); e.psn_insu_stas.push('1'); e.psn_insu_date.push(begin);
      e.end_date.push(null); e.transferred_from.push(null);

      let assisted = false;
      for (const rule of IDENTITY_RULES) {
        if (rule.minAge !== undefined && realAge < rule.minAge) continue;
        if (rule.male && gend !== '1') continue;
        if (!rng.chance(employee ? rule.p / 4 : rule.p)) continue;
        const begntime = randomDate(rng, brdy > '2015-01-01' ? brdy : '2015-01-01', '2026-01-01');
        const ended = rng.chance(0.2);
        const endtime = ended ? randomDate(rng, begntime, '2026-06-01') : null;
        if (!ended && ASSISTED.has(rule.type)) assisted = true;
        const id = b.identities;
        id.psn_no.push(psnNo); id.psn_idet_type.push(rule.type); id.begntime.push(begntime); id.endtime.push(endtime); id.source.push(rule.source);
      }

      const c = b.contributions;
      const wage = yuanToFen(rng.between(3000, 15000)); // monthly contribution base, whole yuan
      for (const year of YEARS) {
        if (Number(begin.slice(0, 4)) > year) continue;
        const paidOn = `${year - 1}-${String(rng.between(9, 12)).padStart(2, '0')}-${String(rng.between(1, 28)).padStart(2, '0')}`;
        if (insutype === '390') {
          c.psn_no.push(psnNo); c.enrollment_id.push(eid); c.insuplc_admdvs.push(county.code); c.insutype.push('390'); c.year.push(year);
          c.amount_fen.push(RESIDENT_FEN[year]!); c.payer.push(assisted ? 'assistance' : 'person'); c.paid_on.push(paidOn);
        } else if (!retired) {
          // Employer about 8 %, employee 2 % of the contribution base, for twelve months; the flexibly employed pay both.
          for (const [payer, rate] of [['employer', 0.08], ['person', 0.02]] as const) {
            c.psn_no.push(psnNo); c.enrollment_id.push(eid); c.insuplc_admdvs.push(county.code); c.insutype.push('310'); c.year.push(year);
            c.amount_fen.push(Math.round(wage * rate) * 12); c.payer.push(psnType === '1103' ? 'person' : payer); c.paid_on.push(paidOn);
          }
        }
      }
      if (insutype === '310') {
        const a = b.accounts;
        a.psn_no.push(psnNo); a.insuplc_admdvs.push(county.code);
        const o = b.openings;
        o.psn_no.push(psnNo); o.admdvs.push(county.code); o.balc_fen.push(rng.int(2_000_000));
      }
      const ct = b.certs;
      ct.mdtrt_cert_type.push('03'); ct.mdtrt_cert_no.push(certno); ct.psn_no.push(psnNo);
      ct.card_sn.push(`${county.pooling}D156000005${rng.hex(16)}`); ct.valid_until.push('2035-12-31');
      if (rng.chance(0.6)) {
        ct.mdtrt_cert_type.push('01'); ct.mdtrt_cert_no.push(rng.hex(32)); ct.psn_no.push(psnNo); ct.card_sn.push(null); ct.valid_until.push(null);
      }
    }
  }
}

/**
 * Policies, catalogs and the service-item catalogue are versioned data: new files are loaded on
 * every start. Returns whether the demo itself was seeded before (then nothing more is done).
 */
export async function seedReferenceDocuments(pool: Pool, log: (line: string) => void): Promise<boolean> {
  const docs = await seedSettlementDocuments(pool);
  if (docs.policies + docs.catalogs > 0) log(`policy documents: ${docs.policies}, catalogs: ${docs.catalogs} loaded`);
  if ((await seedServiceItems(pool)) > 0) log('service-item catalogue loaded');
  return demoSeeded(pool);
}

/** Loads the regions (idempotent) and, once, the demo. Returns the fixtures (also when already seeded: then undefined). */
export async function seedDemo(pool: Pool, opts: DemoOptions): Promise<Fixtures | undefined> {
  const log = opts.log ?? (() => undefined);
  const seed = opts.seed ?? DEFAULT_SEED;
  const now = opts.now ?? (() => new Date());
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (await seedReferenceDocuments(pool, log)) return undefined;
  const regions = await importRegions(pool, { detailCounties: DETAIL_COUNTIES, extraPoolingRegions: opts.extraPoolingRegions });
  log(`regions: ${regions.count} (${elapsed()})`);
  if (opts.persons <= 0) return undefined;

  const fixtures = await inTransaction(pool, async (q) => {
    const ctx: WriteContext = { actor: 'demo', now: now() };
    const counties = await loadCounties(q);
    const byCode = new Map(counties.map((c) => [c.code, c]));
    const { rows, named } = buildInstitutions(seed, counties);
    for (let i = 0; i < rows.length; i += 2000) await insertInstitutions(q, rows.slice(i, i + 2000));
    log(`institutions: ${rows.length} (${elapsed()})`);

    const taken = new Set<string>();
    const personas: FixturePersona[] = [];
    for (const spec of PERSONAS) personas.push(await createPersona(q, spec, seed, byCode, ctx, taken));
    log(`personas: ${personas.length} (${elapsed()})`);

    const bulk = Math.max(0, opts.persons - personas.length);
    const deferred = await beginBulkLoad(q);
    const gen = new PeopleGenerator(seed, counties, await nextSerials(q), taken, await nextEnrollmentId(q));
    const batchSize = opts.batchSize ?? 10_000;
    const every = Math.max(batchSize, Math.ceil(bulk / 20 / batchSize) * batchSize);
    for (let done = 0; done < bulk; ) {
      const n = Math.min(batchSize, bulk - done);
      const b = newBatch();
      gen.fill(b, n);
      await bulkInsert(q, 'persons', b.persons);
      await bulkInsert(q, 'enrollments', b.enrollments);
      await bulkInsert(q, 'contributions', b.contributions);
      await bulkInsert(q, 'person_identities', b.identities);
      await bulkInsert(q, 'personal_accounts', b.accounts);
      for (let i = 0; i < b.openings.psn_no.length; i += 10_000) {
        const part = { psn_no: b.openings.psn_no.slice(i, i + 10_000), admdvs: b.openings.admdvs.slice(i, i + 10_000), balc_fen: b.openings.balc_fen.slice(i, i + 10_000) };
        await bulkOpeningBalances(q, `opening:bulk:${part.psn_no[0]!}`, part, ctx.now);
      }
      await bulkInsert(q, 'person_certs', b.certs);
      done += n;
      if (done % every === 0 || done === bulk) log(`persons: ${done + personas.length} / ${opts.persons} (${elapsed()})`);
    }
    await endBulkLoad(q, deferred);
    if (deferred) log(`foreign keys verified (${elapsed()})`);
    await saveSerials(q, gen.serials);
    await syncSequences(q);
    const counts = await tableCounts(q);
    await writeAudit(q, ctx, 'demo.seed', 'demo', { seed, persons: opts.persons, counts });
    log(`demo loaded: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ')} (${elapsed()})`);
    const settlement = settlementFixtures(personas, named);
    await applyDemoPasswords(q, settlement);
    const staff = await seedDemoStaff(q, ctx, DEMO_TODAY, (key) => personas.find((p) => p.key === key)?.psn_no);
    const network = await seedDemoServiceNetwork(q, seed, ctx, personas.find((p) => p.key === 'zhuzhou_shifeng_resident')?.live_admdvs);
    log(`service network: ${network.points} points, ${network.grids} grids, ${network.villages} villages placed (${elapsed()})`);
    return { version: 1 as const, seed, demo_today: DEMO_TODAY, personas, institutions: named, settlement, staff };
  });
  // issue 16: one-window applications through the use cases, once the personas and the grid worker's consent exist
  await seedDemoApplications(pool, fixtures.personas, now(), log);
  return fixtures;
}
