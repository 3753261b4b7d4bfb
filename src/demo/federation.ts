import { chinaDate } from '../engine/calendar.ts';
import { ownerOf, type Directory } from '../engine/federation/index.ts';
import { ageOn, makeIdCard, sequenceFor, type Gend } from '../engine/idcard.ts';
import { yuanToFen } from '../engine/money.ts';
import { createFiling, reviewFiling } from '../app/cooperation/filings.ts';
import { contribute } from '../app/registry/contribute.ts';
import { depositToPersonalAccount } from '../app/ledger/personal-account.ts';
import { enroll } from '../app/registry/enrollments.ts';
import { addPersonCert, createPerson } from '../app/registry/persons.ts';
import { importRegions } from '../app/registry/regions.ts';
import { writeAudit, type WriteContext } from '../store/audit.ts';
import { inTransaction, type Pool, type Queryable } from '../store/db.ts';
import { tableCounts } from '../store/registry/bulk.ts';
import { insertInstitutions } from '../store/registry/institutions.ts';
import { formatPsnNo } from '../store/registry/persons.ts';
import { buildInstitutions, DEFAULT_SEED, loadCounties, seedReferenceDocuments, type CountyInfo } from './generate.ts';
import type { FixtureInstitution } from './fixture-rows.ts';
import { employerName, personName } from './names.ts';
import { DETAIL_COUNTIES } from './places.ts';
import { Prng } from './prng.ts';
import { seedDemoStaff, DEMO_STAFF, type FixtureStaff } from './staff.ts';

// The lean demo of one deployment of a federation (YIBAO_DEMO=federation, docs/federation.md
// "Running two deployments"). Every deployment holds the national reference data: all regions,
// the policies and catalogs, every demo institution (the national institution code base is
// shared, so a Hunan hospital has the same code in Jiangxi's database). Persons are only those
// insured in the regions this deployment owns: a few per owned pooling region, enrolled,
// contributing and with their personal accounts funded through the registry's use cases, plus
// one named persona per owned province whose care is elsewhere (an approved 异地就医备案).
// Everything is deterministic from the seed; the personas' numbers are derivable (personaPsnNo).

export interface FederationPersonaSpec {
  key: string;
  /** The province (two-digit prefix) whose deployment insures the persona. */
  province: string;
  description: string;
  psn_name: string;
  id_admdvs: string;
  brdy: string;
  id_seq: number;
  insuplc_admdvs: string;
  /** The pooling region the persona is insured in (the city, under the demo's default pooling). */
  pooling_admdvs: string;
  live_admdvs: string;
  insutype: '310';
  psn_type: '1101' | '1201';
  emp_name: string;
  psn_insu_date: string;
  /** What the personal account is credited with at the seed. */
  deposit_fen: number;
  filing: { kind: 'resettled_retiree' | 'posted_worker'; mdtrtarea_admdvs: string; evidence: { kind: string; ref: string }[] };
  /** The hospital of the other province where the demo script settles the persona (a demo institution key). */
  treated_at: string;
}

export const FEDERATION_PERSONAS: readonly FederationPersonaSpec[] = [
  {
    key: 'jiujiang_retiree_in_changsha',
    province: '36',
    description: '九江参保的退休职工，随子女居住在长沙，已备案异地安置 / a Jiujiang-insured retiree living in Changsha with an approved resettlement filing',
    psn_name: '陈桂芳', id_admdvs: '360402', brdy: '1960-04-12', id_seq: 46,
    insuplc_admdvs: '360402', pooling_admdvs: '360400', live_admdvs: '430102',
    insutype: '310', psn_type: '1201', emp_name: '九江棉纺厂', psn_insu_date: '1998-07-01', deposit_fen: 523_400,
    filing: { kind: 'resettled_retiree', mdtrtarea_admdvs: '430100', evidence: [{ kind: 'residence_permit', ref: 'demo/residence-permit.pdf' }, { kind: 'retirement_proof', ref: 'demo/retirement.pdf' }] },
    treated_at: 'changsha_level3_hospital',
  },
  {
    key: 'changsha_worker_in_jiujiang',
    province: '43',
    description: '长沙参保的在职职工，常驻九江工作，已备案 / a Changsha-insured employee posted to Jiujiang with an approved filing',
    psn_name: '刘建军', id_admdvs: '430102', brdy: '1978-09-03', id_seq: 15,
    insuplc_admdvs: '430102', pooling_admdvs: '430100', live_admdvs: '360402',
    insutype: '310', psn_type: '1101', emp_name: '长沙机床厂', psn_insu_date: '2003-03-01', deposit_fen: 186_000,
    filing: { kind: 'posted_worker', mdtrtarea_admdvs: '360400', evidence: [{ kind: 'employment_proof', ref: 'demo/posting-letter.pdf' }] },
    treated_at: 'jiujiang_level3_hospital',
  },
];

export interface FederationPersona {
  key: string;
  description: string;
  certno: string;
  psn_no: string;
  psn_name: string;
  insutype: string;
  insuplc_admdvs: string;
  live_admdvs: string;
  filing_no: string | null;
  treated_at: string;
}

export interface FederationFixtures {
  self: string;
  seed: string;
  personas: FederationPersona[];
  /** Persons of the owned regions, personas included. */
  persons: number;
  /** The owned pooling regions the generated persons are spread over. */
  pooling_regions: string[];
  institutions: FixtureInstitution[];
  staff: FixtureStaff[];
}

export interface FederationSeedOptions {
  directory: Directory;
  /** Persons generated over the owned pooling regions (YIBAO_DEMO_PERSONS). */
  persons: number;
  seed?: string;
  now?: () => Date;
  log?: (line: string) => void;
  extraPoolingRegions?: string[];
}

/** Whether this deployment is the one the directory names for a region (explicitly: an unclaimed region is nobody's). */
function owned(dir: Directory, admdvs: string): boolean {
  return ownerOf(dir, admdvs)?.id === dir.self;
}

export function personaCertno(spec: FederationPersonaSpec): string {
  return makeIdCard(spec.id_admdvs, spec.brdy, spec.id_seq);
}

/** A persona's psn_no: the first one issued in its pooling region (personas are created before anyone else). */
export function personaPsnNo(spec: FederationPersonaSpec): string {
  return formatPsnNo(spec.pooling_admdvs, 1);
}

/** The personas a deployment insures, with their derivable numbers (for scripts and tests). */
export function federationPersonas(dir: Directory): Array<FederationPersonaSpec & { certno: string; psn_no: string }> {
  return FEDERATION_PERSONAS.filter((p) => owned(dir, p.insuplc_admdvs)).map((p) => ({ ...p, certno: personaCertno(p), psn_no: personaPsnNo(p) }));
}

/** The demo staff that belong to this deployment: the administrator and those whose regions are all its own. */
function ownStaff(dir: Directory): FixtureStaff[] {
  return DEMO_STAFF.filter((s) => s.role === 'admin' || s.regions.every((r) => owned(dir, r))).map((s) => ({ ...s, regions: [...s.regions] }));
}

/** The contribution years a person is covered for: the demo's years up to the year of the seed. */
function yearsUpTo(today: string): number[] {
  const last = Math.max(2026, Number(today.slice(0, 4)));
  const out: number[] = [];
  for (let y = 2025; y <= last; y++) out.push(y);
  return out;
}

async function seedPersona(q: Queryable, spec: FederationPersonaSpec, ctx: WriteContext, years: number[]): Promise<string> {
  const certno = personaCertno(spec);
  const person = await createPerson(q, { certno, psn_name: spec.psn_name, insuplc_admdvs: spec.insuplc_admdvs, live_admdvs: spec.live_admdvs }, ctx);
  await enroll(q, { psn_no: person.psn_no, insutype: spec.insutype, psn_type: spec.psn_type, emp_name: spec.emp_name, psn_insu_date: spec.psn_insu_date }, ctx);
  if (spec.psn_type !== '1201') {
    for (const year of years) {
      await contribute(q, { psn_no: person.psn_no, year, amount_fen: 624_000, payer: 'employer', paid_on: `${year - 1}-12-15` }, ctx);
      await contribute(q, { psn_no: person.psn_no, year, amount_fen: 156_000, payer: 'person', paid_on: `${year - 1}-12-15` }, ctx);
    }
  }
  await depositToPersonalAccount(q, { psn_no: person.psn_no, amount_fen: spec.deposit_fen, reason: '个人账户划入（演示）', key: `fed-demo:${spec.key}` }, ctx);
  await addPersonCert(q, person.psn_no, { mdtrt_cert_type: '03', mdtrt_cert_no: certno, card_sn: `${spec.pooling_admdvs}D156000005${spec.id_seq.toString(16).padStart(16, '0')}`, valid_until: '2035-12-31' }, ctx);
  return person.psn_no;
}

/** One generated person of a county: employee (310, contributions by employer and person, an account deposit) or resident (390). */
async function seedPerson(q: Queryable, rng: Prng, county: CountyInfo, ctx: WriteContext, years: number[], taken: Set<string>): Promise<void> {
  const today = chinaDate(ctx.now);
  const age = rng.between(18, 85);
  const birthYear = Number(today.slice(0, 4)) - age;
  const brdy = `${birthYear}-${String(rng.between(1, 12)).padStart(2, '0')}-${String(rng.between(1, 28)).padStart(2, '0')}`;
  const gend: Gend = rng.chance(0.5) ? '1' : '2';
  let certno = '';
  for (let n = rng.int(400); ; n++) {
    certno = makeIdCard(county.code, brdy, sequenceFor(gend, n));
    if (!taken.has(certno)) break;
  }
  taken.add(certno);
  const villages = county.towns.flatMap((t) => t.villages);
  const village = villages.length > 0 ? rng.pick(villages) : undefined;
  const person = await createPerson(q, { certno, psn_name: personName(rng, gend, birthYear), insuplc_admdvs: county.code, live_admdvs: village?.code ?? county.code, tel: `13${String(rng.int(1e9)).padStart(9, '0')}` }, ctx);
  const realAge = ageOn(brdy, today);
  const employee = rng.chance(realAge < 60 ? 0.45 : 0.3);
  const retired = employee && realAge >= 60;
  if (employee) {
    await enroll(q, { psn_no: person.psn_no, insutype: '310', psn_type: retired ? '1201' : '1101', emp_no: `${county.pooling}${String(rng.between(1, 60)).padStart(6, '0')}`, emp_name: employerName(rng, county.city.short), psn_insu_date: '2010-01-01' }, ctx);
    if (!retired) {
      const wage = yuanToFen(rng.between(3000, 15000));
      for (const year of years) {
        await contribute(q, { psn_no: person.psn_no, year, amount_fen: Math.round(wage * 0.08) * 12, payer: 'employer', paid_on: `${year - 1}-12-15` }, ctx);
        await contribute(q, { psn_no: person.psn_no, year, amount_fen: Math.round(wage * 0.02) * 12, payer: 'person', paid_on: `${year - 1}-12-15` }, ctx);
      }
    }
    await depositToPersonalAccount(q, { psn_no: person.psn_no, amount_fen: rng.between(20_000, 1_500_000), reason: '个人账户划入（演示）', key: `fed-demo:${person.psn_no}` }, ctx);
  } else {
    await enroll(q, { psn_no: person.psn_no, insutype: '390', psn_type: realAge < 60 ? '1501' : '1601', psn_insu_date: '2012-01-01' }, ctx);
    for (const year of years) await contribute(q, { psn_no: person.psn_no, year, amount_fen: 40_000, payer: 'person', paid_on: `${year - 1}-12-15` }, ctx);
  }
  await addPersonCert(q, person.psn_no, { mdtrt_cert_type: '03', mdtrt_cert_no: certno, card_sn: `${county.pooling}D156000005${rng.hex(16)}`, valid_until: '2035-12-31' }, ctx);
}

const FILER_STAFF = { type: 'staff' as const, id: 'demo-staff', name: '演示经办员' };

/**
 * Seeds an empty database as one deployment of the federation. Returns undefined when the
 * database holds a demo already (a restart) or there is nothing to seed.
 */
export async function seedFederationDemo(pool: Pool, opts: FederationSeedOptions): Promise<FederationFixtures | undefined> {
  const dir = opts.directory;
  const log = opts.log ?? (() => undefined);
  const seed = opts.seed ?? DEFAULT_SEED;
  const now = opts.now ?? (() => new Date());
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (await seedReferenceDocuments(pool, log)) return undefined;
  const regions = await importRegions(pool, { detailCounties: DETAIL_COUNTIES, extraPoolingRegions: opts.extraPoolingRegions });
  log(`federation demo of ${dir.self}: regions ${regions.count} (${elapsed()})`);

  const ctx: WriteContext = { actor: 'demo', now: now() };
  const today = chinaDate(ctx.now);
  const years = yearsUpTo(today);
  const fixtures = await inTransaction(pool, async (q) => {
    const counties = await loadCounties(q);
    const { rows, named } = buildInstitutions(seed, counties);
    for (let i = 0; i < rows.length; i += 2000) await insertInstitutions(q, rows.slice(i, i + 2000));
    log(`institutions: ${rows.length}, the national code base (${elapsed()})`);
    const staff = ownStaff(dir);
    await seedDemoStaff(q, ctx, today, () => undefined, staff);

    const specs = federationPersonas(dir);
    const psnNos = new Map<string, string>();
    for (const spec of specs) {
      const psnNo = await seedPersona(q, spec, ctx, years);
      if (psnNo !== spec.psn_no) throw new Error(`federation demo: persona ${spec.key} got ${psnNo}, expected ${spec.psn_no}`);
      psnNos.set(spec.key, psnNo);
    }

    // The generated persons, spread round-robin over the owned pooling regions, each in one of its counties.
    const mine = counties.filter((c) => owned(dir, c.code));
    const poolings = [...new Set(mine.map((c) => c.pooling))].sort();
    const taken = new Set(specs.map((s) => s.certno));
    const rng = new Prng(`${seed}:federation:${dir.self}`);
    const bulk = poolings.length === 0 ? 0 : Math.max(0, opts.persons - specs.length);
    const every = Math.max(100, Math.ceil(bulk / 10));
    for (let i = 0; i < bulk; i++) {
      const pooling = poolings[i % poolings.length]!;
      const county = rng.pick(mine.filter((c) => c.pooling === pooling));
      await seedPerson(q, rng, county, ctx, years, taken);
      if ((i + 1) % every === 0 || i + 1 === bulk) log(`persons: ${i + 1 + specs.length} / ${bulk + specs.length} (${elapsed()})`);
    }
    const counts = await tableCounts(q);
    await writeAudit(q, ctx, 'demo.seed', 'demo', { seed, federation: dir.self, persons: bulk + specs.length, counts });
    return { named, staff, psnNos, persons: bulk + specs.length, poolings };
  });

  // The personas' filings through the filing use case (its own transactions), approved by a clerk.
  const personas: FederationPersona[] = [];
  for (const spec of federationPersonas(dir)) {
    const filing = await createFiling(pool, ctx.now, {
      psn_no: spec.psn_no, kind: spec.filing.kind, mdtrtarea_admdvs: spec.filing.mdtrtarea_admdvs, begndate: today, enddate: null,
      filer: { type: 'person', id: spec.psn_no }, commitment: false, evidence: spec.filing.evidence,
    });
    await reviewFiling(pool, ctx.now, FILER_STAFF, filing.filing_no, { decision: 'approve', reason: '材料齐全 / documents complete' });
    personas.push({
      key: spec.key, description: spec.description, certno: spec.certno, psn_no: spec.psn_no, psn_name: spec.psn_name, insutype: spec.insutype,
      insuplc_admdvs: spec.insuplc_admdvs, live_admdvs: spec.live_admdvs, filing_no: filing.filing_no, treated_at: spec.treated_at,
    });
    log(`persona ${spec.key}: ${spec.psn_name} psn_no ${spec.psn_no} certno ${spec.certno}, filing ${filing.filing_no} to ${spec.filing.mdtrtarea_admdvs} approved`);
  }
  log(`federation demo of ${dir.self} loaded: ${fixtures.persons} persons in ${fixtures.poolings.length} pooling regions, ${fixtures.staff.length} staff (${elapsed()})`);
  return { self: dir.self, seed, personas, persons: fixtures.persons, pooling_regions: fixtures.poolings, institutions: fixtures.named, staff: fixtures.staff };
}
