import { MDTRT_CERT_TYPES } from '../../../engine/codes.ts';
import { invalid, notFound } from '../../../engine/errors.ts';
import type { Queryable } from '../../../store/db.ts';
import { findMdtrtCert, findPersonByCertno, findPersonByPsnNo, type Person } from '../../../store/registry/persons.ts';
import { optionalCode, optionalString } from '../input.ts';

// Who an input names: a medical certificate (mdtrt_cert_type 01 electronic voucher, 02 ID
// card, 03 social security card with card_sn), or an identity document (psn_cert_type +
// certno), or — for queries after 1101 — the psn_no. Shared by 1101 and the queries.

type Obj = Record<string, unknown>;

export async function resolvePerson(
  db: Queryable,
  data: Obj,
  path: string,
  today: string,
  options: { allowPsnNo: boolean },
): Promise<Person> {
  const certType = optionalCode(data, 'mdtrt_cert_type', path, MDTRT_CERT_TYPES, 2);
  const person = certType ? await byMedicalCert(db, data, path, certType, today) : await byDocument(db, data, path, options);
  const name = optionalString(data, 'psn_name', path, 50);
  if (name !== undefined && name !== person.psn_name) {
    throw invalid(`${path}.psn_name`, '姓名与证件信息不符', 'the name does not match the certificate');
  }
  return person;
}

async function byMedicalCert(db: Queryable, data: Obj, path: string, certType: keyof typeof MDTRT_CERT_TYPES, today: string): Promise<Person> {
  const certNo = optionalString(data, 'mdtrt_cert_no', path, 600);
  if (certNo === undefined) {
    throw invalid(`${path}.mdtrt_cert_no`, `必填：就诊凭证类型为 ${certType} 时须提供凭证编号`, `required when mdtrt_cert_type is ${certType}`);
  }
  const label = MDTRT_CERT_TYPES[certType];
  if (certType === '02') {
    const person = await findPersonByCertno(db, certNo);
    if (!person) throw unknownPerson(`${path}.mdtrt_cert_no`, label.zh, label.en, certNo);
    return person;
  }
  const cardSn = optionalString(data, 'card_sn', path, 64);
  if (certType === '03' && cardSn === undefined) {
    throw invalid(`${path}.card_sn`, '必填：社会保障卡须提供卡识别码', 'required for a social security card (mdtrt_cert_type 03)');
  }
  const cert = await findMdtrtCert(db, certType, certNo);
  if (!cert) throw unknownPerson(`${path}.mdtrt_cert_no`, label.zh, label.en, certNo);
  if (certType === '03' && cert.card_sn !== cardSn) {
    throw invalid(`${path}.card_sn`, '卡识别码与社会保障卡不符', 'the card_sn does not match the social security card');
  }
  if (cert.valid_until !== null && cert.valid_until < today) {
    throw invalid(`${path}.mdtrt_cert_no`, `${label.zh}已于 ${cert.valid_until} 失效`, `the ${label.en} expired on ${cert.valid_until}`);
  }
  return cert.person;
}

async function byDocument(db: Queryable, data: Obj, path: string, options: { allowPsnNo: boolean }): Promise<Person> {
  const certno = optionalString(data, 'certno', path, 50);
  if (certno !== undefined) {
    // Clients drop the leading zero of the document type ("1" for "01").
    const raw = optionalString(data, 'psn_cert_type', path, 6) ?? '01';
    const certType = /^\d$/.test(raw) ? raw.padStart(2, '0') : raw;
    const person = await findPersonByCertno(db, certno);
    if (!person || person.psn_cert_type !== certType) throw unknownPerson(`${path}.certno`, `证件（类型 ${certType}）`, `document (type ${certType})`, certno);
    return person;
  }
  const psnNo = options.allowPsnNo ? optionalString(data, 'psn_no', path, 50) : undefined;
  if (psnNo !== undefined) {
    const person = await findPersonByPsnNo(db, psnNo);
    if (!person) throw unknownPerson(`${path}.psn_no`, '人员编号', 'psn_no', psnNo);
    return person;
  }
  const alternatives = options.allowPsnNo ? 'mdtrt_cert_type + mdtrt_cert_no, psn_cert_type + certno, or psn_no' : 'mdtrt_cert_type + mdtrt_cert_no, or psn_cert_type + certno';
  throw invalid(
    `${path}.mdtrt_cert_type`,
    `须提供就诊凭证类型和凭证编号，或人员证件类型和证件号码${options.allowPsnNo ? '，或人员编号' : ''}`,
    `who is meant is missing: give ${alternatives}`,
  );
}

function unknownPerson(field: string, whatZh: string, whatEn: string, value: string) {
  return notFound(field, `未查询到${whatZh} ${value} 对应的参保人员`, `no insured person is registered with ${whatEn} ${value}`);
}
