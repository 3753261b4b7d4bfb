import { chinaDate } from '../../engine/calendar.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CONTRIBUTION_PAYERS, IDENTITY_SOURCES, INSUTYPES, PSN_IDET_TYPES, PSN_TYPES } from '../../engine/codes.ts';
import { inTransaction } from '../../store/db.ts';

import { contribute } from '../../app/registry/contribute.ts';
import { FAMILY_RELATIONS, shareWithFamily } from '../../app/ledger/personal-account.ts';
import { enroll, transfer } from '../../app/registry/enrollments.ts';
import { addIdentity, applyIdentityImport, previewIdentityImport, requireImportBatch } from '../../app/registry/identities.ts';
import { createInstitution, requireInstitution } from '../../app/registry/institutions.ts';
import { createPerson, personDetail } from '../../app/registry/persons.ts';
import { requireRegion } from '../../app/registry/regions.ts';
import { insuranceHistory } from '../../app/registry/history.ts';
import { listInstitutions } from '../../store/registry/institutions.ts';
import { listRegions } from '../../store/registry/regions.ts';
import type { AppDeps } from '../deps.ts';
import { scoped, scopedPerson } from '../auth/hook.ts';
import { useBilingualValidation, writeContext } from './common.ts';
import * as M from './models.ts';

// REST routes of the registry under /api/v1. Each handler reads the request, calls one use case
// of src/app/registry/ (or a plain read of the store) inside one transaction, and returns what
// it got: rules live in the application layer and the engine.
// The person of a /persons/:certno route is the one the auth hook loaded and checked.

const CertnoParam = Type.Object({ certno: Type.String({ description: '居民身份证号 / resident ID number (18 characters)', examples: ['11010519491231002X'] }) });
const IsoDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'yyyy-mm-dd' });
const Admdvs = Type.String({ pattern: '^[0-9]{6}$', description: '6-digit region code (医保区划)' });
const keys = (o: object): string[] => Object.keys(o);
const codeOf = (o: object, description: string) => Type.String({ enum: keys(o), description });

const ErrorBody = Type.Object({
  error: Type.String(),
  message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const created = <T>(model: T) => ({ 201: model, ...errors });

const PersonBody = Type.Object(
  {
    certno: Type.String({ minLength: 1, maxLength: 30, description: '居民身份证号' }),
    psn_name: Type.String({ minLength: 1, maxLength: 50, description: '姓名' }),
    insuplc_admdvs: Admdvs,
    live_admdvs: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$', description: '居住地区划' })),
    naty: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
    tel: Type.Optional(Type.String({ maxLength: 30 })),
    addr: Type.Optional(Type.String({ maxLength: 200 })),
    gend: Type.Optional(Type.String({ enum: ['1', '2'], description: 'checked against the ID number' })),
    brdy: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);

const EnrollmentBody = Type.Object(
  {
    insutype: codeOf(INSUTYPES, '险种类型 insutype'),
    psn_type: codeOf(PSN_TYPES, '人员类别 psn_type'),
    insuplc_admdvs: Type.Optional(Admdvs),
    emp_no: Type.Optional(Type.String({ maxLength: 30 })),
    emp_name: Type.Optional(Type.String({ maxLength: 200 })),
    psn_insu_date: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);

const TransferBody = Type.Object(
  {
    to_admdvs: Admdvs,
    transfer_date: Type.Optional(IsoDate),
    insutype: Type.Optional(Type.String({ enum: ['310', '390'] })),
    psn_type: Type.Optional(codeOf(PSN_TYPES, '人员类别 in the new region')),
    emp_no: Type.Optional(Type.String({ maxLength: 30 })),
    emp_name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const FamilyShareBody = Type.Object(
  {
    member_certno: Type.String({ minLength: 1, maxLength: 18, description: '共济对象的身份证号 / the family member\'s ID number' }),
    relation: codeOf(FAMILY_RELATIONS, '共济关系: spouse 配偶, parent 父母, child 子女'),
    amount_fen: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'amount in fen (分)' }),
    key: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_.:-]+$', description: '幂等键 / idempotency key: the same key again posts nothing more' }),
  },
  { additionalProperties: false },
);

const ContributionBody = Type.Object(
  {
    year: Type.Integer({ minimum: 1990, maximum: 2100 }),
    amount_fen: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'amount in fen (分)' }),
    payer: codeOf(CONTRIBUTION_PAYERS, '缴费主体: person 个人, employer 单位, assistance 医疗救助资助参保, government 财政'),
    insutype: Type.Optional(codeOf(INSUTYPES, '险种类型')),
    paid_on: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);

const IdentityBody = Type.Object(
  {
    psn_idet_type: codeOf(PSN_IDET_TYPES, '人员身份类别'),
    begntime: IsoDate,
    endtime: Type.Optional(IsoDate),
    source: Type.Optional(codeOf(IDENTITY_SOURCES, '来源')),
    memo: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const ImportBody = Type.Object(
  {
    source: codeOf(IDENTITY_SOURCES, '比对数据来源'),
    admdvs: Admdvs,
    idet_types: Type.Optional(Type.Array(codeOf(PSN_IDET_TYPES, '人员身份类别'), { maxItems: 20 })),
    as_of: Type.Optional(IsoDate),
    file_name: Type.Optional(Type.String({ maxLength: 200 })),
    csv: Type.String({ description: 'header certno,psn_idet_type,begntime[,endtime][,psn_name][,memo]' }),
  },
  { additionalProperties: false },
);

const Page = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
};
const BatchId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export function registryRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;

    app.get('/regions', {
      schema: {
        tags: ['reference'], summary: '行政区划 / administrative regions', response: { 200: Type.Object({ items: Type.Array(M.RegionModel) }), 400: ErrorBody },
        querystring: Type.Object({
          parent: Type.Optional(Type.String({ pattern: '^[0-9]{6,12}$' })),
          level: Type.Optional(Type.String({ enum: ['province', 'city', 'county', 'town', 'village'] })),
          pooling_admdvs: Type.Optional(Admdvs),
          ...Page,
        }),
      },
    }, async (req) => ({ items: await listRegions(pool, req.query as Parameters<typeof listRegions>[1]) }));

    app.get('/regions/:code', {
      schema: { tags: ['reference'], summary: '单个区划 / one region', params: Type.Object({ code: Type.String({ pattern: '^[0-9]{6,12}$' }) }), response: { 200: M.RegionModel, 400: ErrorBody, 404: ErrorBody } },
    }, async (req) => requireRegion(pool, req.params.code));

    app.get('/institutions', {
      schema: {
        tags: ['reference'], summary: '定点医药机构 / designated institutions', response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(M.InstitutionModel) }), 400: ErrorBody },
        querystring: Type.Object({
          admdvs: Type.Optional(Admdvs),
          fixmedins_type: Type.Optional(Type.String({ enum: ['1', '2'], description: '1 医疗机构, 2 零售药店' })),
          hosp_lv: Type.Optional(Type.String()),
          settles_outpatient_pooling: Type.Optional(Type.Boolean()),
          ...Page,
        }),
      },
    }, async (req) => {
      // Only the documented criteria: the store's filter also serves 1201 (code, name).
      const { admdvs, hosp_lv, settles_outpatient_pooling, limit, offset } = req.query;
      return listInstitutions(pool, { admdvs, fixmedins_type: req.query.fixmedins_type as '1' | '2' | undefined, hosp_lv, settles_outpatient_pooling, limit, offset });
    });

    app.get('/institutions/:fixmedins_code', {
      schema: { tags: ['reference'], summary: '单个定点机构 / one institution', params: Type.Object({ fixmedins_code: Type.String() }), response: { 200: M.InstitutionModel, 404: ErrorBody } },
    }, async (req) => requireInstitution(pool, req.params.fixmedins_code));

    app.post('/institutions', {
      schema: {
        tags: ['reference'], summary: '登记定点医药机构 / register an institution',
        body: Type.Object({
          fixmedins_code: Type.String(), fixmedins_name: Type.String(), hosp_lv: Type.String(), admdvs: Type.String(),
          address: Type.Optional(Type.String({ maxLength: 300 })), lat: Type.Optional(Type.Number()), lng: Type.Optional(Type.Number()),
          settles_cross_prov_outpatient: Type.Optional(Type.Boolean()), settles_inpatient: Type.Optional(Type.Boolean()),
          settles_chronic: Type.Optional(Type.Boolean()), settles_outpatient_pooling: Type.Optional(Type.Boolean()),
        }, { additionalProperties: false }),
        response: created(M.InstitutionModel),
      },
    }, async (req, reply) => {
      const inst = await inTransaction(pool, (q) => createInstitution(q, req.body, writeContext(req, deps)));
      return reply.status(201).send(inst);
    });

    app.post('/persons', {
      schema: { tags: ['registry'], summary: '人员登记 / register a person', body: PersonBody, response: created(M.PersonModel) },
    }, async (req, reply) => {
      const person = await inTransaction(pool, (q) => createPerson(q, req.body, writeContext(req, deps)));
      return reply.status(201).send(person);
    });

    app.get('/persons/:certno', {
      schema: { tags: ['registry'], summary: '人员信息 / a person with enrollments, identities and certificates', params: CertnoParam, response: { 200: M.PersonDetailModel, 400: ErrorBody, 404: ErrorBody } },
    }, async (req) => personDetail(pool, scopedPerson(req), chinaDate(deps.now())));

    app.post('/persons/:certno/enrollments', {
      schema: { tags: ['registry'], summary: '参保登记 / enroll', params: CertnoParam, body: EnrollmentBody, response: created(M.EnrollmentModel) },
    }, async (req, reply) => {
      const enrollment = await inTransaction(pool, (q) => enroll(q, { ...req.body, psn_no: scopedPerson(req).psn_no }, writeContext(req, deps)));
      return reply.status(201).send(enrollment);
    });

    app.post('/persons/:certno/transfers', {
      schema: { tags: ['registry'], summary: '转移接续 / transfer between regions', params: CertnoParam, body: TransferBody, response: created(M.TransferModel) },
    }, async (req, reply) => {
      const result = await inTransaction(pool, (q) => transfer(q, { ...req.body, psn_no: scopedPerson(req).psn_no }, writeContext(req, deps)));
      return reply.status(201).send(result);
    });

    app.post('/persons/:certno/contributions', {
      schema: { tags: ['registry'], summary: '缴费 / record a contribution', params: CertnoParam, body: ContributionBody, response: created(M.ContributionModel) },
    }, async (req, reply) => {
      const c = await inTransaction(pool, (q) => contribute(q, { ...req.body, psn_no: scopedPerson(req).psn_no }, writeContext(req, deps)));
      return reply.status(201).send(c);
    });

    app.post('/persons/:certno/family-shares', {
      schema: {
        tags: ['registry'], summary: '家庭共济 / the personal account pays a family member\'s share', params: CertnoParam, body: FamilyShareBody,
        response: { 200: M.FamilyShareModel, ...created(M.FamilyShareModel) },
      },
    }, async (req, reply) => {
      const r = await inTransaction(pool, (q) => shareWithFamily(q, { ...req.body, holder_psn_no: scopedPerson(req).psn_no }, writeContext(req, deps)));
      return reply.status(r.posted ? 201 : 200).send({ psn_no: r.psn_no, insuplc_admdvs: r.insuplc_admdvs, balc_fen: r.balc_fen, transfer_id: r.id, posted: r.posted });
    });

    app.post('/persons/:certno/identities', {
      schema: { tags: ['identities'], summary: '登记人员身份 / record an identity by hand', params: CertnoParam, body: IdentityBody, response: created(M.IdentityModel) },
    }, async (req, reply) => {
      const identity = await inTransaction(pool, (q) => addIdentity(q, { ...req.body, source: req.body.source ?? 'staff', psn_no: scopedPerson(req).psn_no }, writeContext(req, deps)));
      return reply.status(201).send(identity);
    });

    app.get('/persons/:certno/insurance-history', {
      schema: {
        tags: ['query'],
        summary: '参保缴费信息跨省查询 / enrollment and contribution history across every region',
        description: 'Every enrollment period the deployment holds for the person, in any province, with the contributions booked to each; survives transfers (转移接续).',
        params: CertnoParam,
        response: { 200: M.HistoryModel, 400: ErrorBody, 404: ErrorBody },
      },
    }, async (req) => insuranceHistory(pool, scopedPerson(req).certno, deps.now()));

    app.post('/identity-imports', {
      schema: {
        tags: ['identities'],
        summary: '身份比对导入：预览 / preview a comparison roster',
        description: 'Stores the roster and reports what applying it would change (added, ended, changed, unchanged, rejected with reasons). Writes no identity.',
        body: ImportBody,
        response: created(M.ImportBatchModel),
      },
    }, async (req, reply) => reply.status(201).send(await previewIdentityImport(pool, req.body, writeContext(req, deps))));

    app.get('/identity-imports/:id', {
      schema: { tags: ['identities'], summary: '比对批次 / one import batch', params: BatchId, response: { 200: M.ImportBatchModel, 400: ErrorBody, 404: ErrorBody } },
    }, async (req) => requireImportBatch(pool, scoped(req, 'import_id')));

    app.post('/identity-imports/:id/apply', {
      schema: { tags: ['identities'], summary: '身份比对导入：执行 / apply a previewed roster', params: BatchId, response: { 200: M.ImportBatchModel, ...errors } },
    }, async (req) => applyIdentityImport(pool, scoped(req, 'import_id'), writeContext(req, deps)));
  };
}
