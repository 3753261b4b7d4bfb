import { MDTRT_CERT_TYPES, type MdtrtCertType } from '../../../engine/codes.ts';
import { invalid } from '../../../engine/errors.ts';
import type { Queryable } from '../../../store/db.ts';
import type { Person } from '../../../store/registry/persons.ts';
import { identifyPerson, type PersonClaim } from '../../../app/registry/identify.ts';
import { optionalCode, optionalString } from '../input.ts';
import type { GatewayEnvelope } from '../types.ts';

// Who an input names: a medical certificate (mdtrt_cert_type 01 electronic voucher, 02 ID
// card, 03 social security card with card_sn), or an identity document (psn_cert_type +
// certno), or — for queries after 1101 — the psn_no. Shared by 1101 and the queries. This
// parses the fields in the order the interface has always read them and refuses a missing
// one; whether the certificate is trusted and the name agrees is identifyPerson's
// (src/app/registry/identify.ts).

type Obj = Record<string, unknown>;

export async function resolvePerson(
  db: Queryable,
  data: Obj,
  path: string,
  today: string,
  options: { allowPsnNo: boolean },
): Promise<Person> {
  const certType = optionalCode(data, 'mdtrt_cert_type', path, MDTRT_CERT_TYPES, 2);
  const claim = certType ? medicalCertClaim(data, path, certType) : documentClaim(data, path, options);
  return identifyPerson(db, claim, path, today, () => optionalString(data, 'psn_name', path, 50));
}

function medicalCertClaim(data: Obj, path: string, certType: MdtrtCertType): PersonClaim {
  const certNo = optionalString(data, 'mdtrt_cert_no', path, 600);
  if (certNo === undefined) {
    throw invalid(`${path}.mdtrt_cert_no`, `必填：就诊凭证类型为 ${certType} 时须提供凭证编号`, `required when mdtrt_cert_type is ${certType}`);
  }
  if (certType === '02') return { by: 'mdtrt_cert', certType, certNo, cardSn: undefined };
  const cardSn = optionalString(data, 'card_sn', path, 64);
  if (certType === '03' && cardSn === undefined) {
    throw invalid(`${path}.card_sn`, '必填：社会保障卡须提供卡识别码', 'required for a social security card (mdtrt_cert_type 03)');
  }
  return { by: 'mdtrt_cert', certType, certNo, cardSn };
}

function documentClaim(data: Obj, path: string, options: { allowPsnNo: boolean }): PersonClaim {
  const certno = optionalString(data, 'certno', path, 50);
  if (certno !== undefined) {
    // Clients drop the leading zero of the document type ("1" for "01").
    const raw = optionalString(data, 'psn_cert_type', path, 6) ?? '01';
    return { by: 'document', certType: /^\d$/.test(raw) ? raw.padStart(2, '0') : raw, certno };
  }
  const psnNo = options.allowPsnNo ? optionalString(data, 'psn_no', path, 50) : undefined;
  if (psnNo !== undefined) return { by: 'psn_no', psnNo };
  const alternatives = options.allowPsnNo ? 'mdtrt_cert_type + mdtrt_cert_no, psn_cert_type + certno, or psn_no' : 'mdtrt_cert_type + mdtrt_cert_no, or psn_cert_type + certno';
  throw invalid(
    `${path}.mdtrt_cert_type`,
    `须提供就诊凭证类型和凭证编号，或人员证件类型和证件号码${options.allowPsnNo ? '，或人员编号' : ''}`,
    `who is meant is missing: give ${alternatives}`,
  );
}

/**
 * Who answers a person's read-only transaction in a federation (TransactionHandler.forwardFor):
 * the psn_no of the input names its region; without one, the insured region of the envelope.
 */
export function personsRegion(env: GatewayEnvelope): string | undefined {
  const data = env.input['data'];
  const psnNo = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['psn_no'] : undefined;
  if (typeof psnNo === 'string' && /^[0-9]{10,20}$/.test(psnNo.trim())) return psnNo.trim();
  return env.insuplc_admdvs;
}
