import type {
  AnnualSummary,
  Application,
  CallInfo,
  Director,
  StaffMember,
  DimensionScores,
  Expert,
  FundingRequest,
  Grade,
  IntegrityIncident,
  Review,
} from './domain';
import type { EventMeta } from './commands';
import type { Policy } from './policy';
import type { ConditionResult } from './records.types';

export type DeadlineKind = 'callWindow' | 'yearEnd' | 'summaryReminder' | 'summaryDue' | 'rectification';

export interface Deadline {
  /** Stable key: firing the same key twice has no second effect (SPEC §3 "Time"). */
  key: string;
  kind: DeadlineKind;
  dueAt: string;
  status: 'pending' | 'fired' | 'cancelled';
  firedAt: string | null;
  cycle: number;
  /** The build year the deadline belongs to (0 when none). */
  year: number;
}

export interface CallView extends CallInfo {
  approvedCount: number;
  closedEarlyAt: string | null;
}

export interface Decision {
  outcome: 'approved' | 'rejected';
  reason: string;
  at: string;
  by: string;
}

/** Art. 13–16: one funding request and what became of it. */
export interface FundingEntry {
  requestId: string;
  cycle: number;
  year: number;
  request: FundingRequest;
  /** `held` while support is suspended for rectification (Art. 19). */
  status: 'pending' | 'held' | 'granted' | 'declined' | 'cancelled';
  grantedFen: number | null;
  reason: string | null;
  requestedAt: string;
  requestedBy: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

/** Art. 18: the annual summary of one build year. */
export interface SummaryEntry {
  cycle: number;
  year: number;
  status: 'open' | 'submitted' | 'returned' | 'accepted';
  openedAt: string;
  dueAt: string;
  summary: AnnualSummary | null;
  submittedAt: string | null;
  submissions: number;
  overdue: boolean;
  reminders: number;
  returnReason: string | null;
  acceptedAt: string | null;
}

export type EvaluationKind = 'midTerm' | 'acceptance' | 'reEvaluation';

/** Art. 17–18: the evaluation sub-process, one definition for mid-term, acceptance and re-evaluation. */
export interface EvaluationEntry {
  evaluationId: string;
  kind: EvaluationKind;
  /** For a re-evaluation (Art. 19): the evaluation it repeats. */
  repeats: 'midTerm' | 'acceptance' | null;
  cycle: number;
  startedAt: string;
  selfEvaluation: { scores: DimensionScores; report: string; submittedAt: string } | null;
  inspection: { inspectedOn: string; inspectors: string[]; findings: string; recordedAt: string } | null;
  experts: Expert[];
  reviews: Record<string, { scores: DimensionScores; opinion: string; weightedScore: number; submittedAt: string }>;
  score: number | null;
  computedGrade: Grade | null;
  grade: Grade | null;
  overrideReason: string | null;
  gradedAt: string | null;
  gradedBy: string | null;
}

export interface IncidentEntry {
  incidentId: string;
  incident: IntegrityIncident;
  recordedAt: string;
  recordedBy: string;
}

/** Art. 19: the notice of an unqualified grade, and the rectification it opens. */
export interface Rectification {
  noticeId: string;
  evaluationId: string;
  /** What is being rectified: the failed mid-term or acceptance. */
  repeats: 'midTerm' | 'acceptance';
  grade: Grade;
  reasons: string;
  publishedAt: string;
  deadlineKey: string;
  dueAt: string;
  extensions: { from: string; to: string; reason: string; at: string; by: string }[];
  reportSubmittedAt: string | null;
  report: string | null;
}

export interface SupportStopped {
  reason: string;
  at: string;
}

export interface CenterContext {
  policy: Policy;
  centerId: string;
  workflowId: string;
  universityId: string;
  call: CallView;
  application: Application | null;
  applicationVersion: number;
  eligibility: ConditionResult[] | null;
  experts: Expert[];
  reviews: Record<string, Review & { submittedAt: string }>;
  decision: Decision | null;
  names: { zh: string; en: string } | null;
  establishedAt: string | null;
  cycle: number;
  tier: 'A' | 'B' | null;
  cycleStartAt: string | null;
  /** Build years of the current cycle that have ended (0..cycleYears). */
  yearsEnded: number;
  funding: FundingEntry[];
  summaries: SummaryEntry[];
  evaluation: EvaluationEntry | null;
  /** Graded evaluations, newest last (kept small: id, kind, grade, score). */
  evaluations: { evaluationId: string; kind: EvaluationKind; cycle: number; grade: Grade; score: number | null; gradedAt: string }[];
  incidents: IncidentEntry[];
  rectification: Rectification | null;
  notices: { noticeId: string; evaluationId: string; grade: Grade; reasons: string; publishedAt: string }[];
  supportStopped: SupportStopped | null;
  /** Art. 6, 8(7): the director and staff as last recorded (from the application, then by recorded changes). */
  director: Director | null;
  staff: StaffMember[];
  organisationChanges: number;
  deadlines: Deadline[];
}

export interface CenterInput {
  policy: Policy;
  centerId: string;
  workflowId: string;
  universityId: string;
  call: CallView;
}

type WithMeta<T> = T & { meta: EventMeta };
type SummaryRef = { cycle?: number; year: number };
export type CenterEvent =
  | WithMeta<{ type: 'SUBMIT_APPLICATION'; callId: string; application: Application }>
  | WithMeta<{ type: 'AMEND_APPLICATION'; application: Application }>
  | WithMeta<{ type: 'ASSIGN_EXPERTS'; experts: Expert[] }>
  | WithMeta<{ type: 'SUBMIT_REVIEW'; review: Review }>
  | WithMeta<{ type: 'APPROVE'; reason?: string }>
  | WithMeta<{ type: 'REJECT'; reason: string }>
  | WithMeta<{ type: 'REQUEST_FUNDING'; request: FundingRequest }>
  | WithMeta<{ type: 'GRANT_FUNDING'; requestId: string; amountFen: number; reason?: string }>
  | WithMeta<{ type: 'DECLINE_FUNDING'; requestId: string; reason: string }>
  | WithMeta<{ type: 'SUBMIT_SUMMARY'; summary: AnnualSummary } & SummaryRef>
  | WithMeta<{ type: 'ACCEPT_SUMMARY' } & SummaryRef>
  | WithMeta<{ type: 'RETURN_SUMMARY'; reason: string } & SummaryRef>
  | WithMeta<{ type: 'SUBMIT_SELF_EVALUATION'; scores: DimensionScores; report: string }>
  | WithMeta<{ type: 'RECORD_INSPECTION'; inspectedOn: string; inspectors: string[]; findings: string }>
  | WithMeta<{ type: 'ASSIGN_EVALUATION_EXPERTS'; experts: Expert[] }>
  | WithMeta<{ type: 'SUBMIT_EVALUATION_REVIEW'; scores: DimensionScores; opinion: string }>
  | WithMeta<{ type: 'ASSESS'; grade?: Grade; reason?: string; rectificationDays?: number }>
  | WithMeta<{ type: 'SUBMIT_RECTIFICATION'; report: string }>
  | WithMeta<{ type: 'EXTEND_RECTIFICATION'; days: number; reason: string }>
  | WithMeta<{ type: 'RECORD_INTEGRITY_INCIDENT'; incident: IntegrityIncident }>
  | WithMeta<{ type: 'RECORD_DIRECTOR_CHANGE'; director: Director; effectiveOn: string; reason: string }>
  | WithMeta<{ type: 'RECORD_STAFF_CHANGE'; staff: StaffMember[]; effectiveOn: string; reason: string }>
  /** A durable timer of the workflow, or a scheduler, fired the deadline with this key. */
  | WithMeta<{ type: 'DEADLINE_REACHED'; key: string }>
  /** The call's workflow reports its quota, approvals and early closing. */
  | WithMeta<{ type: 'CALL_STATUS'; quota: number; approvedCount: number; closedEarlyAt: string | null }>;

export type CenterEventType = CenterEvent['type'];
export type EventOf<T extends CenterEventType> = Extract<CenterEvent, { type: T }>;
