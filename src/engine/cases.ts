import { addDays, addWorkingDays, isWorkingDay, type IsoDate, type WorkingCalendar } from './calendar.ts';
import { assertInvariant, conflict, forbidden, type YibaoError } from './errors.ts';
import { FILING_STATUSES, reviewWorkingDays, type FilingPolicy, type FilingStatus } from './filing-rules.ts';

// The case machine (办件): one definition of every kind of case the platform tracks — its
// states, the moves between them, who may make each move, and the clock of each open state
// (deadline in working days, reminder lead, escalation when overdue). Every kind is in use:
// filing and recognition reviews, supervision cases, 协查 requests, one-window applications,
// medical-assistance applications and rating follow-ups. Pure: the application layer (src/app/cooperation/cases.ts) applies a move
// with the store's SQL.

export const CASE_KINDS = ['filing_review', 'recognition_review', 'supervision', 'investigation_request', 'one_window', 'medical_assistance', 'rating_follow_up'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

/** Who moves a case: the applicant (the person, an agent, a grid worker), a hospital, staff by role, or the platform's own passes. */
export type Mover = 'applicant' | 'hospital' | 'clerk' | 'reviewer' | 'supervisor' | 'system';

export const MOVERS: Record<Mover, { zh: string; en: string }> = {
  applicant: { zh: '申请人', en: 'the applicant' },
  hospital: { zh: '医疗机构', en: 'a hospital' },
  clerk: { zh: '经办人员', en: 'a clerk' },
  reviewer: { zh: '审核人员', en: 'a reviewer' },
  supervisor: { zh: '督办人员', en: 'a supervisor' },
  system: { zh: '系统', en: 'the system' },
};

/** What a deadline may depend on: the insured place, the destination and (for filings) the insured place's filing policy. */
export interface DeadlineFacts {
  home: string;
  dest: string | null;
  policy?: FilingPolicy | undefined;
  /** For a 协查 request: the agreement's deadlines in working days (its assistance_investigation clause). */
  agreement?: { accept_days: number; answer_days: number } | undefined;
  /** For a one-window application: the working days left of its item's promised time limit (承诺时限). */
  timeLimitDays?: number | undefined;
  /** For a medical-assistance application: its rules' clocks in working days (notice_days: what is left of the notice on a return to it). */
  assistance?: { review_days: number; notice_days: number; objection_review_days: number; pay_days: number } | undefined;
}

function policyOf(f: DeadlineFacts): FilingPolicy {
  assertInvariant(f.policy, 'a filing deadline needs the insured place\'s filing policy');
  return f.policy;
}

/** An open state's clock: it sits on a queue until its deadline, a reminder before, escalation after. */
export interface Clock {
  /** The queue's name for the work waiting in this state. */
  task: string;
  workingDays: (f: DeadlineFacts) => number;
  /** The reminder goes out this many working days before the deadline. */
  remindBefore: number;
  /** Past the deadline the case escalates one level a day. */
  escalates: boolean;
}

export interface StateDef {
  zh: string;
  en: string;
  /** Only an open state has a clock; a case without one is closed. */
  clock?: Clock;
}

export interface MoveDef {
  move: string;
  /** null: the move that opens a case. */
  from: string | null;
  to: string;
  by: readonly Mover[];
}

export interface CaseKindDef {
  kind: CaseKind;
  zh: string;
  en: string;
  /** Whether cases of this kind exist yet. */
  inUse: boolean;
  /** The field a refusal names: the subject's number. */
  field: string;
  states: Readonly<Record<string, StateDef>>;
  moves: readonly MoveDef[];
  /** The status the subject's row shows for a state (a filing waiting for its commitment check is effective). */
  status: (state: string) => string;
  /** Today's words for a refused move, by move (falls back to a generic sentence). */
  refusal?: Readonly<Record<string, (status: string) => { zh: string; en: string }>>;
  /** What the person is told when a deadline nears. */
  reminder?: (number: string, due: IsoDate, task: string) => { title: { zh: string; en: string }; body: { zh: string; en: string } };
}

export const MOVE_NAMES: Record<string, { zh: string; en: string }> = {
  submit: { zh: '提交', en: 'submit' },
  approve: { zh: '审核通过', en: 'approve' },
  reject: { zh: '不予通过', en: 'reject' },
  revoke: { zh: '撤销', en: 'revoke' },
  change: { zh: '变更', en: 'change' },
  renew: { zh: '续期', en: 'renew' },
  escalate: { zh: '逾期督办', en: 'escalate' },
  commitment_verified: { zh: '承诺核查属实', en: 'verify the commitment' },
  commitment_failed: { zh: '承诺核查不实', en: 'fail the commitment' },
  accept: { zh: '受理', en: 'accept' },
  assign: { zh: '分派', en: 'assign' },
  reply: { zh: '回复', en: 'reply' },
  close: { zh: '办结', en: 'close' },
  // supervision cases (基金监管案件)
  first_review_pass: { zh: '初审通过', en: 'pass the first review' },
  second_review_pass: { zh: '复审通过', en: 'pass the second review' },
  return_to_first_review: { zh: '退回初审', en: 'return to the first review' },
  dismiss: { zh: '不予立案处理', en: 'dismiss' },
  appeal: { zh: '申诉', en: 'appeal' },
  waive_appeal: { zh: '放弃申诉', en: 'waive the appeal' },
  appeal_lapsed: { zh: '申诉期满', en: 'end the appeal window' },
  decide: { zh: '作出处理决定', en: 'decide' },
  lift_suspension: { zh: '解除暂停直接结算', en: 'lift the suspension' },
  // cross-region investigation requests (异地协查)
  refuse: { zh: '不予受理', en: 'refuse' },
  answer: { zh: '回复协查结果', en: 'answer' },
  return: { zh: '退回补充调查', en: 'return for more investigation' },
  confirm: { zh: '确认办结', en: 'confirm and close' },
  // one-window applications (一窗受理) and rating follow-ups (回访整改)
  complete: { zh: '办结', en: 'complete' },
  cancel: { zh: '撤回', en: 'cancel' },
  // medical assistance (医疗救助)
  object: { zh: '提出异议', en: 'object' },
  uphold_objection: { zh: '异议成立', en: 'uphold the objection' },
  dismiss_objection: { zh: '异议不成立', en: 'dismiss the objection' },
  end_notice: { zh: '公示期满', en: 'end the public notice' },
  pay: { zh: '支付救助金', en: 'pay' },
};

/** Recognition reviews take five working days (today's constant, not a policy field). */
export const RECOGNITION_REVIEW_DAYS = 5;

const APPLICANT_OR_DESK: readonly Mover[] = ['applicant', 'clerk'];
const STAFF: readonly Mover[] = ['clerk', 'reviewer'];
const ESCALATORS: readonly Mover[] = ['supervisor', 'system'];

const FILING_REVIEW: CaseKindDef = {
  kind: 'filing_review',
  zh: '异地就医备案',
  en: 'filing for care elsewhere',
  inUse: true,
  field: 'filing_no',
  states: {
    pending_review: {
      zh: '待审核', en: 'waiting for review',
      clock: { task: 'review', workingDays: (f) => reviewWorkingDays(f.home, f.dest ?? f.home, policyOf(f)), remindBefore: 1, escalates: true },
    },
    // 告知承诺: effective at once, the promised documents checked later.
    commitment_check: {
      zh: '承诺待核查', en: 'effective, commitment to check',
      clock: { task: 'commitment_check', workingDays: (f) => policyOf(f).commitmentCheckDays, remindBefore: 5, escalates: false },
    },
    effective: { zh: '已生效', en: 'effective' },
    rejected: { zh: '未通过', en: 'rejected' },
    revoked: { zh: '已撤销', en: 'revoked' },
    superseded: { zh: '已变更', en: 'superseded' },
  },
  moves: [
    { move: 'submit', from: null, to: 'pending_review', by: APPLICANT_OR_DESK },
    // the one-stop filing: a referral or emergency filed by the hospital is effective at once
    { move: 'submit', from: null, to: 'effective', by: ['hospital'] },
    { move: 'submit', from: null, to: 'commitment_check', by: ['applicant', 'clerk', 'hospital'] },
    { move: 'approve', from: 'pending_review', to: 'effective', by: STAFF },
    { move: 'reject', from: 'pending_review', to: 'rejected', by: STAFF },
    { move: 'escalate', from: 'pending_review', to: 'pending_review', by: ESCALATORS },
    { move: 'commitment_verified', from: 'commitment_check', to: 'effective', by: STAFF },
    { move: 'commitment_failed', from: 'commitment_check', to: 'revoked', by: STAFF },
    // a check that comes after the filing ended records its result and moves nothing
    { move: 'commitment_verified', from: 'revoked', to: 'revoked', by: STAFF },
    { move: 'commitment_failed', from: 'revoked', to: 'revoked', by: STAFF },
    { move: 'commitment_verified', from: 'superseded', to: 'superseded', by: STAFF },
    { move: 'commitment_failed', from: 'superseded', to: 'superseded', by: STAFF },
    ...(['pending_review', 'effective', 'commitment_check'] as const).flatMap((from): MoveDef[] => [
      { move: 'revoke', from, to: 'revoked', by: ['applicant', 'clerk', 'reviewer', 'hospital'] },
      { move: 'change', from, to: 'superseded', by: ['applicant', 'clerk', 'reviewer'] },
    ]),
  ],
  status: (state) => (state === 'commitment_check' ? 'effective' : state),
  refusal: {
    approve: (s) => ({ zh: `备案状态为 ${s}，无需审核`, en: `the filing is ${s}, not waiting for review` }),
    reject: (s) => ({ zh: `备案状态为 ${s}，无需审核`, en: `the filing is ${s}, not waiting for review` }),
    revoke: (s) => ({ zh: `备案状态为 ${s}，不能撤销`, en: `a ${s} filing cannot be revoked` }),
    // as checkChangeAllowed (filing-rules.ts) words it, which the change use case asks first
    change: (s) => ({ zh: `备案状态为${s in FILING_STATUSES ? FILING_STATUSES[s as FilingStatus].zh : s}，不能变更`, en: `a ${s} filing cannot change` }),
    commitment_verified: () => ({ zh: '该备案无待核查的承诺', en: 'the filing has no commitment waiting for a check' }),
    commitment_failed: () => ({ zh: '该备案无待核查的承诺', en: 'the filing has no commitment waiting for a check' }),
  },
  reminder: (no, due, task) => task === 'commitment_check'
    ? { title: { zh: '告知承诺事项即将核查', en: 'Commitment check due soon' }, body: { zh: `备案 ${no} 的承诺事项将于 ${due} 前核查，请备齐材料。`, en: `Filing ${no}: the commitment is checked by ${due}; have the documents ready.` } }
    : { title: { zh: '异地就医备案审核即将到期', en: 'Filing review due soon' }, body: { zh: `备案 ${no} 将于 ${due} 前完成审核。`, en: `Filing ${no} will be reviewed by ${due}.` } },
};

const RECOGNITION_REVIEW: CaseKindDef = {
  kind: 'recognition_review',
  zh: '门诊慢特病认定',
  en: 'chronic-disease recognition',
  inUse: true,
  field: 'recognition_no',
  states: {
    pending_review: {
      zh: '待审核', en: 'waiting for review',
      clock: { task: 'review', workingDays: () => RECOGNITION_REVIEW_DAYS, remindBefore: 1, escalates: true },
    },
    recognised: { zh: '已认定', en: 'recognised' },
    rejected: { zh: '未通过', en: 'rejected' },
    revoked: { zh: '已撤销', en: 'revoked' },
  },
  moves: [
    { move: 'submit', from: null, to: 'pending_review', by: APPLICANT_OR_DESK },
    // the designated hospital's identification (2503) is the review
    { move: 'submit', from: null, to: 'recognised', by: ['hospital'] },
    { move: 'approve', from: 'pending_review', to: 'recognised', by: ['reviewer'] },
    { move: 'reject', from: 'pending_review', to: 'rejected', by: ['reviewer'] },
    { move: 'escalate', from: 'pending_review', to: 'pending_review', by: ESCALATORS },
    // a renewal opens the next recognition's case; the old one records it and stays recognised
    { move: 'renew', from: 'recognised', to: 'recognised', by: ['applicant', 'clerk', 'reviewer', 'hospital'] },
    { move: 'revoke', from: 'pending_review', to: 'revoked', by: ['reviewer', 'hospital'] },
    { move: 'revoke', from: 'recognised', to: 'revoked', by: ['reviewer', 'hospital'] },
  ],
  status: (state) => state,
  refusal: {
    approve: (s) => ({ zh: `认定状态为 ${s}，无需审核`, en: `the recognition is ${s}, not waiting for review` }),
    reject: (s) => ({ zh: `认定状态为 ${s}，无需审核`, en: `the recognition is ${s}, not waiting for review` }),
    revoke: (s) => ({ zh: `认定状态为 ${s}，不能撤销`, en: `a ${s} recognition cannot be revoked` }),
    renew: () => ({ zh: '只有已认定的病种可以续期', en: 'only a recognised disease can be renewed' }),
  },
  reminder: (no, due) => ({
    title: { zh: '门诊慢特病认定审核即将到期', en: 'Recognition review due soon' },
    body: { zh: `认定申请 ${no} 将于 ${due} 前完成审核。`, en: `Application ${no} will be reviewed by ${due}.` },
  }),
};

/** Working days a supervision case may wait in each step (today's constants, not a policy field). */
export const SUPERVISION_DAYS = { opened: 5, first_review: 10, second_review: 10, appeal: 5, investigation: 30, decided: 20 } as const;

/** The institution's appeal window (申诉期): working days on the institution's region's calendar from the second review. */
export const SUPERVISION_APPEAL_DAYS = SUPERVISION_DAYS.appeal;

const SUPERVISION_STATES = {
  opened: { zh: '已立案待初审', en: 'opened, waiting for the first review' },
  first_review: { zh: '初审中', en: 'in first review' },
  second_review: { zh: '复审中', en: 'in second review' },
  appeal: { zh: '申诉期', en: 'in the appeal window' },
  investigation: { zh: '调查中', en: 'under investigation' },
  decided: { zh: '已作出处理决定', en: 'decided' },
  closed: { zh: '已办结', en: 'closed' },
} as const;
const supervisionState = (s: string): { zh: string; en: string } => SUPERVISION_STATES[s as keyof typeof SUPERVISION_STATES] ?? { zh: s, en: s };

// 基金监管案件: findings of the rules (or a report) opened as one case against one institution,
// reviewed twice, open to the institution's appeal within a window of working days,
// investigated and decided (no violation, a warning, a recovery, a penalty, a suspension of
// direct settlement), then closed. The reviewers and the supervisor move it; the institution
// only appeals or waives its appeal; the system may end an appeal window that has passed.
const SUPERVISION: CaseKindDef = {
  kind: 'supervision',
  zh: '基金监管案件',
  en: 'supervision case',
  inUse: true,
  field: 'case_no',
  states: {
    opened: { ...SUPERVISION_STATES.opened, clock: { task: 'assign', workingDays: () => SUPERVISION_DAYS.opened, remindBefore: 1, escalates: true } },
    first_review: { ...SUPERVISION_STATES.first_review, clock: { task: 'first_review', workingDays: () => SUPERVISION_DAYS.first_review, remindBefore: 2, escalates: true } },
    second_review: { ...SUPERVISION_STATES.second_review, clock: { task: 'second_review', workingDays: () => SUPERVISION_DAYS.second_review, remindBefore: 2, escalates: true } },
    // the institution's deadline, not the staff's: it does not escalate
    appeal: { ...SUPERVISION_STATES.appeal, clock: { task: 'appeal', workingDays: () => SUPERVISION_APPEAL_DAYS, remindBefore: 1, escalates: false } },
    investigation: { ...SUPERVISION_STATES.investigation, clock: { task: 'investigate', workingDays: () => SUPERVISION_DAYS.investigation, remindBefore: 5, escalates: true } },
    // a decision is carried out (the recovery posted at once, the suspension running) and then closed
    decided: { ...SUPERVISION_STATES.decided, clock: { task: 'close', workingDays: () => SUPERVISION_DAYS.decided, remindBefore: 2, escalates: true } },
    closed: SUPERVISION_STATES.closed,
  },
  moves: [
    { move: 'submit', from: null, to: 'opened', by: ['system', 'reviewer', 'supervisor'] },
    { move: 'assign', from: 'opened', to: 'first_review', by: ['supervisor'] },
    { move: 'dismiss', from: 'opened', to: 'closed', by: ['supervisor'] },
    { move: 'first_review_pass', from: 'first_review', to: 'second_review', by: ['reviewer'] },
    { move: 'dismiss', from: 'first_review', to: 'closed', by: ['reviewer'] },
    { move: 'second_review_pass', from: 'second_review', to: 'appeal', by: ['supervisor'] },
    { move: 'return_to_first_review', from: 'second_review', to: 'first_review', by: ['supervisor'] },
    { move: 'dismiss', from: 'second_review', to: 'closed', by: ['supervisor'] },
    { move: 'appeal', from: 'appeal', to: 'investigation', by: ['hospital'] },
    { move: 'waive_appeal', from: 'appeal', to: 'investigation', by: ['hospital'] },
    { move: 'appeal_lapsed', from: 'appeal', to: 'investigation', by: ['supervisor', 'system'] },
    { move: 'decide', from: 'investigation', to: 'decided', by: ['supervisor'] },
    { move: 'close', from: 'decided', to: 'closed', by: ['supervisor'] },
    { move: 'lift_suspension', from: 'decided', to: 'decided', by: ['supervisor'] },
    { move: 'lift_suspension', from: 'closed', to: 'closed', by: ['supervisor'] },
    ...(['opened', 'first_review', 'second_review', 'investigation', 'decided'] as const).map((from): MoveDef => ({ move: 'escalate', from, to: from, by: ESCALATORS })),
  ],
  status: (state) => state,
  refusal: {
    decide: (s) => (s === 'opened' || s === 'first_review' || s === 'second_review'
      ? { zh: `案件${supervisionState(s).zh}，尚未完成初审和复审，不能作出处理决定`, en: `the case is ${supervisionState(s).en}: it has not passed both reviews and cannot be decided` }
      : s === 'appeal'
        ? { zh: '案件在申诉期内，申诉期结束并调查后方可作出处理决定', en: 'the case is in the appeal window: it is decided after the window ends and the investigation' }
        : { zh: `案件${supervisionState(s).zh}，不能再作出处理决定`, en: `the case is ${supervisionState(s).en} and cannot be decided again` }),
    appeal: (s) => ({ zh: `案件${supervisionState(s).zh}，不在申诉期，不能申诉`, en: `the case is ${supervisionState(s).en}, not in its appeal window: no appeal is taken` }),
    waive_appeal: (s) => ({ zh: `案件${supervisionState(s).zh}，不在申诉期`, en: `the case is ${supervisionState(s).en}, not in its appeal window` }),
    appeal_lapsed: (s) => ({ zh: `案件${supervisionState(s).zh}，不在申诉期`, en: `the case is ${supervisionState(s).en}, not in its appeal window` }),
    lift_suspension: (s) => ({ zh: `案件${supervisionState(s).zh}，尚无处理决定，无暂停可解除`, en: `the case is ${supervisionState(s).en}: it has no decision and no suspension to lift` }),
  },
};

/**
 * Working days of a 协查 request when its agreement's clause does not say (accept_days,
 * answer_days), and the requester's days to confirm or return an answer (not an agreement term).
 */
export const INVESTIGATION_DAYS = { accept: 5, answer: 30, confirm: 10 } as const;

/** Which side of a 协查 request makes a move: the insured place asks, the treatment place answers. */
export type InvestigationSide = 'requesting' | 'answering';
export const INVESTIGATION_SIDES: Readonly<Record<string, InvestigationSide>> = {
  submit: 'requesting', accept: 'answering', refuse: 'answering', answer: 'answering', return: 'requesting', confirm: 'requesting',
};
/** The side whose turn it is in an open state: its bureau gets the reminders and escalations. */
export const INVESTIGATION_ACTING_SIDE: Readonly<Record<string, InvestigationSide>> = { requested: 'answering', accepted: 'answering', answered: 'requesting' };

const INVESTIGATION_STATES = {
  requested: { zh: '待受理', en: 'waiting to be accepted' },
  accepted: { zh: '调查中', en: 'under investigation' },
  answered: { zh: '已回复', en: 'answered' },
  closed: { zh: '已办结', en: 'closed' },
  refused: { zh: '不予受理', en: 'refused' },
} as const;
const invState = (s: string): { zh: string; en: string } => INVESTIGATION_STATES[s as keyof typeof INVESTIGATION_STATES] ?? { zh: s, en: s };

// 异地就医协查: the insured place's supervisors ask the treatment place's to investigate their
// insured person's visits there; the treatment place accepts (or refuses, with its reason)
// within the agreement's days, investigates and answers by its deadline; the asking side
// confirms the answer (closed) or returns it as incomplete. Both sides move as supervisors;
// which side may make which move is INVESTIGATION_SIDES, checked by the use case against the
// request's own regions.
const INVESTIGATION: CaseKindDef = {
  kind: 'investigation_request',
  zh: '异地协查',
  en: 'cross-region investigation request',
  inUse: true,
  field: 'case_no',
  states: {
    requested: { ...INVESTIGATION_STATES.requested, clock: { task: 'accept', workingDays: (f) => f.agreement?.accept_days ?? INVESTIGATION_DAYS.accept, remindBefore: 1, escalates: true } },
    accepted: { ...INVESTIGATION_STATES.accepted, clock: { task: 'answer', workingDays: (f) => f.agreement?.answer_days ?? INVESTIGATION_DAYS.answer, remindBefore: 3, escalates: true } },
    answered: { ...INVESTIGATION_STATES.answered, clock: { task: 'confirm', workingDays: () => INVESTIGATION_DAYS.confirm, remindBefore: 2, escalates: true } },
    closed: INVESTIGATION_STATES.closed,
    refused: INVESTIGATION_STATES.refused,
  },
  moves: [
    { move: 'submit', from: null, to: 'requested', by: ['supervisor'] },
    { move: 'accept', from: 'requested', to: 'accepted', by: ['supervisor'] },
    { move: 'refuse', from: 'requested', to: 'refused', by: ['supervisor'] },
    { move: 'answer', from: 'accepted', to: 'answered', by: ['supervisor'] },
    { move: 'return', from: 'answered', to: 'accepted', by: ['supervisor'] },
    { move: 'confirm', from: 'answered', to: 'closed', by: ['supervisor'] },
    ...(['requested', 'accepted', 'answered'] as const).map((from): MoveDef => ({ move: 'escalate', from, to: from, by: ESCALATORS })),
  ],
  status: (state) => state,
  refusal: {
    accept: (s) => ({ zh: `协查请求${invState(s).zh}，不能受理`, en: `the request is ${invState(s).en}: it cannot be accepted` }),
    refuse: (s) => ({ zh: `协查请求${invState(s).zh}，不能不予受理`, en: `the request is ${invState(s).en}: it cannot be refused` }),
    answer: (s) => ({ zh: `协查请求${invState(s).zh}，须受理后方可回复`, en: `the request is ${invState(s).en}: it is answered once accepted and investigated` }),
    return: (s) => ({ zh: `协查请求${invState(s).zh}，没有待确认的回复可退回`, en: `the request is ${invState(s).en}: there is no answer to return` }),
    confirm: (s) => ({ zh: `协查请求${invState(s).zh}，没有待确认的回复`, en: `the request is ${invState(s).en}: there is no answer to confirm` }),
  },
};

// ---- medical assistance (医疗救助, issue 16) -------------------------------------------------

function assistanceClocks(f: DeadlineFacts): NonNullable<DeadlineFacts['assistance']> {
  assertInvariant(f.assistance, 'a medical-assistance deadline needs its rules\' clocks');
  return f.assistance;
}

const ASSISTANCE_STATES = {
  proposed: { zh: '系统建议（待确认）', en: 'proposed by the re-assistance scan' },
  pending_review: { zh: '待审核', en: 'waiting for review' },
  public_notice: { zh: '公示中', en: 'in public notice' },
  objection_review: { zh: '异议复核中', en: 'objection under review' },
  approved: { zh: '已批准待支付', en: 'approved, to be paid' },
  paid: { zh: '已支付', en: 'paid' },
  rejected: { zh: '未通过', en: 'rejected' },
  dismissed: { zh: '不予立项', en: 'dismissed' },
} as const;
const assistanceState = (s: string): { zh: string; en: string } => ASSISTANCE_STATES[s as keyof typeof ASSISTANCE_STATES] ?? { zh: s, en: s };

// 医疗救助申请: applied for online, at a window or by a consenting grid worker (or proposed by
// the re-assistance scan and confirmed by staff), reviewed (the amount computed from the stored
// settlements), published (公示) for the rules' notice days, during which an objection stops
// it for review (upheld: rejected; dismissed: back to the notice, or on to payment when the
// notice is over), then paid once from the assistance fund. The whole path has its own due
// date (the rules' total_days, 10 working days) kept on the application.
const MEDICAL_ASSISTANCE: CaseKindDef = {
  kind: 'medical_assistance',
  zh: '医疗救助申请',
  en: 'medical-assistance application',
  inUse: true,
  field: 'application_no',
  states: {
    proposed: { ...ASSISTANCE_STATES.proposed, clock: { task: 'confirm', workingDays: (f) => assistanceClocks(f).review_days, remindBefore: 1, escalates: true } },
    pending_review: { ...ASSISTANCE_STATES.pending_review, clock: { task: 'review', workingDays: (f) => assistanceClocks(f).review_days, remindBefore: 1, escalates: true } },
    // the notice is a waiting period for the public, not the staff's work: it does not escalate
    public_notice: { ...ASSISTANCE_STATES.public_notice, clock: { task: 'notice', workingDays: (f) => assistanceClocks(f).notice_days, remindBefore: 1, escalates: false } },
    objection_review: { ...ASSISTANCE_STATES.objection_review, clock: { task: 'objection_review', workingDays: (f) => assistanceClocks(f).objection_review_days, remindBefore: 1, escalates: true } },
    approved: { ...ASSISTANCE_STATES.approved, clock: { task: 'pay', workingDays: (f) => assistanceClocks(f).pay_days, remindBefore: 1, escalates: true } },
    paid: ASSISTANCE_STATES.paid,
    rejected: ASSISTANCE_STATES.rejected,
    dismissed: ASSISTANCE_STATES.dismissed,
  },
  moves: [
    { move: 'submit', from: null, to: 'pending_review', by: APPLICANT_OR_DESK },
    { move: 'submit', from: null, to: 'proposed', by: ['system', 'reviewer', 'clerk'] },
    { move: 'confirm', from: 'proposed', to: 'pending_review', by: STAFF },
    { move: 'dismiss', from: 'proposed', to: 'dismissed', by: STAFF },
    { move: 'approve', from: 'pending_review', to: 'public_notice', by: ['reviewer'] },
    { move: 'reject', from: 'pending_review', to: 'rejected', by: ['reviewer'] },
    { move: 'object', from: 'public_notice', to: 'objection_review', by: ['clerk', 'reviewer', 'supervisor'] },
    { move: 'uphold_objection', from: 'objection_review', to: 'rejected', by: ['reviewer', 'supervisor'] },
    { move: 'dismiss_objection', from: 'objection_review', to: 'public_notice', by: ['reviewer', 'supervisor'] },
    { move: 'dismiss_objection', from: 'objection_review', to: 'approved', by: ['reviewer', 'supervisor'] },
    { move: 'end_notice', from: 'public_notice', to: 'approved', by: ['system', 'clerk', 'reviewer'] },
    { move: 'pay', from: 'approved', to: 'paid', by: ['system', 'clerk', 'reviewer'] },
    ...(['proposed', 'pending_review', 'objection_review', 'approved'] as const).map((from): MoveDef => ({ move: 'escalate', from, to: from, by: ESCALATORS })),
  ],
  status: (state) => state,
  refusal: {
    approve: (s) => ({ zh: `救助申请${assistanceState(s).zh}，不在待审核状态`, en: `the application is ${assistanceState(s).en}, not waiting for review` }),
    reject: (s) => ({ zh: `救助申请${assistanceState(s).zh}，不在待审核状态`, en: `the application is ${assistanceState(s).en}, not waiting for review` }),
    object: (s) => ({ zh: `救助申请${assistanceState(s).zh}，不在公示期，不能提出异议`, en: `the application is ${assistanceState(s).en}, not in its public notice: no objection is taken` }),
    pay: (s) => ({ zh: `救助申请${assistanceState(s).zh}，不能支付（须公示期满且无未决异议）`, en: `the application is ${assistanceState(s).en}: it is paid only once approved after a notice without an open objection` }),
    end_notice: (s) => ({ zh: `救助申请${assistanceState(s).zh}，不在公示期`, en: `the application is ${assistanceState(s).en}, not in its public notice` }),
    confirm: (s) => ({ zh: `救助申请${assistanceState(s).zh}，不是待确认的系统建议`, en: `the application is ${assistanceState(s).en}, not a proposal to confirm` }),
    dismiss: (s) => ({ zh: `救助申请${assistanceState(s).zh}，不是待确认的系统建议`, en: `the application is ${assistanceState(s).en}, not a proposal to dismiss` }),
    uphold_objection: (s) => ({ zh: `救助申请${assistanceState(s).zh}，没有待复核的异议`, en: `the application is ${assistanceState(s).en}: no objection is under review` }),
    dismiss_objection: (s) => ({ zh: `救助申请${assistanceState(s).zh}，没有待复核的异议`, en: `the application is ${assistanceState(s).en}: no objection is under review` }),
  },
  reminder: (no, due, task) => ({
    title: { zh: '医疗救助申请办理提醒', en: 'Medical-assistance application' },
    body: { zh: `救助申请 ${no} 的${task === 'notice' ? '公示' : '办理'}将于 ${due} 前完成。`, en: `Application ${no}: the ${task === 'notice' ? 'public notice ends' : 'step is due'} by ${due}.` },
  }),
};

// ---- one-window applications and rating follow-ups (issue 16) ----

const ONE_WINDOW_STATES = {
  received: { zh: '已受理待办理', en: 'received' },
  in_process: { zh: '办理中', en: 'in process' },
  completed: { zh: '已办结', en: 'completed' },
  refused: { zh: '不予办理', en: 'refused' },
  cancelled: { zh: '已撤回', en: 'cancelled' },
} as const;
const owState = (s: string): { zh: string; en: string } => ONE_WINDOW_STATES[s as keyof typeof ONE_WINDOW_STATES] ?? { zh: s, en: s };

/** The promise's days: the item's time limit on entering, what is left of it later (never a new promise). */
const timeLimit = (f: DeadlineFacts): number => {
  assertInvariant(f.timeLimitDays !== undefined, 'a one-window deadline needs the item\'s time limit');
  return f.timeLimitDays;
};

// 一窗受理 → 办理 → 办结: an application of a service item, received online, at a window or by a
// grid worker's proxy, handled and completed (or refused with reasons) within the item's
// promised working days; the applicant may withdraw it before it ends. It never skips a state:
// completing needs it in process. The system moves it when its linked review case (a filing,
// a recognition) is opened or closes. Escalations go to the handling region's staff inbox,
// reminders to the person.
const ONE_WINDOW: CaseKindDef = {
  kind: 'one_window',
  zh: '一窗受理申请',
  en: 'one-window application',
  inUse: true,
  field: 'application_no',
  states: {
    received: { ...ONE_WINDOW_STATES.received, clock: { task: 'accept', workingDays: timeLimit, remindBefore: 1, escalates: true } },
    in_process: { ...ONE_WINDOW_STATES.in_process, clock: { task: 'complete', workingDays: timeLimit, remindBefore: 1, escalates: true } },
    completed: ONE_WINDOW_STATES.completed,
    refused: ONE_WINDOW_STATES.refused,
    cancelled: ONE_WINDOW_STATES.cancelled,
  },
  moves: [
    { move: 'submit', from: null, to: 'received', by: APPLICANT_OR_DESK },
    { move: 'accept', from: 'received', to: 'in_process', by: ['clerk', 'reviewer', 'system'] },
    { move: 'refuse', from: 'received', to: 'refused', by: ['clerk', 'reviewer', 'system'] },
    { move: 'complete', from: 'in_process', to: 'completed', by: ['clerk', 'reviewer', 'system'] },
    { move: 'refuse', from: 'in_process', to: 'refused', by: ['clerk', 'reviewer', 'system'] },
    { move: 'cancel', from: 'received', to: 'cancelled', by: APPLICANT_OR_DESK },
    { move: 'cancel', from: 'in_process', to: 'cancelled', by: APPLICANT_OR_DESK },
    { move: 'escalate', from: 'received', to: 'received', by: ESCALATORS },
    { move: 'escalate', from: 'in_process', to: 'in_process', by: ESCALATORS },
  ],
  status: (state) => state,
  refusal: {
    accept: (s) => ({ zh: `申请${owState(s).zh}，不能再受理`, en: `the application is ${owState(s).en}: it cannot be accepted` }),
    complete: (s) => (s === 'received'
      ? { zh: '申请尚未进入办理，不能直接办结（受理 → 办理 → 办结）', en: 'the application is not in process yet: it cannot be completed from received' }
      : { zh: `申请${owState(s).zh}，不能办结`, en: `the application is ${owState(s).en}: it cannot be completed` }),
    refuse: (s) => ({ zh: `申请${owState(s).zh}，不能不予办理`, en: `the application is ${owState(s).en}: it cannot be refused` }),
    cancel: (s) => ({ zh: `申请${owState(s).zh}，不能撤回`, en: `the application is ${owState(s).en}: it cannot be cancelled` }),
  },
  reminder: (no, due) => ({
    title: { zh: '您的办事申请即将到期', en: 'Your application is due soon' },
    body: { zh: `申请 ${no} 承诺于 ${due} 前办结。`, en: `Application ${no} is promised by ${due}.` },
  }),
};

/** Working days staff have to answer a poor rating (回访整改时限). */
export const RATING_FOLLOW_UP_DAYS = 5;

// 差评回访整改: a poor rating opens a follow-up the handling region's staff answer (what was put
// right) within RATING_FOLLOW_UP_DAYS working days; reminded and escalated in the staff inbox.
const RATING_FOLLOW_UP: CaseKindDef = {
  kind: 'rating_follow_up',
  zh: '差评回访整改',
  en: 'rating follow-up',
  inUse: true,
  field: 'follow_up_no',
  states: {
    open: { zh: '待回访整改', en: 'waiting for the follow-up', clock: { task: 'answer', workingDays: () => RATING_FOLLOW_UP_DAYS, remindBefore: 1, escalates: true } },
    answered: { zh: '已回访办结', en: 'answered' },
  },
  moves: [
    { move: 'submit', from: null, to: 'open', by: ['system'] },
    { move: 'answer', from: 'open', to: 'answered', by: ['clerk', 'reviewer', 'supervisor'] },
    { move: 'escalate', from: 'open', to: 'open', by: ESCALATORS },
  ],
  status: (state) => state,
  refusal: { answer: () => ({ zh: '该回访已答复', en: 'the follow-up is answered already' }) },
};

export const CASE_MACHINE: Readonly<Record<CaseKind, CaseKindDef>> = Object.fromEntries(
  [FILING_REVIEW, RECOGNITION_REVIEW, SUPERVISION, INVESTIGATION, ONE_WINDOW, MEDICAL_ASSISTANCE, RATING_FOLLOW_UP].map((d) => [d.kind, d]),
) as Record<CaseKind, CaseKindDef>;

const BY_ROLE: Readonly<Record<string, readonly Mover[]>> = {
  clerk: ['clerk'],
  reviewer: ['reviewer'],
  supervisor: ['supervisor'],
  finance: [],
  grid_worker: ['applicant'],
};
const ANY_DESK: readonly Mover[] = ['clerk', 'reviewer', 'supervisor'];

/**
 * Who an actor moves as. Staff move by role (an administrator at any desk); staff whose role
 * the caller did not say (the demo, the CLI, a filer recorded at the window) may move as any desk.
 */
export function moversOf(actor: { type: string; role?: string | undefined }): readonly Mover[] {
  if (actor.type === 'person' || actor.type === 'agent' || actor.type === 'grid_worker') return ['applicant'];
  if (actor.type === 'hospital') return ['hospital'];
  if (actor.type === 'system') return ['system'];
  if (actor.type === 'staff') return (actor.role === undefined ? undefined : BY_ROLE[actor.role]) ?? ANY_DESK;
  return [];
}

function refusal(def: CaseKindDef, state: string | null, move: string): YibaoError {
  const status = state === null ? 'new' : def.status(state);
  const words = def.refusal?.[move]?.(status);
  if (words) return conflict(def.field, words.zh, words.en);
  const stateWords = state === null ? { zh: '新建', en: 'new' } : def.states[state] ?? { zh: state, en: state };
  const moveWords = MOVE_NAMES[move] ?? { zh: move, en: move };
  return conflict(def.field, `${def.zh}状态为${stateWords.zh}，不能${moveWords.zh}`, `a ${def.en} that is ${stateWords.en} cannot ${moveWords.en}`);
}

/**
 * The move a case may make: from its state by this move (to the state named, when the move
 * has several), by one who may make it. Refused with 409 naming the subject's number, or 403
 * when the state allows the move but not for this mover.
 */
export function planMove(kind: CaseKind, from: string | null, move: string, actor: { type: string; role?: string | undefined }, to?: string): MoveDef {
  const def = CASE_MACHINE[kind];
  const candidates = def.moves.filter((m) => m.move === move && m.from === from && (to === undefined || m.to === to));
  if (candidates.length === 0) throw refusal(def, from, move);
  const movers = moversOf(actor);
  const allowed = candidates.find((m) => m.by.some((b) => movers.includes(b)));
  if (!allowed) {
    const who = movers.map((m) => MOVERS[m]);
    const moveWords = MOVE_NAMES[move] ?? { zh: move, en: move };
    throw forbidden(
      def.field,
      `${who.map((w) => w.zh).join('、') || '该用户'}不能${moveWords.zh}${def.zh}（可由${candidates[0]!.by.map((b) => MOVERS[b].zh).join('、')}办理）`,
      `${who.map((w) => w.en).join(' or ') || 'this user'} may not ${moveWords.en} a ${def.en} (${candidates[0]!.by.map((b) => MOVERS[b].en).join(', ')} may)`,
    );
  }
  return allowed;
}

export function clockOf(kind: CaseKind, state: string): Clock | undefined {
  return CASE_MACHINE[kind].states[state]?.clock;
}

/** The open states of kinds, the queue's filter. */
export function openStates(kinds: readonly CaseKind[]): string[] {
  return [...new Set(kinds.flatMap((k) => Object.entries(CASE_MACHINE[k].states).filter(([, s]) => s.clock).map(([name]) => name)))];
}

/** The working day `n` working days before `due` (never before `from`). */
export function workingDaysBefore(cal: WorkingCalendar, due: IsoDate, n: number, from: IsoDate): IsoDate {
  let day = due;
  for (let left = n; left > 0 && day > from; ) {
    day = addDays(day, -1);
    if (isWorkingDay(cal, day)) left--;
  }
  return day < from ? from : day;
}

/** A state's deadline and reminder day for a case entering it on `today`, or null for a closed state. */
export function deadlineOf(kind: CaseKind, state: string, cal: WorkingCalendar, today: IsoDate, facts: DeadlineFacts): { due: IsoDate; remindOn: IsoDate } | null {
  const clock = clockOf(kind, state);
  if (!clock) return null;
  const due = addWorkingDays(cal, today, clock.workingDays(facts));
  return { due, remindOn: workingDaysBefore(cal, due, clock.remindBefore, today) };
}

/** Overdue: the deadline has passed (the due day itself is still on time). */
export function isOverdue(due: IsoDate | null, asOf: IsoDate): boolean {
  return due !== null && asOf > due;
}
