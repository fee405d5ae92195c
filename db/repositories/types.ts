import type { CallEventInput, CenterRow, AuditRow, ConditionResult, DomainRecord } from '../../machines/records.types';
import type { CallInfo, Expert, FundingRequest } from '../../machines/domain';

/**
 * What the repositories return: camelCase, JSON parsed, booleans real booleans. Where the workflow hands a
 * shape to an activity, the stored row comes back in that same shape, so an auditor can compare them directly.
 */
type RecordOf<K extends DomainRecord['kind']> = Omit<Extract<DomainRecord, { kind: K }>, 'kind'>;

export type CenterRecord = CenterRow & { lastSeq: number };

export type CallRecord = CallInfo & {
  status: 'open' | 'closed';
  approvedCount: number;
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
};

export type CallEventRecord = CallEventInput;

export type AuditRecord = AuditRow & { id: number };

export type ApplicationRecord = RecordOf<'application'>;

export type EligibilityRecord = ConditionResult & { centerId: string; version: number; checkedAt: string };

/** One row per assigned expert (the expertAssignment record fans out into these). */
export interface AssignmentRecord {
  centerId: string;
  stage: string;
  expert: Expert;
  assignedAt: string;
  assignedBy: string;
}

export type ReviewRecord = RecordOf<'review'>;

export type DecisionRecord = RecordOf<'decision'>;

export interface CenterFilter {
  /** Exact state, or a parent state: 'application' matches 'application.inReview'. */
  state?: string;
  callId?: string;
  universityId?: string;
}

// ── the build cycle (Art. 6, 12–19) ─────────────────────────────────────────────────────────────────────────────

export type CycleRecord = RecordOf<'cycle'>;

type FundingStatus = 'pending' | Extract<DomainRecord, { kind: 'fundingDecision' }>['status'];

/** A funding request as stored, with its decision (null fields while pending). */
export interface FundingRequestRecord {
  centerId: string;
  requestId: string;
  cycle: number;
  year: number;
  kind: FundingRequest['kind'];
  title: string;
  amountFen: number;
  request: FundingRequest;
  status: FundingStatus;
  grantedFen: number | null;
  reason: string | null;
  requestedAt: string;
  requestedBy: string;
  decidedAt: string | null;
  decidedBy: string | null;
  /** The audit seq of the last transition that moved the request. */
  updatedSeq: number;
}

export interface FundingFilter {
  cycle?: number;
  year?: number;
}

/** Art. 16: one grant, as the money was committed. */
export interface LedgerRecord {
  centerId: string;
  cycle: number;
  year: number;
  requestId: string;
  kind: FundingRequest['kind'];
  amountFen: number;
  grantedAt: string;
  grantedBy: string;
}

/** The money granted to a center, per cycle, year and kind of project. */
export interface LedgerTotal {
  cycle: number;
  year: number;
  kind: FundingRequest['kind'];
  totalFen: number;
  grants: number;
}

export type AnnualSummaryRecord = RecordOf<'annualSummary'> & { updatedSeq: number };

export type NotificationRecord = RecordOf<'notification'> & { status: 'pending' | 'delivered'; deliveredAt: string | null };

export interface NotificationFilter {
  centerId?: string;
  status?: 'pending' | 'delivered';
}

export type EvaluationRecord = RecordOf<'evaluation'> & { updatedSeq: number };

export type EvaluationReviewRecord = RecordOf<'evaluationReview'>;

export type IncidentRecord = RecordOf<'integrityIncident'>;

// ── after a grade (Art. 19) ─────────────────────────────────────────────────────────────────────────────────────

/** Art. 19: a public notice of an unqualified grade. */
export type NoticeRecord = RecordOf<'notice'>;

export interface NoticeFilter {
  centerId?: string;
}

/** Art. 19: a rectification as it stands, extensions parsed. */
export type RectificationRecord = RecordOf<'rectification'> & { updatedSeq: number };

/** Art. 19: support stopped, with the reason and the date. */
export type SupportStopRecord = RecordOf<'supportStopped'>;
