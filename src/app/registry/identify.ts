import { MDTRT_CERT_TYPES, type MdtrtCertType } from '../../engine/codes.ts';
import { invalid, notFound, type YibaoError } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { findMdtrtCert, findPersonByCertno, findPersonByPsnNo, type Person } from '../../store/registry/persons.ts';

// Who an interface message names (1101, 5310, registrations): a medical certificate
// (mdtrt_cert_type 01 electronic voucher, 02 ID card, 03 social security card with its card_sn),
// an identity document (psn_cert_type + certno), or the psn_no. The adapter parses the fields
// and refuses a missing one; here the certificate is looked up and trusted or not (its holder,
// the card_sn, the last day it is valid, the document's type) and the name compared.

export type PersonClaim =
  | { by: 'mdtrt_cert'; certType: MdtrtCertType; certNo: string; /** Parsed for 01 and 03 (03 requires it). */ cardSn: string | undefined }
  | { by: 'document'; /** Two digits ("1" already read as "01"). */ certType: string; certno: string }
  | { by: 'psn_no'; psnNo: string };

/**
 * The person the claim names, under `path`. `readName` gives the psn_name the message sent; it
 * is read only once the person is found, so an unknown person is reported before a malformed
 * name, as the interface has always answered.
 */
export async function identifyPerson(q: Queryable, claim: PersonClaim, path: string, today: string, readName: () => string | undefined): Promise<Person> {
  const person = await personOf(q, claim, path, today);
  const name = readName();
  if (name !== undefined && name !== person.psn_name) {
    throw invalid(`${path}.psn_name`, '姓名与证件信息不符', 'the name does not match the certificate');
  }
  return person;
}

async function personOf(q: Queryable, claim: PersonClaim, path: string, today: string): Promise<Person> {
  switch (claim.by) {
    case 'mdtrt_cert': {
      const label = MDTRT_CERT_TYPES[claim.certType];
      if (claim.certType === '02') {
        const person = await findPersonByCertno(q, claim.certNo);
        if (!person) throw unknownPerson(`${path}.mdtrt_cert_no`, label.zh, label.en, claim.certNo);
        return person;
      }
      const cert = await findMdtrtCert(q, claim.certType, claim.certNo);
      if (!cert) throw unknownPerson(`${path}.mdtrt_cert_no`, label.zh, label.en, claim.certNo);
      if (claim.certType === '03' && cert.card_sn !== claim.cardSn) {
        throw invalid(`${path}.card_sn`, '卡识别码与社会保障卡不符', 'the card_sn does not match the social security card');
      }
      if (cert.valid_until !== null && cert.valid_until < today) {
        throw invalid(`${path}.mdtrt_cert_no`, `${label.zh}已于 ${cert.valid_until} 失效`, `the ${label.en} expired on ${cert.valid_until}`);
      }
      return cert.person;
    }
    case 'document': {
      const person = await findPersonByCertno(q, claim.certno);
      if (!person || person.psn_cert_type !== claim.certType) throw unknownPerson(`${path}.certno`, `证件（类型 ${claim.certType}）`, `document (type ${claim.certType})`, claim.certno);
      return person;
    }
    case 'psn_no': {
      const person = await findPersonByPsnNo(q, claim.psnNo);
      if (!person) throw unknownPerson(`${path}.psn_no`, '人员编号', 'psn_no', claim.psnNo);
      return person;
    }
  }
}

function unknownPerson(field: string, whatZh: string, whatEn: string, value: string): YibaoError {
  return notFound(field, `未查询到${whatZh} ${value} 对应的参保人员`, `no insured person is registered with ${whatEn} ${value}`);
}
