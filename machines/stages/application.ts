/**
 * The application stage (Art. 7–9, 20): a university applies to an open call, the seven conditions are checked
 * (Art. 8), an expert panel with no one from the applicant's university reviews it (Art. 9), and the commission
 * approves the best within the call's quota or rejects with a reason. Approval establishes and names the center
 * (Art. 20) and starts its first build cycle (Art. 6).
 */
import { z } from 'zod';
import { condition, defineCommands, effect, OptionalReason, refuse, when, type Rule, type Update } from '../core';
import { cancelPending, markDeadlineFired, deadlineIs, type CenterContext } from '../context';
import { ApplicationSchema, ExpertSchema, ReasonSchema, ReviewSchema, SlugSchema, type Expert } from '../domain';
import { evidenceField } from '../evidence';
import { checkEligibility, isEligible } from '../eligibility';
import { centerNames } from '../names';
import type { DecisionOutcome } from '../vocabulary';
import type { EventOf } from '../commands';
import { cycleDeadlines, cycleRecord } from './summaries';
import type { StateConfig } from '../center';
import { policyValue, type Policy } from '../policy';
import { panelOf, panelRecommendsReject, recordedReview, rubricMismatch } from './selection';

export interface Decision {
  outcome: DecisionOutcome;
  reason: string;
  at: string;
  by: string;
}

export const ExpertPanelSchema = z.object({ experts: z.array(ExpertSchema).min(1).max(20) }).strict();

export const applicationCommands = defineCommands({
  SUBMIT_APPLICATION: {
    stage: 'application',
    article: 'Art. 8',
    summary: "Submit a university's application to an open call (checked against Art. 8's seven conditions)",
    roles: ['university'],
    host: 'center',
    payload: z.object({ callId: SlugSchema, application: ApplicationSchema, ...evidenceField }).strict(),
    cli: {
      name: 'apply',
      target: 'none',
      file: { field: 'application', description: 'the application (see examples/application.json)' },
      options: { call: { field: 'callId', value: 'CALL', description: 'the call id', required: true } },
      details: "Starts the university's center workflow; the result says whether the application is eligible and, if not, why.",
      examples: ['centers apply --call call-2026 --file examples/application.json --as university:bjut-office@bjut'],
    },
  },
  AMEND_APPLICATION: {
    stage: 'application',
    article: 'Art. 8',
    summary: 'Amend an application (while the call is open, before review starts)',
    roles: ['university'],
    host: 'center',
    payload: z.object({ application: ApplicationSchema, ...evidenceField }).strict(),
    cli: {
      name: 'amend',
      target: 'center',
      file: { field: 'application', description: 'the amended application' },
      examples: ['centers amend bjut --file examples/application.json --as university:bjut-office@bjut'],
    },
  },
  ASSIGN_EXPERTS: {
    stage: 'application',
    article: 'Art. 9',
    summary: "Assign the review panel (no expert from the applicant's own university)",
    roles: ['commission'],
    host: 'center',
    payload: ExpertPanelSchema,
    cli: {
      name: 'assign-experts',
      target: 'center',
      file: { field: 'experts', description: 'the experts: [{ id, name, orgId }] or { "experts": [...] }' },
      examples: ['centers assign-experts bjut.call-2026 --file examples/experts.json'],
    },
  },
  SUBMIT_REVIEW: {
    stage: 'application',
    article: 'Art. 9',
    summary: "Submit an assigned expert's review (once per expert)",
    roles: ['expert'],
    host: 'center',
    payload: z.object({ review: ReviewSchema }).strict(),
    cli: {
      name: 'review',
      target: 'center',
      file: { field: 'review', description: 'the review: { scores: { <dimension>: 0–100, … } (the policy\'s applicationRubric) or score, recommendation: "approve"|"reject", opinion }' },
      details: "Art. 9: score each dimension of the commission's rubric (policy applicationRubric); the review's score is their weighted sum.",
      examples: ['centers review bjut --file examples/review-rubric.json --as expert:zhang-wei@pku', 'centers review bjut --file examples/review.json --as expert:liu-yang@tsinghua'],
    },
  },
  APPROVE: {
    stage: 'application',
    article: 'Art. 9, 20',
    summary: "Approve an application within the call's quota; the center is established and named (Art. 20)",
    roles: ['commission'],
    host: 'center',
    payload: z.object({ reason: OptionalReason }).strict(),
    cli: {
      name: 'approve',
      target: 'center',
      options: { reason: { field: 'reason', value: 'TEXT', description: 'why (recorded with the decision; required when most of the panel recommends rejecting)' } },
      examples: ['centers approve bjut --reason "Highest panel score"'],
    },
  },
  REJECT: {
    stage: 'application',
    article: 'Art. 9',
    summary: 'Reject an application, with a reason',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ reason: ReasonSchema }).strict(),
    cli: {
      name: 'reject',
      target: 'center',
      options: { reason: { field: 'reason', value: 'TEXT', description: 'why (recorded with the decision)', required: true } },
      examples: ['centers reject bjut --reason "The transfer record does not stand out"'],
    },
  },
});

// ---- Rules ----

type Submission = EventOf<'SUBMIT_APPLICATION' | 'AMEND_APPLICATION'>;

export const callWindowKey = (callId: string) => `callWindow:${callId}`;

/** Art. 7–8: the call accepts submissions and amendments while its window is open. */
export const isCallOpen = (ctx: CenterContext, at: string): boolean => {
  const t = Date.parse(at);
  const window = ctx.deadlines.find((d) => d.key === callWindowKey(ctx.call.callId));
  return t >= Date.parse(ctx.call.opensAt) && t < Date.parse(ctx.call.closesAt) && ctx.call.closedEarlyAt === null && (!window || window.status === 'pending');
};
const callOpen: Rule<Submission> = (ctx, event) =>
  isCallOpen(ctx, event.meta.at)
    ? null
    : refuse('deadline-passed', `The call "${ctx.call.callId}" is not open for applications (window ${ctx.call.opensAt} – ${ctx.call.closesAt}${ctx.call.closedEarlyAt ? `, closed early at ${ctx.call.closedEarlyAt}` : ''}).`);
/** An application is this center's own: its university, and (for a new one) this center's call. */
const ownApplication: Rule<Submission> = (ctx, event) => {
  if (event.application.universityId !== ctx.universityId) {
    return refuse('wrong-organisation', `The application names university "${event.application.universityId}", but this center belongs to "${ctx.universityId}".`);
  }
  if (event.type === 'SUBMIT_APPLICATION' && event.callId !== ctx.call.callId) {
    return refuse('not-allowed-in-state', `University "${ctx.universityId}" already has a live center workflow for call "${ctx.call.callId}"; a university has one at a time.`);
  }
  return null;
};

/** Art. 9 (and Art. 18 for evaluations): experts from the center's own university may not review it. */
export const conflictedExperts = (ctx: CenterContext, experts: readonly Expert[]): Expert[] => experts.filter((e) => e.orgId === ctx.universityId);
const noConflict: Rule<{ experts: Expert[] }> = (ctx, event) => {
  const conflicted = conflictedExperts(ctx, event.experts);
  return conflicted.length === 0
    ? null
    : refuse('conflict-of-interest', `Expert(s) ${conflicted.map((e) => e.id).join(', ')} belong to the center's own university "${ctx.universityId}" (Art. 9, 18).`);
};
const enoughExperts: Rule<{ experts: Expert[] }> = (ctx, event) => {
  const distinct = new Set(event.experts.map((e) => e.id)).size;
  return distinct >= ctx.policy.minExpertsPerReview ? null : refuse('invalid-input', `Assign at least ${ctx.policy.minExpertsPerReview} different experts (got ${distinct}).`);
};
/** Art. 9, 18: a panel — enough distinct experts, none from the center's university. Also the evaluation's. */
export const panelRules = [noConflict, enoughExperts] as const;

export const isAssignedExpert = (ctx: CenterContext, expertId: string): boolean => ctx.experts.some((e) => e.id === expertId);
export const hasReviewed = (ctx: CenterContext, expertId: string): boolean => expertId in ctx.reviews;
const assignedReviewer: Rule<EventOf<'SUBMIT_REVIEW'>> = (ctx, { meta }) =>
  isAssignedExpert(ctx, meta.actor.id) ? null : refuse('not-assigned', `Expert "${meta.actor.id}" is not assigned to review the application of "${ctx.universityId}".`);
const firstReview: Rule<EventOf<'SUBMIT_REVIEW'>> = (ctx, { meta }) =>
  hasReviewed(ctx, meta.actor.id) ? refuse('not-allowed-in-state', `Expert "${meta.actor.id}" has already submitted a review; each expert reviews once.`) : null;
/** Art. 9: dimension scores are given on exactly the dimensions of the commission's rubric. */
const rubricScores: Rule<EventOf<'SUBMIT_REVIEW'>> = (ctx, { review }) => {
  if (review.scores === undefined) return null;
  const { missing, unknown } = rubricMismatch(review.scores, policyValue(ctx.policy, 'applicationRubric'));
  if (missing.length === 0 && unknown.length === 0) return null;
  return refuse(
    'invalid-input',
    `The review's scores must cover the rubric's dimensions (${Object.keys(policyValue(ctx.policy, 'applicationRubric')).join(', ')})${missing.length ? `; missing: ${missing.join(', ')}` : ''}${unknown.length ? `; not in the rubric: ${unknown.join(', ')}` : ''}.`,
  );
};
const lastReview = condition<EventOf<'SUBMIT_REVIEW'>>('lastReview', (ctx, { meta }) => ctx.experts.every((e) => e.id === meta.actor.id || hasReviewed(ctx, e.id)));

/** Art. 9: approvals within the call's quota (the commission may raise it); the call's workflow counts. */
export const isWithinQuota = (ctx: CenterContext): boolean => ctx.call.approvedCount < ctx.call.quota;
const withinQuota: Rule<EventOf<'APPROVE'>> = (ctx) =>
  isWithinQuota(ctx) ? null : refuse('quota-exceeded', `The call "${ctx.call.callId}" has used its quota (${ctx.call.approvedCount} of ${ctx.call.quota} approved); the commission may raise it with a reason.`);

/** The panel's aggregate of the application's reviews: the mean score and its spread (Art. 9). */
export const applicationPanel = (ctx: CenterContext) => panelOf(Object.values(ctx.reviews));
/**
 * Art. 9 择优: approving an application most of whose panel recommends rejecting it departs from the review and
 * needs a written reason. Centers started before the rule carry a policy without it, and keep their rules.
 */
const approvalReason: Rule<EventOf<'APPROVE'>> = (ctx, event) => {
  if ((ctx.policy as Partial<Policy>).approvalAgainstPanelNeedsReason !== true) return null;
  const panel = applicationPanel(ctx);
  if (!panelRecommendsReject(panel)) return null;
  const min = policyValue(ctx.policy, 'minReasonLength');
  return (event.reason ?? '').trim().length >= min
    ? null
    : refuse('invalid-input', `${panel!.reject} of the ${panel!.reviews} experts recommend rejecting "${ctx.universityId}" (score ${panel!.score}): approving it needs a reason (--reason, at least ${min} characters; Art. 9).`);
};

const eligible = condition<unknown>('eligible', (ctx) => isEligible(ctx.eligibility));

// ---- Context updates ----

const recordApplication: Update<Submission> = (ctx, event) => ({
  application: event.application,
  director: event.application.director,
  staff: event.application.conditions.staff,
  applicationVersion: ctx.applicationVersion + 1,
  eligibility: checkEligibility(event.application, ctx.policy, ctx.call),
});

/** Art. 9, 20: approval establishes the center, names it, and starts cycle 1 on the approval date (Art. 6). */
const establish: Update<EventOf<'APPROVE'>> = (ctx, event) => {
  const at = event.meta.at;
  return {
    decision: { outcome: 'approved', reason: event.reason ?? '', at, by: event.meta.actor.id },
    names: centerNames(ctx.application!.universityNameZh, ctx.application!.universityNameEn),
    establishedAt: at,
    cycle: 1,
    cycleStartAt: at,
    yearsEnded: 0,
    call: { ...ctx.call, approvedCount: ctx.call.approvedCount + 1 },
    // The call's window no longer concerns an established center.
    deadlines: [...cancelPending(ctx.deadlines, (d) => d.kind === 'callWindow'), ...cycleDeadlines(ctx, 1, at)],
  };
};

export const applicationAssigners = {
  recordApplication: (ctx: CenterContext, event: Submission) => recordApplication(ctx, event),
  assignExperts: (_ctx: CenterContext, event: EventOf<'ASSIGN_EXPERTS'>): Partial<CenterContext> => ({ experts: event.experts, reviews: {} }),
  recordReview: (ctx: CenterContext, event: EventOf<'SUBMIT_REVIEW'>): Partial<CenterContext> => ({
    reviews: { ...ctx.reviews, [event.meta.actor.id]: { ...recordedReview(event.review, policyValue(ctx.policy, 'applicationRubric')), submittedAt: event.meta.at } },
  }),
  establish,
  reject: (_ctx: CenterContext, event: EventOf<'REJECT'>): Partial<CenterContext> => ({
    decision: { outcome: 'rejected', reason: event.reason, at: event.meta.at, by: event.meta.actor.id },
  }),
  markDeadlineFired,
  updateCallStatus: (ctx: CenterContext, event: EventOf<'CALL_STATUS'>): Partial<CenterContext> => ({
    call: { ...ctx.call, quota: event.quota, approvedCount: event.approvedCount, closedEarlyAt: event.closedEarlyAt },
  }),
};

// ---- Effects ----

const applicationRecords = effect<Submission>((ctx, event) => [
  { kind: 'application', centerId: ctx.centerId, callId: ctx.call.callId, universityId: ctx.universityId, version: ctx.applicationVersion, application: event.application, submittedAt: event.meta.at },
  { kind: 'eligibility', centerId: ctx.centerId, version: ctx.applicationVersion, results: ctx.eligibility ?? [], checkedAt: event.meta.at },
]);
/** Art. 9, 18: a panel assigned to a stage (the application, or an evaluation's id). */
export const panelRecord = (stage: (ctx: CenterContext) => string) =>
  effect<{ experts: Expert[]; meta: { at: string; actor: { id: string } } }>((ctx, event) => [
    { kind: 'expertAssignment', centerId: ctx.centerId, stage: stage(ctx), experts: event.experts, assignedAt: event.meta.at, assignedBy: event.meta.actor.id },
  ]);
/** The review's row: its score (computed from the dimension scores when given) and those scores. */
const reviewRecord = effect<EventOf<'SUBMIT_REVIEW'>>((ctx, event) => [
  { kind: 'review', centerId: ctx.centerId, stage: 'application', expertId: event.meta.actor.id, review: recordedReview(event.review, policyValue(ctx.policy, 'applicationRubric')), submittedAt: event.meta.at },
]);
const decisionRecord = effect<unknown>((ctx) => {
  const d = ctx.decision!;
  return [{ kind: 'decision', centerId: ctx.centerId, outcome: d.outcome, reason: d.reason, decidedAt: d.at, decidedBy: d.by }];
});

// ---- States ----

const submitted = { guard: when(ownApplication, callOpen), actions: ['recordApplication', applicationRecords] } as const;

export const applicationStates = {
  awaitingApplication: {
    on: {
      SUBMIT_APPLICATION: { guard: when(ownApplication, callOpen), target: 'application', actions: ['recordApplication', applicationRecords] },
      DEADLINE_REACHED: { guard: deadlineIs('callWindow'), target: 'closed.lapsed', actions: 'markDeadlineFired' },
    },
  },
  application: {
    initial: 'screening',
    states: {
      // Art. 8: the automatic check of the seven conditions.
      screening: { always: [{ guard: when(eligible), target: 'eligible' }, { target: 'ineligible' }] },
      ineligible: {
        on: {
          AMEND_APPLICATION: { ...submitted, target: 'screening' },
          DEADLINE_REACHED: { guard: deadlineIs('callWindow'), target: '#center.closed.ineligible', actions: 'markDeadlineFired' },
        },
      },
      eligible: {
        on: {
          AMEND_APPLICATION: { ...submitted, target: 'screening' },
          ASSIGN_EXPERTS: { guard: when(...panelRules), target: 'inReview', actions: ['assignExperts', panelRecord(() => 'application')] },
        },
      },
      // Art. 9: expert review; each assigned expert once.
      inReview: {
        on: {
          SUBMIT_REVIEW: [
            { guard: when(assignedReviewer, firstReview, rubricScores, lastReview), target: 'awaitingDecision', actions: ['recordReview', reviewRecord] },
            { guard: when(assignedReviewer, firstReview, rubricScores), actions: ['recordReview', reviewRecord] },
          ],
        },
      },
      // Art. 9: the commission approves the best, within the call's quota.
      awaitingDecision: {
        on: {
          APPROVE: { guard: when(approvalReason, withinQuota), target: '#center.building', actions: ['establish', decisionRecord, cycleRecord] },
          REJECT: { target: '#center.closed.rejected', actions: ['reject', decisionRecord] },
        },
      },
    },
  },
  closed: {
    initial: 'rejected',
    states: {
      ineligible: { type: 'final' },
      rejected: { type: 'final' },
      /** The call window passed with no application accepted. */
      lapsed: { type: 'final' },
    },
  },
} satisfies Record<string, StateConfig>;
