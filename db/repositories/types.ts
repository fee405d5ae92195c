/**
 * What the repositories return: camelCase, JSON parsed, booleans real booleans. Each record type is its table
 * schema's z.infer (db/schemas.ts); where the workflow hands a shape to an activity, the stored row comes back in
 * that same shape, so an auditor can compare them directly.
 */
export type {
  ApplicationRecord,
  AnnualSummaryRecord,
  AssignmentRecord,
  AuditRecord,
  CallEventRecord,
  CallRecord,
  CenterRecord,
  CycleRecord,
  DecisionRecord,
  EligibilityRecord,
  EvaluationRecord,
  EvaluationReviewRecord,
  FundingRequestRecord,
  IncidentRecord,
  LedgerRecord,
  LedgerTotal,
  NoticeRecord,
  NotificationRecord,
  OrganisationChangeRecord,
  ReserveResultRecord,
  BudgetLineRecord,
  SpendingRecord,
  FinalAccountsRecord,
  RectificationRecord,
  ReviewRecord,
  SupportStopRecord,
} from '../schemas';
import type { NotificationRecord } from '../schemas';

export interface CenterFilter {
  /** Exact state, or a parent state: 'application' matches 'application.inReview'. */
  state?: string;
  callId?: string;
  universityId?: string;
  cycle?: number;
  /** Centers whose next deadline falls in [from, to) (ISO times); a center without one never matches. */
  nextDeadlineFrom?: string;
  nextDeadlineTo?: string;
  /** Only these centers (an expert's assigned centers). */
  centerIds?: readonly string[];
}

export const CENTER_SORT_KEYS = ['centerId', 'state', 'universityId', 'callId', 'cycle', 'nextDeadlineAt', 'establishedAt', 'updatedAt'] as const;
export interface CenterPage {
  sort?: (typeof CENTER_SORT_KEYS)[number];
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface FundingFilter {
  cycle?: number;
  year?: number;
}

export interface NotificationFilter {
  centerId?: string;
  /** Every center of this university ("bjut" matches "bjut.call-2026"). */
  universityId?: string;
  status?: NotificationRecord['status'];
}

/** A center id, or a university id meaning all its centers, as the outbox filter. */
export const notificationFilter = (center: string | undefined, status?: NotificationFilter['status']): NotificationFilter => ({
  ...(center === undefined ? {} : center.includes('.') ? { centerId: center } : { universityId: center }),
  ...(status === undefined ? {} : { status }),
});

export interface NoticeFilter {
  centerId?: string;
}
