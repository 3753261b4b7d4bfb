import { isIsoDate } from '../../engine/calendar.ts';
import { isIcd10Range } from '../../engine/chronic-disease.ts';
import { Problems, conflict } from '../../engine/errors.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import {
  CLAUSE_KINDS,
  agreementExists,
  getAgreement,
  institutionsByCode,
  insertAgreement,
  knownRegions,
  type AgreementDetail,
  type AgreementInput,
} from '../../store/cooperation/agreements.ts';
import { inTransaction, type Pool } from '../../store/db.ts';

// Creating a regional cooperation agreement (合作协议): every problem of the document listed at
// once, then the members and pharmacies checked against the registry.

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
    // 协查 deadlines (src/app/supervision/investigations.ts): working days to accept and to answer; absent, the defaults
    if (c.kind === 'assistance_investigation') {
      for (const k of ['accept_days', 'answer_days'] as const) {
        const v = c.params?.[k];
        if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > 120)) {
          p.add(`clauses/${i}/params/${k}`, `${k} 应为 1 至 120 的整数（工作日）`, `${k} is a whole number of working days, 1 to 120`);
        }
      }
    }
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
    if (await agreementExists(c, a.agreement_no)) throw conflict('agreement_no', '协议编号已存在', 'agreement_no already exists');
    const known = await knownRegions(c, a.members);
    const missing = new Problems();
    a.members.forEach((m, i) => {
      if (!known.includes(m)) missing.add(`members/${i}`, `区划 ${m} 不存在`, `unknown region ${m}`);
    });
    const insts = await institutionsByCode(c, pharmacies.map((x) => x.fixmedins_code));
    pharmacies.forEach((ph, i) => {
      const inst = insts.find((r) => r.fixmedins_code === ph.fixmedins_code);
      if (!inst || inst.fixmedins_type !== '2') missing.add(`pooling_pharmacies/${i}/fixmedins_code`, '不是已登记的定点零售药店', 'not a registered designated retail pharmacy');
      if (!a.members.some((m) => ph.county_admdvs.slice(0, 4) === m.slice(0, 4))) {
        missing.add(`pooling_pharmacies/${i}/county_admdvs`, '药店所在县不属于任何成员', 'the county is not in a member region');
      }
    });
    missing.throwIfAny();
    await insertAgreement(c, now, actorLabel(actor), a);
    await writeAudit(c, { actor: actorLabel(actor), now }, 'agreement.create', `agreement:${a.agreement_no}`, { ...a });
    return getAgreement(c, a.agreement_no);
  });
}

