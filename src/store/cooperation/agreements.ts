import type { IsoDate } from '../../engine/calendar.ts';
import type { AgreementClauseKind, AgreementFact } from '../../engine/eligibility.ts';
import { notFound } from '../../engine/errors.ts';
import { together, type Queryable } from '../db.ts';

// Regional cooperation agreements (合作协议), e.g. the 赣湘 10 cities, as rows: members, dates,
// and the clauses the platform acts on. Creating one is decided in src/app/cooperation/agreements.ts.

export const CLAUSE_KINDS: Record<AgreementClauseKind, { zh: string; en: string }> = {
  extra_chronic_diseases: { zh: '成员间新增门诊慢特病跨省直接结算病种', en: 'extra cross-province chronic diseases between members' },
  pooling_pharmacies: { zh: '定点药店普通门诊统筹结算互通', en: 'designated pharmacies settling general-outpatient pooling across the border' },
  inpatient_dip_budget: { zh: '跨统筹区住院费用纳入就医地 DRG/DIP 总额预算', en: "cross-region inpatient costs within the treatment place's DIP budget" },
  data_sharing: { zh: '医疗费用数据分析通报共享', en: 'sharing of medical-expense data and analysis reports' },
  assistance_investigation: { zh: '异地就医监管协查', en: 'cross-region supervision assistance (协查)' },
};

/** The agreement's goal: at least this many designated pharmacies per member county. */
export const PHARMACIES_PER_COUNTY = 2;

export interface AgreementInput {
  agreement_no: string;
  name: string;
  signed_on?: IsoDate | null;
  begndate: IsoDate;
  enddate?: IsoDate | null;
  members: string[];
  clauses: { kind: AgreementClauseKind; begndate?: IsoDate | null; enddate?: IsoDate | null; params?: Record<string, unknown> }[];
  extra_diseases?: { code: string; name: string; icd10_ranges: string[] }[];
  pooling_pharmacies?: { county_admdvs: string; fixmedins_code: string }[];
}

export async function agreementExists(q: Queryable, no: string): Promise<boolean> {
  return ((await q.query('SELECT 1 FROM agreements WHERE agreement_no = $1', [no])).rowCount ?? 0) > 0;
}

export async function knownRegions(q: Queryable, codes: readonly string[]): Promise<string[]> {
  return (await q.query<{ code: string }>('SELECT code FROM regions WHERE code = ANY($1)', [codes])).rows.map((r) => r.code);
}

export async function institutionsByCode(q: Queryable, codes: readonly string[]): Promise<{ fixmedins_code: string; fixmedins_type: string; admdvs: string }[]> {
  return (await q.query<{ fixmedins_code: string; fixmedins_type: string; admdvs: string }>(
    'SELECT fixmedins_code, fixmedins_type, admdvs FROM institutions WHERE fixmedins_code = ANY($1)',
    [codes],
  )).rows;
}

/** Writes an agreement with its members, clauses, diseases and pharmacies (a clause's dates default to the agreement's). */
export async function insertAgreement(q: Queryable, now: Date, createdBy: string, a: AgreementInput): Promise<void> {
  const r = await q.query<{ id: number }>(
    'INSERT INTO agreements (agreement_no, name, signed_on, begndate, enddate, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id::int',
    [a.agreement_no, a.name, a.signed_on ?? null, a.begndate, a.enddate ?? null, createdBy, now],
  );
  const id = r.rows[0]!.id;
  for (const m of a.members) await q.query('INSERT INTO agreement_members (agreement_id, admdvs) VALUES ($1, $2)', [id, m]);
  for (const cl of a.clauses) {
    await q.query('INSERT INTO agreement_clauses (agreement_id, kind, begndate, enddate, params) VALUES ($1,$2,$3,$4,$5)', [
      id, cl.kind, cl.begndate ?? a.begndate, cl.enddate ?? a.enddate ?? null, JSON.stringify(cl.params ?? {}),
    ]);
  }
  for (const d of a.extra_diseases ?? []) await q.query('INSERT INTO agreement_diseases (agreement_id, code, name, icd10_ranges) VALUES ($1,$2,$3,$4)', [id, d.code, d.name, d.icd10_ranges]);
  for (const ph of a.pooling_pharmacies ?? []) {
    await q.query('INSERT INTO agreement_pharmacies (agreement_id, county_admdvs, fixmedins_code) VALUES ($1,$2,$3)', [id, ph.county_admdvs, ph.fixmedins_code]);
  }
}

export interface AgreementDetail {
  agreement_no: string;
  name: string;
  signed_on: IsoDate | null;
  begndate: IsoDate;
  enddate: IsoDate | null;
  members: string[];
  clauses: { kind: AgreementClauseKind; begndate: IsoDate; enddate: IsoDate | null; params: Record<string, unknown>; zh: string; en: string }[];
  extra_diseases: { code: string; name: string; icd10_ranges: string[] }[];
  pooling_pharmacies: { county_admdvs: string; fixmedins_code: string }[];
  /** Member counties (from the registry) with fewer designated pharmacies than the goal. */
  pharmacy_shortfall: { county_admdvs: string; designated: number; goal: number }[];
}

async function loadAgreements(q: Queryable, where: string, params: unknown[], withShortfall = true): Promise<AgreementDetail[]> {
  const heads = await q.query<{ id: number; agreement_no: string; name: string; signed_on: string | null; begndate: string; enddate: string | null }>(
    `SELECT id::int, agreement_no, name, signed_on, begndate, enddate FROM agreements ${where} ORDER BY agreement_no`,
    params,
  );
  // Each agreement's parts, of every agreement, in one round trip.
  const b = together(q);
  return Promise.all(
    heads.rows.map(async (h) => {
      const [memberRows, clauseRows, diseases, pharmacies] = await Promise.all([
        b.query<{ admdvs: string }>('SELECT admdvs FROM agreement_members WHERE agreement_id = $1 ORDER BY admdvs', [h.id]),
        b.query('SELECT kind, begndate, enddate, params FROM agreement_clauses WHERE agreement_id = $1 ORDER BY id', [h.id]),
        b.query('SELECT code, name, icd10_ranges FROM agreement_diseases WHERE agreement_id = $1 ORDER BY code', [h.id]),
        b.query('SELECT county_admdvs, fixmedins_code FROM agreement_pharmacies WHERE agreement_id = $1 ORDER BY county_admdvs, fixmedins_code', [h.id]),
      ]);
      const members = memberRows.rows.map((r) => r.admdvs);
      const clauses = clauseRows.rows.map((r) => ({ ...r, ...CLAUSE_KINDS[r.kind as AgreementClauseKind] }));
      let shortfall: AgreementDetail['pharmacy_shortfall'] = [];
      if (withShortfall && clauses.some((c) => c.kind === 'pooling_pharmacies')) {
        const counties = await q.query<{ code: string; n: number }>(
          `SELECT r.code, (SELECT count(*)::int FROM agreement_pharmacies p WHERE p.agreement_id = $1 AND p.county_admdvs = r.code) AS n
           FROM regions r WHERE r.level = 'county' AND substr(r.code, 1, 4) = ANY($2) ORDER BY r.code`,
          [h.id, members.map((m) => m.slice(0, 4))],
        );
        shortfall = counties.rows.filter((r) => r.n < PHARMACIES_PER_COUNTY).map((r) => ({ county_admdvs: r.code, designated: r.n, goal: PHARMACIES_PER_COUNTY }));
      }
      return { ...h, members, clauses, extra_diseases: diseases.rows, pooling_pharmacies: pharmacies.rows, pharmacy_shortfall: shortfall } as AgreementDetail;
    }),
  );
}

export async function getAgreement(q: Queryable, no: string): Promise<AgreementDetail> {
  const [a] = await loadAgreements(q, 'WHERE agreement_no = $1', [no]);
  if (!a) throw notFound('agreement_no', '查无此协议', 'no such agreement');
  return a;
}

export async function listAgreements(q: Queryable, member?: string): Promise<AgreementDetail[]> {
  return member
    ? loadAgreements(q, 'WHERE id IN (SELECT agreement_id FROM agreement_members WHERE admdvs = $1)', [member])
    : loadAgreements(q, '', []);
}

/** Agreements naming a region, as the eligibility decision reads them. */
export async function agreementFactsFor(q: Queryable, admdvs: string): Promise<AgreementFact[]> {
  const rows = await loadAgreements(q, 'WHERE id IN (SELECT agreement_id FROM agreement_members WHERE admdvs = $1)', [admdvs], false);
  return rows.map((a) => ({
    agreementNo: a.agreement_no,
    name: a.name,
    begndate: a.begndate,
    enddate: a.enddate,
    members: a.members,
    clauses: a.clauses.map((c) => ({ kind: c.kind, begndate: c.begndate, enddate: c.enddate })),
    extraDiseases: a.extra_diseases.map((d) => ({ code: d.code, name: d.name, icd10Ranges: d.icd10_ranges })),
    poolingPharmacies: a.pooling_pharmacies.map((p) => p.fixmedins_code),
  }));
}
