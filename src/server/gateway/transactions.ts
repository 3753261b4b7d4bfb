import { assertInvariant } from '../../engine/errors.ts';
import type { TransactionHandler } from './types.ts';
import { benefitCheck } from './transactions/benefit-check.ts';
import { dictionary } from './transactions/dictionary.ts';
import { enrollmentContributionQuery } from './transactions/enrollment-history.ts';
import { institutionInfo } from './transactions/institution-info.ts';
import { personInfo } from './transactions/person-info.ts';
import { signIn, signOut } from './transactions/sign-in.ts';
import { chronicDiseaseFiling, chronicDiseaseFilingCancel } from './transactions/coop-chronic.ts';
import { referralFiling, referralFilingCancel } from './transactions/coop-filing.ts';
import { chronicDiseaseQuery, personFilingQuery, referralQuery } from './transactions/coop-queries.ts';
import {
  outpatientFeeCancel, outpatientFeeUpload, outpatientPreSettle, outpatientRegistration, outpatientRegistrationCancel, outpatientSettle2207,
  outpatientSettleCancel, outpatientVisitInfo,
} from './transactions/settlement-outpatient.ts';
import {
  admission, admissionCancel, admissionChange, discharge, dischargeCancel, inpatientFeeCancel, inpatientFeeUpload, inpatientPreSettle,
  inpatientSettle2304, inpatientSettleCancel,
} from './transactions/settlement-inpatient.ts';
import { pharmacyPreSettle, pharmacySettle, pharmacySettleCancel, reversal } from './transactions/settlement-pharmacy.ts';
import {
  accumulatorQuery, chronicDrugQuery, detailReconciliation, diagnosisQuery, feeDetailQuery, inHospitalQuery, settlementQuery, totalsReconciliation, visitQuery,
} from './transactions/settlement-queries.ts';
import { settlementListQuery, settlementListStatus, settlementListUpload } from './transactions/settlement-list.ts';
import { duringAnalysis, preAnalysis } from './transactions/supervision.ts';
import {
  clearingApplication, clearingApplicationCancel, crossRegionClearingConfirm, crossRegionClearingDetails, crossRegionClearingResults,
} from './transactions/clearing-institution.ts';

// Every transaction the gateway answers, one line each. To add one, write a
// TransactionHandler (see ./types.ts) and append it here; an infno registered twice stops
// the process at startup.
export const TRANSACTIONS: readonly TransactionHandler[] = [
  signIn, // 9001
  signOut, // 9002
  personInfo, // 1101
  institutionInfo, // 1201
  dictionary, // 1901
  enrollmentContributionQuery, // 5310 (yibao extension)
  benefitCheck, // 2001
  referralFiling, // 2501
  referralFilingCancel, // 2502
  chronicDiseaseFiling, // 2503
  chronicDiseaseFilingCancel, // 2504
  chronicDiseaseQuery, // 5301
  personFilingQuery, // 5302
  referralQuery, // 5304
  outpatientRegistration, // 2201
  outpatientRegistrationCancel, // 2202
  outpatientVisitInfo, // 2203
  outpatientFeeUpload, // 2204
  outpatientFeeCancel, // 2205
  outpatientPreSettle, // 2206
  outpatientSettle2207, // 2207
  outpatientSettleCancel, // 2208
  admission, // 2401
  discharge, // 2402
  admissionChange, // 2403
  admissionCancel, // 2404
  dischargeCancel, // 2405
  inpatientFeeUpload, // 2301
  inpatientFeeCancel, // 2302
  inpatientPreSettle, // 2303
  inpatientSettle2304, // 2304
  inpatientSettleCancel, // 2305
  pharmacyPreSettle, // 2101
  pharmacySettle, // 2102
  pharmacySettleCancel, // 2103
  reversal, // 2601
  visitQuery, // 5201
  diagnosisQuery, // 5202
  settlementQuery, // 5203
  feeDetailQuery, // 5204
  chronicDrugQuery, // 5205
  accumulatorQuery, // 5206
  inHospitalQuery, // 5303
  preAnalysis, // 3101
  duringAnalysis, // 3102
  totalsReconciliation, // 3201
  detailReconciliation, // 3202
  clearingApplication, // 3203
  clearingApplicationCancel, // 3204
  crossRegionClearingResults, // 3260
  crossRegionClearingDetails, // 3261
  settlementListUpload, // 4101A
  settlementListStatus, // 4102
  settlementListQuery, // 4103
  crossRegionClearingConfirm, // 3262
];

export type TransactionRegistry = ReadonlyMap<string, TransactionHandler>;

export function buildRegistry(handlers: readonly TransactionHandler[] = TRANSACTIONS): TransactionRegistry {
  const registry = new Map<string, TransactionHandler>();
  for (const handler of handlers) {
    assertInvariant(/^\d{4}[A-Z]?$/.test(handler.infno), `infno ${handler.infno} is not four digits (and a version letter)`);
    assertInvariant(!registry.has(handler.infno), `infno ${handler.infno} is registered twice`);
    registry.set(handler.infno, handler);
  }
  return registry;
}
