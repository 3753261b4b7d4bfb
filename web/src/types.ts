// Shapes of the API answers the pages read. The server describes them (src/server/api/models.ts)
// and web/src/api-types.ts is generated from that description (`npm run gen:types`); this file
// only names them for the pages and keeps the web's own tables.

export type {
  AdvanceFunds, ApplicationReview, CaseGrouping, InstitutionPaymentYear, PaymentCase, PaymentCaseLine, PaymentChange, PaymentGroupYear, PaymentRegion, PaymentRulesSummary, PaymentSimulation, PaymentStep, PaymentYearEnd, RegionPaymentYear, ClearingApplication, ClearingDispute, InstitutionPaymentStatement, ClearingRun, ClearingStatement, ClearingStatementDetail, Positions,
  ConsentedPerson, Contribution, DayFund, DayTotal, DirectRate, Filing, FilingQueueItem, Flow, History, Identity, ImportBatch, Me,
  NearbyInstitution as Institution, Notification, Period, Person, PersonPrincipal, QueueCase, QueueMonth, Recognition,
  RecognitionQueueItem, Region, RegionEnrollment, SettlementListRow, StaffPrincipal,
  FindingEvidence, FindingPage, Investigation, InvestigationAnswer, InvestigationBox, InvestigationListItem, RuleLibrary, RuleLibraryCheck, RuleLibraryDocument, RuleLibraryPublished, Scan,
  SharingFigures, SharingReport, SharingRuleType, SupervisionCase, SupervisionCaseFinding, SupervisionCaseRow,
} from './api-types.ts';
// the service network (issue 16)
export type { Application, ApplicationList, ApplicationListItem, ApplicationRating, ServiceCatalogue, ServiceItem, ServiceSummary } from './api-types.ts';

export const INSUTYPE: Record<string, { zh: string; en: string }> = {
  '310': { zh: '职工基本医疗保险', en: "Employees' basic medical insurance" },
  '390': { zh: '城乡居民基本医疗保险', en: "Urban and rural residents' basic medical insurance" },
  '320': { zh: '公务员医疗补助', en: 'Civil servants’ supplement' },
  '330': { zh: '大额医疗费用补助', en: 'Large-amount supplement' },
  '392': { zh: '城乡居民大病医疗保险', en: 'Residents’ critical illness insurance' },
  '510': { zh: '生育保险', en: 'Maternity insurance' },
};
export const PAYER: Record<string, { zh: string; en: string }> = {
  person: { zh: '个人缴纳', en: 'Paid by you' },
  employer: { zh: '单位缴纳', en: 'Paid by the employer' },
  assistance: { zh: '医疗救助资助', en: 'Paid by medical assistance' },
  government: { zh: '财政补助', en: 'Government subsidy' },
};
export const ENROLL_STATUS: Record<string, { zh: string; en: string }> = {
  '1': { zh: '正常参保', en: 'Active' },
  '2': { zh: '暂停', en: 'Paused' },
  '4': { zh: '终止（已转出）', en: 'Ended (moved out)' },
};
