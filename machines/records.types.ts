import type { SummaryEntry } from './stages/summaries';
import type { FinalAccountsEntry, GrantLine, SpendingEntry } from './stages/accounts';
import type { EvaluationEntry } from './stages/evaluation';
import type { CallEventKind, EvaluationKind, NotificationNotice, NotificationRecipient, ResultKind, ResultStatus, TransferMode } from './vocabulary';
import type { EvidenceCommand, EvidenceOwnerKind, EvidenceRef } from './evidence';
import type { Actor, Application, CallInfo, DimensionScores, Director, Expert, FundingRequest, Grade, IntegrityIncident, Review, StaffMember } from './domain';

/**
 * What one transition asks the database to hold. The workflow hands these to the `persistTransition`
 * activity, which writes them and the audit row in one transaction, idempotently (SPEC §3 "Idempotency").
 */
export interface ConditionResult {
  /** 1..7, Art. 8(1)–(7). */
  condition: number;
  key: string;
  passed: boolean;
  /** Why it failed (empty when passed). */
  reason: string;
}

export type DomainRecord =
  | { kind: 'application'; centerId: string; callId: string; universityId: string; version: number; application: Application; submittedAt: string }
  | { kind: 'eligibility'; centerId: string; version: number; results: ConditionResult[]; checkedAt: string }
  | { kind: 'expertAssignment'; centerId: string; stage: string; experts: Expert[]; assignedAt: string; assignedBy: string }
  | { kind: 'review'; centerId: string; stage: string; expertId: string; review: Review; submittedAt: string }
  | { kind: 'decision'; centerId: string; outcome: 'approved' | 'rejected'; reason: string; decidedAt: string; decidedBy: string }
  /** A build cycle began (Art. 6, 19): cycle 1 on approval, the next after an acceptance that passed. */
  | { kind: 'cycle'; centerId: string; cycle: number; tier: 'A' | 'B' | null; startedAt: string; endsAt: string }
  /** Art. 13–16: a funding request and, later, its decision (the ledger row is written on a grant). */
  | { kind: 'fundingRequest'; centerId: string; requestId: string; cycle: number; year: number; request: FundingRequest; requestedAt: string; requestedBy: string }
  | {
      kind: 'fundingDecision';
      centerId: string;
      requestId: string;
      cycle: number;
      year: number;
      fundingKind: FundingRequest['kind'];
      /** `held` while support is suspended (Art. 19), `pending` again when it resumes. */
      status: 'pending' | 'granted' | 'declined' | 'cancelled' | 'held';
      grantedFen: number | null;
      reason: string | null;
      decidedAt: string;
      decidedBy: string;
    }
  /** Art. 18: the annual summary of one year, upserted as it moves (open, submitted, returned, accepted, overdue). */
  | ({ kind: 'annualSummary'; centerId: string } & Omit<SummaryEntry, 'reminders'>)
  /** Reminders, overdue flags and escalations: an outbox row each, delivered later, never dropped (Art. 18). */
  | {
      kind: 'notification';
      centerId: string;
      key: string;
      recipientRole: NotificationRecipient;
      /** The one person it is for, where the role is not enough: the expert who owes a review (Art. 9, 18). */
      recipientId?: string | null;
      notice: NotificationNotice;
      subject: string;
      dueAt: string;
      createdAt: string;
    }
  /** Art. 17–18: one evaluation (mid-term, acceptance), upserted at each step. */
  | ({ kind: 'evaluation'; centerId: string; evaluationKind: EvaluationKind; step: string } & Omit<EvaluationEntry, 'experts' | 'reviews' | 'kind' | 'repeats'>)
  /** Art. 18: an expert's scores on the five dimensions in an evaluation (stage = the evaluation id). */
  | { kind: 'evaluationReview'; centerId: string; stage: string; expertId: string; scores: DimensionScores; weightedScore: number; opinion: string; submittedAt: string }
  /** Art. 12 */
  | { kind: 'integrityIncident'; centerId: string; incidentId: string; incident: IntegrityIncident; recordedAt: string; recordedBy: string }
  /** Art. 19: the public notice of an unqualified grade; anyone may list notices. */
  | { kind: 'notice'; centerId: string; noticeId: string; evaluationId: string; grade: Grade; reasons: string; publishedAt: string }
  /** Art. 19: the rectification a notice opens, upserted as it moves (extended, reported, closed). */
  | {
      kind: 'rectification';
      centerId: string;
      noticeId: string;
      status: 'open' | 'reported' | 'passed' | 'failed' | 'lapsed';
      dueAt: string;
      extensions: { from: string; to: string; reason: string; at: string; by: string }[];
      report: string | null;
      reportSubmittedAt: string | null;
      closedAt: string | null;
    }
  /** Art. 6, 8(7): a director or staff change, with the date it takes effect. */
  | {
      kind: 'organisationChange';
      centerId: string;
      changeId: string;
      change: 'director' | 'staff';
      details: Director | StaffMember[];
      effectiveOn: string;
      reason: string;
      /** Art. 8(7): fewer qualified full-time staff than the policy minimum after this change. */
      belowStaffMinimum: boolean;
      recordedAt: string;
      recordedBy: string;
    }
  /** Op. 4(4), Art. 15: a result of the reserve, upserted as it moves (in reserve, under transfer, transferred). */
  | {
      kind: 'reserveResult';
      centerId: string;
      resultId: string;
      resultKind: ResultKind;
      title: string;
      identifier: string | null;
      valueFen: number;
      status: ResultStatus;
      requestId: string | null;
      transferMode: TransferMode | null;
      transferredOn: string | null;
      counterparty: string | null;
      contractAmountFen: number | null;
      recordedAt: string;
      recordedBy: string;
      updatedAt: string;
    }
  /** Art. 16: the budget lines of a grant, written with the decision that grants it. */
  | { kind: 'budgetLines'; centerId: string; requestId: string; cycle: number; year: number; lines: GrantLine[]; grantedAt: string }
  /** Art. 16: money spent from a grant against one of its lines. */
  | ({ kind: 'spending'; centerId: string } & SpendingEntry)
  /** Art. 16: a grant's final accounts, upserted as they move (submitted, returned, accepted). */
  | ({ kind: 'finalAccounts'; centerId: string } & FinalAccountsEntry)
  /** Art. 19: support stopped — the center's record is closed with the reason and the date. */
  | { kind: 'supportStopped'; centerId: string; reason: string; stoppedAt: string }
  /** Evidence files (machines/evidence.ts): the files a command carried, by hash, and the record they belong to. */
  | { kind: 'evidence'; centerId: string; ownerKind: EvidenceOwnerKind; ownerKey: string; command: EvidenceCommand; commandId: string | null; files: EvidenceRef[]; attachedAt: string; attachedBy: string };

/** The center's row in the read model (SPEC §1: the database is the read model for lists and reports). */
export interface CenterRow {
  centerId: string;
  workflowId: string;
  universityId: string;
  callId: string;
  state: string;
  cycle: number;
  tier: 'A' | 'B' | null;
  nameZh: string | null;
  nameEn: string | null;
  establishedAt: string | null;
  nextDeadlineAt: string | null;
  updatedAt: string;
}

/** SPEC §3 "Audit": one row per transition. */
export interface AuditRow {
  centerId: string;
  cycle: number;
  seq: number;
  fromState: string;
  event: string;
  toState: string;
  actor: Actor;
  commandId: string | null;
  at: string;
}

export interface PersistTransitionInput {
  audit: AuditRow;
  center: CenterRow;
  records: DomainRecord[];
}

export interface CallEventInput {
  callId: string;
  seq: number;
  kind: CallEventKind;
  call: CallInfo & { status: 'open' | 'closed'; approvedCount: number };
  reason: string | null;
  actor: Actor;
  commandId: string | null;
  at: string;
}
