/**
 * The rules of the lifecycle as pure functions of the context: the statechart's guards and the command checks
 * (machines/authorize.ts) both call these, so a refusal and a guard can never disagree.
 */
import type { Expert } from './domain';
import { gradeFor, panelScore } from './evaluation';
import type { CenterContext, Deadline, EvaluationEntry, FundingEntry, SummaryEntry } from './types';

export const callWindowKey = (callId: string) => `callWindow:${callId}`;
export const yearEndKey = (cycle: number, year: number) => `c${cycle}:year${year}:end`;
export const summaryReminderKey = (cycle: number, year: number) => `c${cycle}:summary${year}:reminder`;
export const summaryDueKey = (cycle: number, year: number) => `c${cycle}:summary${year}:due`;
export const rectificationKey = (noticeId: string) => `${noticeId}:rectification`;

// ---- Application stage (Art. 7–9) ----

/** Art. 7–8: the call accepts submissions and amendments while its window is open. */
export const isCallOpen = (ctx: CenterContext, at: string): boolean => {
  const t = Date.parse(at);
  const window = ctx.deadlines.find((d) => d.key === callWindowKey(ctx.call.callId));
  return (
    t >= Date.parse(ctx.call.opensAt) &&
    t < Date.parse(ctx.call.closesAt) &&
    ctx.call.closedEarlyAt === null &&
    (!window || window.status === 'pending')
  );
};
/** Art. 9 (and Art. 18 for evaluations): experts from the center's own university may not review it. */
export const conflictedExperts = (ctx: CenterContext, experts: readonly Expert[]): Expert[] =>
  experts.filter((e) => e.orgId === ctx.universityId);
export const enoughExperts = (ctx: CenterContext, experts: readonly Expert[]): boolean =>
  new Set(experts.map((e) => e.id)).size >= ctx.policy.minExpertsPerReview;
export const isAssignedExpert = (ctx: CenterContext, expertId: string): boolean => ctx.experts.some((e) => e.id === expertId);
export const hasReviewed = (ctx: CenterContext, expertId: string): boolean => expertId in ctx.reviews;
/** Art. 9: approvals within the call's quota (the commission may raise it). */
export const isWithinQuota = (ctx: CenterContext): boolean => ctx.call.approvedCount < ctx.call.quota;

// ---- Deadlines ----

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

// ---- Funding (Art. 13–16, 19) ----

/** Art. 19: while rectifying (and being re-evaluated), support is suspended. */
export const isSupportSuspended = (ctx: CenterContext): boolean => ctx.rectification !== null;
/** Funding is requested for the year under way; none after the cycle's last year has ended. */
export const currentYear = (ctx: CenterContext): number | null =>
  ctx.cycle > 0 && ctx.yearsEnded < ctx.policy.cycleYears ? ctx.yearsEnded + 1 : null;
export const findRequest = (ctx: CenterContext, requestId: string): FundingEntry | undefined =>
  ctx.funding.find((f) => f.requestId === requestId);
export const nextRequestId = (ctx: CenterContext, year: number): string =>
  `c${ctx.cycle}-y${year}-f${ctx.funding.filter((f) => f.cycle === ctx.cycle && f.year === year).length + 1}`;

// ---- Annual summaries (Art. 18) ----

export const findSummary = (ctx: CenterContext, ref: { cycle?: number; year: number }): SummaryEntry | undefined =>
  ctx.summaries.find((s) => s.cycle === (ref.cycle ?? ctx.cycle) && s.year === ref.year);
export const awaitsSubmission = (s: SummaryEntry | undefined): boolean => !!s && (s.status === 'open' || s.status === 'returned');

// ---- Evaluations (Art. 17–19) ----

export const isEvaluationExpert = (ev: EvaluationEntry | null, expertId: string): boolean => !!ev && ev.experts.some((e) => e.id === expertId);
export const hasEvaluated = (ev: EvaluationEntry | null, expertId: string): boolean => !!ev && expertId in ev.reviews;
export const completesEvaluationReviews = (ev: EvaluationEntry | null, expertId: string): boolean =>
  !!ev && ev.experts.every((e) => e.id === expertId || e.id in ev.reviews);

/** Art. 17–18: the grade the scores give, before any override. */
export function computedAssessment(ctx: CenterContext): { score: number | null; grade: ReturnType<typeof gradeFor> | null } {
  const ev = ctx.evaluation;
  const score = ev ? panelScore(Object.values(ev.reviews), ctx.policy) : null;
  return { score, grade: score === null ? null : gradeFor(score, ctx.policy) };
}

/** Why an assessment cannot be recorded, or null. The commission overrides only with a written reason. */
export function assessmentProblem(ctx: CenterContext, grade: string | undefined, reason: string | undefined): string | null {
  const computed = computedAssessment(ctx);
  if (computed.grade === null) return 'no expert scores to assess';
  const final = grade ?? computed.grade;
  const hasReason = !!reason && reason.trim().length >= 3;
  if (final !== computed.grade && !hasReason) {
    return `overriding the computed grade "${computed.grade}" (score ${computed.score}) with "${final}" needs a written reason (Art. 18)`;
  }
  if (final === 'unqualified' && !hasReason) {
    return 'an unqualified grade is published in a notice with its reasons (Art. 19): give a reason';
  }
  return null;
}

/** The evaluation the current state is waiting for, once the mid-term and the cycle's end come due. */
export const isAcceptanceDue = (ctx: CenterContext): boolean =>
  ctx.cycle > 0 &&
  ctx.yearsEnded >= ctx.policy.cycleYears &&
  !ctx.evaluations.some((e) => e.cycle === ctx.cycle && (e.kind === 'acceptance' || (e.kind === 'reEvaluation' && ctx.rectification?.repeats === 'acceptance')));

/** Art. 8(7): full-time staff with a tech-transfer, IP, law or finance background. */
export const qualifiedStaffCount = (staff: readonly { fullTime: boolean; background: string }[]): number =>
  staff.filter((s) => s.fullTime && ['techTransfer', 'ip', 'law', 'finance'].includes(s.background)).length;

export const canExtendRectification = (ctx: CenterContext): boolean =>
  !!ctx.rectification && ctx.rectification.extensions.length < ctx.policy.maxRectificationExtensions;
