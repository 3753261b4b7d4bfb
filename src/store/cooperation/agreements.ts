import { isIsoDate, type IsoDate } from '../../engine/calendar.ts';
import { isIcd10Range } from '../../engine/chronic-disease.ts';
import type { AgreementClauseKind, AgreementFact } from '../../engine/eligibility.ts';
import { Problems, conflict, notFound } from '../../engine/errors.ts';
import { inTransaction, together, type Pool, type Queryable } from '../db.ts';
import { actorLabel, writeAudit, type Actor } from '../audit.ts';

// Regional cooperation agreements (合作协议), e.g. the 赣湘 10 cities: members, dates, and the
// clauses the platform acts on.

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

export async function createAgreement(pool: Pool, now: Date, actor: Actor, a: AgreementInput): Promise<AgreementDetail> {
  const p = new Problems();
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(a.agreement_no ?? '')) p.add('agreement_no', '协议编号应为 1-40 位字母数字', 'agreement_no must be 1-40 letters, digits, - or _');
  if (!a.name?.trim()) p.add('name', '协议名称不能为空', 'name must not be empty');
  if (!isIsoDate(a.begndate)) p.add('begndate', '日期应为 yyyy-mm-dd', 'begndate must be yyyy-mm-dd');
  if (a.enddate != null && (!isIsoDate(a.enddate) || a.enddate < a.begndate)) p.add('enddate', '结束日期早于开始日期', 'enddate is before begndate');
  if (a.signed_on != null && !isIsoDate(a.signed_on)) p.add('signed_on', '日期应为 yyyy-mm-dd', 'signed_on must be yyyy-mm-dd');
  if (!Array.isArray(a.members) || a.members.length < 2) p.add('members', '协议至少两个成员', 'an agreement needs at least two members');
  const seen = new Set<string>();
  (a.members ?? []).forEach((m, i) => {
    if (!/^[0-9]{6}$/.test(m)) p.add(`members/${i}`, '成员应为 6 位区划代码', 'a member is a 6-digit region code');
    else if (seen.has(m)) p.add(`members/${i}`, `区划 ${m} 重复列出`, `region ${m} is named twice`);
    seen.add(m);
  });
  const kinds = new Set<string>();
  (a.clauses ?? []).forEach((c, i) => {
    if (!Object.prototype.hasOwnProperty.call(CLAUSE_KINDS, c.kind)) p.add(`clauses/${i}/kind`, `未知条款类型 ${c.kind}`, `unknown clause kind ${c.kind}`);
    else if (kinds.has(c.kind)) p.add(`clauses/${i}/kind`, `条款 ${c.kind} 重复`, `clause ${c.kind} is named twice`);
    kinds.add(c.kind);
    if (c.begndate != null && (!isIsoDate(c.begndate) || c.begndate < a.begndate)) p.add(`clauses/${i}/begndate`, '条款开始日期应在协议期内', 'a clause begins within the agreement');
    if (c.enddate != null && (!isIsoDate(c.enddate) || c.enddate < (c.begndate ?? a.begndate))) p.add(`clauses/${i}/enddate`, '结束日期早于开始日期', 'enddate is before begndate');
  });
  const diseases = a.extra_diseases ?? [];
  if (diseases.length > 0 && !kinds.has('extra_chronic_diseases')) p.add('extra_diseases', '列出病种须有 extra_chronic_diseases 条款', 'extra diseases need the extra_chronic_diseases clause');
  const codes = new Set<string>();
  diseases.forEach((d, i) => {
    if (!d.code || codes.has(d.code)) p.add(`extra_diseases/${i}/code`, '病种代码为空或重复', 'disease code empty or named twice');
    codes.add(d.code);
    if (!d.name?.trim()) p.add(`extra_diseases/${i}/name`, '病种名称不能为空', 'name must not be empty');
    if (!Array.isArray(d.icd10_ranges) || d.icd10_ranges.length === 0 || !d.icd10_ranges.every(isIcd10Range)) {
      p.add(`extra_diseases/${i}/icd10_ranges`, 'ICD-10 范围缺失或格式错误', 'ICD-10 ranges missing or malformed');
    }
  });
  const pharmacies = a.pooling_pharmacies ?? [];
  if (pharmacies.length > 0 && !kinds.has('pooling_pharmacies')) p.add('pooling_pharmacies', '列出药店须有 pooling_pharmacies 条款', 'pharmacies need the pooling_pharmacies clause');
  p.throwIfAny();

  return inTransaction(pool, async (c) => {
    if (((await c.query('SELECT 1 FROM agreements WHERE agreement_no = $1', [a.agreement_no])).rowCount ?? 0) > 0) {
      throw conflict('agreement_no', '协议编号已存在', 'agreement_no already exists');
    }
    const known = await c.query<{ code: string }>('SELECT code FROM regions WHERE code = ANY($1)', [a.members]);
    const missing = new Problems();
    a.members.forEach((m, i) => {
      if (!known.rows.some((k) => k.code === m)) missing.add(`members/${i}`, `区划 ${m} 不存在`, `unknown region ${m}`);
    });
    const insts = await c.query<{ fixmedins_code: string; fixmedins_type: string; admdvs: string }>(
      'SELECT fixmedins_code, fixmedins_type, admdvs FROM institutions WHERE fixmedins_code = ANY($1)',
      [pharmacies.map((x) => x.fixmedins_code)],
    );
    pharmacies.forEach((ph, i) => {
      const inst = insts.rows.find((r) => r.fixmedins_code === ph.fixmedins_code);
      if (!inst || inst.fixmedins_type !== '2') missing.add(`pooling_pharmacies/${i}/fixmedins_code`, '不是已登记的定点零售药店', 'not a registered designated retail pharmacy');
      if (!a.members.some((m) => ph.county_admdvs.slice(0, 4) === m.slice(0, 4))) {
        missing.add(`pooling_pharmacies/${i}/county_admdvs`, '药店所在县不属于任何成员', 'the county is not in a member region');
      }
    });
    missing.throwIfAny();
    const r = await c.query<{ id: number }>(
      'INSERT INTO agreements (agreement_no, name, signed_on, begndate, enddate, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id::int',
      [a.agreement_no, a.name, a.signed_on ?? null, a.begndate, a.enddate ?? null, actorLabel(actor), now],
    );
    const id = r.rows[0]!.id;
    for (const m of a.members) await c.query('INSERT INTO agreement_members (agreement_id, admdvs) VALUES ($1, $2)', [id, m]);
    for (const cl of a.clauses) {
      await c.query('INSERT INTO agreement_clauses (agreement_id, kind, begndate, enddate, params) VALUES ($1,$2,$3,$4,$5)', [
        id, cl.kind, cl.begndate ?? a.begndate, cl.enddate ?? a.enddate ?? null, JSON.stringify(cl.params ?? {}),
      ]);
    }
    for (const d of diseases) await c.query('INSERT INTO agreement_diseases (agreement_id, code, name, icd10_ranges) VALUES ($1,$2,$3,$4)', [id, d.code, d.name, d.icd10_ranges]);
    for (const ph of pharmacies) {
      await c.query('INSERT INTO agreement_pharmacies (agreement_id, county_admdvs, fixmedins_code) VALUES ($1,$2,$3)', [id, ph.county_admdvs, ph.fixmedins_code]);
    }
    await writeAudit(c, { actor: actorLabel(actor), now }, 'agreement.create', `agreement:${a.agreement_no}`, { ...a });
    return getAgreement(c, a.agreement_no);
  });
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
