import { invalid } from '../../../engine/errors.ts';
import { findPerson } from '../../../store/cooperation/common.ts';
import { applyRecognitionIn, diseaseFor, revokeRecognitionIn } from '../../../app/cooperation/recognitions.ts';
import { getRecognition } from '../../../store/cooperation/recognitions.ts';
import { inputObject, optionalDate, optionalString, requiredString } from '../input.ts';
import type { TransactionHandler } from '../types.ts';
import { cancelledRecord, inInputTerms } from './coop-filing.ts';

// 2503 人员慢特病备案 / 2504 人员慢特病备案撤销: the designated hospital that identified the
// disease (医院鉴定) records it; its identification is the review, so it is recognised at once.
// 2503 carries no diagnosis code: a HIS may send diag_code (yibao extension); otherwise the
// disease's first ICD-10 category stands for the diagnosis.

export const chronicDiseaseFiling: TransactionHandler = {
  infno: '2503',
  name: { zh: '人员慢特病备案', en: 'chronic disease filing' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const path = 'input.data';
    const d = inputObject(ctx.envelope.input, 'data');
    const psnNo = requiredString(d, 'psn_no', path, 30);
    const code = requiredString(d, 'opsp_dise_code', path, 30);
    const person = await findPerson(ctx.db, { psn_no: psnNo }, false, `${path}.psn_no`);
    const disease = await diseaseFor(ctx.db, person.insuplc_admdvs, code);
    if (!disease) throw invalid(`${path}.opsp_dise_code`, `参保地病种目录中无 ${code}`, `unknown disease code ${code}`);
    const ide = optionalString(d, 'ide_fixmedins_no', path, 30) ?? ctx.institution.fixmedins_code;
    const hospIde = optionalDate(d, 'hosp_ide_date', path, 'filing', ctx.now());
    if (!hospIde) throw invalid(`${path}.hosp_ide_date`, '必填', 'required');
    const rec = await inInputTerms(path, { ide_fixmedins_code: 'ide_fixmedins_no' }, () => applyRecognitionIn(ctx.db, ctx.now(), {
      psn_no: psnNo,
      opsp_dise_code: code,
      diag_code: optionalString(d, 'diag_code', path, 30) ?? disease.icd10_ranges[0]!.split('-')[0]!,
      ide_fixmedins_code: ide,
      diag_dr_codg: requiredString(d, 'diag_dr_codg', path, 30),
      diag_dr_name: requiredString(d, 'diag_dr_name', path, 50),
      hosp_ide_date: hospIde,
      resp_dr_codg: optionalString(d, 'resp_dr_codg', path, 30) ?? null,
      resp_dr_name: optionalString(d, 'resp_dr_name', path, 50) ?? null,
      begndate: optionalDate(d, 'begndate', path, 'filing', ctx.now()) ?? null,
      filer: { type: 'hospital', id: ctx.institution.fixmedins_code },
      evidence: [{ kind: 'diagnosis', ref: `${ctx.envelope.fixmedins_code}:${ctx.envelope.msgid}`, description: '医院鉴定（2503）/ hospital identification (2503)' }],
    }));
    return { result: { trt_dcla_detl_sn: rec.recognition_no, begndate: rec.begndate, enddate: rec.enddate } };
  },
};

export const chronicDiseaseFilingCancel: TransactionHandler = {
  infno: '2504',
  name: { zh: '人员慢特病备案撤销', en: 'chronic disease filing cancellation' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const { no, data: d, path } = await cancelledRecord(ctx, (no) => getRecognition(ctx.db, no), 'no such chronic disease filing');
    await revokeRecognitionIn(ctx.db, ctx.now(), { type: 'hospital', id: ctx.institution.fixmedins_code }, no, optionalString(d, 'memo', path, 500) ?? null);
    return {};
  },
};
