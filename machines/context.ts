/**
 * The center's context: what the statechart remembers. Each stage owns the shape of its part (funding.ts,
 * summaries.ts, …); this file puts them together with the deadlines, which every stage arms and fires.
 */
import { named, refuse, when, type EventMeta } from './core';
import type { Application, CallInfo, Director, Expert, Review, StaffMember } from './domain';
import type { Policy } from './policy';
import type { ConditionResult } from './records.types';
import type { DeadlineKind, DeadlineStatus, Tier, WaitingStep } from './vocabulary';
import type { Decision } from './stages/application';
import type { FundingEntry } from './stages/funding';
import type { SummaryEntry } from './stages/summaries';
import type { EvaluationEntry, GradedEvaluation } from './stages/evaluation';
import type { Notice, Rectification, SupportStopped } from './stages/rectification';
import type { IncidentEntry } from './stages/organisation';
import type { ReserveEntry } from './stages/reserve';
import type { FinalAccountsEntry, SpendingEntry } from './stages/accounts';

export interface Deadline {
  /** Stable key: firing the same key twice has no second effect (SPEC §3 "Time"). */
  key: string;
  kind: DeadlineKind;
  dueAt: string;
  status: DeadlineStatus;
  firedAt: string | null;
  cycle: number;
  /** The build year the deadline belongs to (0 when none). */
  year: number;
  /** A step deadline (stepReminder, stepDue): the step, and whom it waits for (stages/deadlines.ts). */
  wait?: StepWait;
}

/** Art. 9, 18, 19: what a step deadline waits for. */
export interface StepWait {
  step: WaitingStep;
  /** What the step belongs to: "application", an evaluation id, or a notice id. */
  scope: string;
  /** The expert who owes the review, for a review; null when the step is a party's as a whole. */
  party: string | null;
  armedAt: string;
  /** Set on a deadline the commission moved: from which deadline, why, by whom, when. */
  extended?: { from: string; fromDueAt: string; reason: string; by: string; at: string };
}

export interface CallView extends CallInfo {
  approvedCount: number;
  closedEarlyAt: string | null;
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
  tier: Tier | null;
  cycleStartAt: string | null;
  /** Build years of the current cycle that have ended (0..cycleYears). */
  yearsEnded: number;
  funding: FundingEntry[];
  summaries: SummaryEntry[];
  evaluation: EvaluationEntry | null;
  /** Graded evaluations, newest last (kept small: id, kind, grade, score). */
  evaluations: GradedEvaluation[];
  incidents: IncidentEntry[];
  /** Op. 4(4), Art. 15: the results reserve and patent pool. */
  reserve: ReserveEntry[];
  /** Art. 16: the spending recorded against the grants' budget lines, and the grants' final accounts. */
  spending: SpendingEntry[];
  finalAccounts: FinalAccountsEntry[];
  rectification: Rectification | null;
  notices: Notice[];
  supportStopped: SupportStopped | null;
  /** Art. 6, 8(7): the director and staff as last recorded (from the application, then by recorded changes). */
  director: Director | null;
  staff: StaffMember[];
  organisationChanges: number;
  deadlines: Deadline[];
  /** The version of the statechart the center runs (machines/versions.ts); absent before versions existed: 1. */
  machineVersion?: number;
}

export interface CenterInput {
  policy: Policy;
  centerId: string;
  workflowId: string;
  universityId: string;
  call: CallView;
  /** The version of the statechart the center starts with (machines/versions.ts); default the newest. */
  machineVersion?: number;
}

// ---- Deadlines (SPEC §3 "Time") ----

export const deadline = (key: string, kind: DeadlineKind, dueAt: string, cycle: number, year: number): Deadline => ({
  key,
  kind,
  dueAt,
  status: 'pending',
  firedAt: null,
  cycle,
  year,
});
export const pendingDeadline = (ctx: CenterContext, key: string): Deadline | undefined =>
  ctx.deadlines.find((d) => d.key === key && d.status === 'pending');
/** Timers fire on time; a clock a moment behind is tolerated, but a scheduler cannot fire a deadline early. */
const EARLY_TOLERANCE_MS = 1000;
/** A deadline fires only once it is due — except the call window, which the commission may close early (Art. 7). */
export const isDue = (ctx: CenterContext, d: Deadline, at: string): boolean =>
  Date.parse(at) + EARLY_TOLERANCE_MS >= Date.parse(d.dueAt) || (d.kind === 'callWindow' && ctx.call.closedEarlyAt !== null);
/** The pending deadline with this key, if it is due at `at`. */
export const dueDeadline = (ctx: CenterContext, key: string, at: string): Deadline | undefined => {
  const d = pendingDeadline(ctx, key);
  return d && isDue(ctx, d, at) ? d : undefined;
};
export const markFired = (deadlines: Deadline[], key: string, at: string): Deadline[] =>
  deadlines.map((d) => (d.key === key && d.status === 'pending' ? { ...d, status: 'fired', firedAt: at } : d));
export const cancelPending = (deadlines: Deadline[], test: (d: Deadline) => boolean): Deadline[] =>
  deadlines.map((d) => (d.status === 'pending' && test(d) ? { ...d, status: 'cancelled' } : d));
/**
 * The pending deadlines due at `at`, earliest first (ties by key): the order a center applies them in when a timer
 * wakes it, whatever order its timers' firings reach it in (workflows/center.ts, `deadlines-in-due-order`).
 */
export const dueInOrder = (ctx: CenterContext, at: string): Deadline[] =>
  ctx.deadlines
    .filter((d) => d.status === 'pending' && isDue(ctx, d, at))
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
/** The earliest pending deadline, for the read model and the NextDeadline search attribute. */
export function earliestPending(deadlines: readonly Deadline[]): Deadline | null {
  const pending = deadlines.filter((d) => d.status === 'pending');
  return pending.length === 0 ? null : pending.reduce((a, b) => (Date.parse(b.dueAt) < Date.parse(a.dueAt) ? b : a));
}

/** A durable timer of the workflow, or a scheduler, fired the deadline with this key. */
export interface DeadlineEvent {
  type: 'DEADLINE_REACHED';
  key: string;
  meta: EventMeta;
}
/** The call's workflow reports its quota, approvals and early closing (not a transition: never audited). */
export interface CallStatusEvent {
  type: 'CALL_STATUS';
  quota: number;
  approvedCount: number;
  closedEarlyAt: string | null;
  meta: EventMeta;
}
/** The pending, due deadline an event fires, when it is of this kind. */
export const firedDeadline = (ctx: CenterContext, event: DeadlineEvent, kind: DeadlineKind): Deadline | undefined => {
  const d = dueDeadline(ctx, event.key, event.meta.at);
  return d?.kind === kind ? d : undefined;
};
const always = () => true;
/** The parameterised guard of every deadline transition: a due deadline of this kind (and, optionally, more). */
export const deadlineIs = (kind: DeadlineKind, also: (ctx: CenterContext, d: Deadline) => boolean = always) =>
  when<DeadlineEvent>(
    named(also === always ? `${kind} due` : `${kind} due and ${also.name || 'more'}`, (ctx, event) => {
      const d = firedDeadline(ctx, event, kind);
      return d && also(ctx, d) ? null : refuse('not-allowed-in-state', `${event.key} is not a due ${kind} deadline here`);
    }),
  );
/** Any pending deadline that is due: recorded as fired even where no state reacts, so it is never armed again. */
export const anyDueDeadline = when<DeadlineEvent>(
  named('any deadline due', (ctx, event) => (dueDeadline(ctx, event.key, event.meta.at) ? null : refuse('not-allowed-in-state', `no pending deadline ${event.key} is due`))),
);
export const markDeadlineFired = (ctx: CenterContext, event: DeadlineEvent): Partial<CenterContext> => ({
  deadlines: markFired(ctx.deadlines, event.key, event.meta.at),
});
