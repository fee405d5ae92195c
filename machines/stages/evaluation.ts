/**
 * The evaluations (Art. 17–18): the mid-term after two full build years, the acceptance at the end of the cycle,
 * and a re-evaluation after a rectification (Art. 19) all run one sub-process — self-evaluation (university),
 * on-site inspection (commission), an expert panel with no one from the center's university, each expert's scores
 * on the five key tasks (Art. 10–11), and the comprehensive assessment, graded excellent, qualified or unqualified
 * from the weighted scores (an override needs a written reason). What a grade leads to is Art. 19's: see `graded`.
 */
import { z } from 'zod';
import { condition, defineCommands, effect, LongText, OptionalReason, refuse, when, type Rule, type Update } from '../core';
import { evidenceField } from '../evidence';
import type { CenterContext, DeadlineEvent } from '../context';
import { DIMENSIONS, policyValue, type Policy } from '../policy';
import { DimensionScoresSchema, Expert, InspectionSchema, type DimensionScores } from '../domain';
import type { DomainRecord } from '../records.types';
import { Grade, type EvaluationKind, type RepeatedEvaluation, type Tier } from '../vocabulary';
import type { CenterEvent, EventOf } from '../commands';
import type { StateConfig } from '../center';
import { ExpertPanelSchema, panelRecord, panelRules } from './application';
import { yearEndActions } from './summaries';
import { deadlineIs } from '../context';

/** Art. 17–18: the evaluation sub-process, one definition for mid-term, acceptance and re-evaluation. */
export interface EvaluationEntry {
  evaluationId: string;
  kind: EvaluationKind;
  /** For a re-evaluation (Art. 19): the evaluation it repeats. */
  repeats: RepeatedEvaluation | null;
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
/** A graded evaluation, kept small in context: the rest is in the database. */
export interface GradedEvaluation {
  evaluationId: string;
  kind: EvaluationKind;
  cycle: number;
  grade: Grade;
  score: number | null;
  gradedAt: string;
}

const evaluationFile = (field: string | undefined, description: string) => ({ field, description });
export const evaluationCommands = defineCommands({
  SUBMIT_SELF_EVALUATION: {
    stage: 'evaluation',
    article: 'Art. 18',
    summary: "Submit the university's self-evaluation: scores on the five key tasks and a report",
    roles: ['university'],
    host: 'center',
    payload: z.object({ scores: DimensionScoresSchema, report: LongText, ...evidenceField }).strict(),
    cli: {
      name: 'evaluation self',
      target: 'center',
      file: evaluationFile(undefined, 'the self-evaluation: { scores, report }'),
      details:
        'Art. 18: an evaluation (mid-term after two years, acceptance at the end of the cycle, re-evaluation after a\n' +
        'rectification) runs four steps: self-evaluation, on-site inspection, expert review, comprehensive assessment.\n' +
        'Scores are 0–100 on the five key tasks of Art. 10–11 (the evaluation dimensions of Art. 17).',
      examples: ['centers evaluation self bjut --file examples/self-evaluation.json --as university:bjut-office@bjut'],
    },
  },
  RECORD_INSPECTION: {
    stage: 'evaluation',
    article: 'Art. 18',
    summary: 'Record the on-site inspection: date, inspectors, findings',
    roles: ['commission'],
    host: 'center',
    payload: InspectionSchema.extend(evidenceField),
    cli: {
      name: 'evaluation inspect',
      target: 'center',
      file: evaluationFile(undefined, 'the inspection: { inspectedOn: "YYYY-MM-DD", inspectors, findings }'),
      examples: ['centers evaluation inspect bjut --file examples/inspection.json'],
    },
  },
  ASSIGN_EVALUATION_EXPERTS: {
    stage: 'evaluation',
    article: 'Art. 18',
    summary: "Assign the evaluation's expert panel (no expert from the center's own university)",
    roles: ['commission'],
    host: 'center',
    payload: ExpertPanelSchema,
    cli: {
      name: 'evaluation assign-experts',
      target: 'center',
      file: evaluationFile('experts', 'the experts: [{ id, name, orgId }] or { "experts": [...] }'),
      examples: ['centers evaluation assign-experts bjut --file examples/experts.json'],
    },
  },
  SUBMIT_EVALUATION_REVIEW: {
    stage: 'evaluation',
    article: 'Art. 17–18',
    summary: "Submit an assigned expert's scores on the five key tasks and opinion (once per expert)",
    roles: ['expert'],
    host: 'center',
    payload: z.object({ scores: DimensionScoresSchema, opinion: LongText }).strict(),
    cli: {
      name: 'evaluation review',
      target: 'center',
      file: evaluationFile('review', 'the review: { scores, opinion } or { "review": ... }'),
      examples: ['centers evaluation review bjut --file examples/evaluation-review.json --as expert:zhang-wei@pku'],
    },
  },
  ASSESS: {
    stage: 'evaluation',
    article: 'Art. 17–19',
    summary: "Grade the evaluation from the experts' scores: excellent, qualified, unqualified (override with a reason)",
    roles: ['commission'],
    host: 'center',
    payload: z.object({ grade: Grade.optional(), reason: OptionalReason, rectificationDays: z.number().int().min(1).max(730).optional() }).strict(),
    cli: {
      name: 'evaluation assess',
      target: 'center',
      options: {
        grade: { field: 'grade', value: 'GRADE', description: "excellent, qualified or unqualified, to override the grade the experts' scores give" },
        reason: { field: 'reason', value: 'TEXT', description: 'why (required to override the computed grade, and for an unqualified grade: it is published in the notice)' },
        'rectification-days': { field: 'rectificationDays', value: 'N', description: "for an unqualified grade: the days allowed to rectify (default: the policy's, 180)", type: 'integer' },
      },
      details:
        "Art. 17–18: the score is the mean of the experts' weighted scores; the grade follows the policy's thresholds.\n" +
        'Art. 19: excellent or qualified at acceptance starts the next cycle (tier A or B); unqualified publishes a\n' +
        'notice and opens a rectification with a deadline, during which funding is suspended.',
      examples: ['centers evaluation assess bjut', 'centers evaluation assess bjut --grade unqualified --reason "IP management mechanism not running" --rectification-days 90'],
    },
  },
});

// ---- Scores and grades (Art. 17–19) ----

/** Art. 17: one weighted score on the five dimensions, with the policy's weights. */
export function weightedScore(scores: DimensionScores, policy: Policy): number {
  const total = DIMENSIONS.reduce((sum, d) => sum + scores[d] * policy.dimensionWeights[d], 0);
  return Math.round(total * 100) / 100;
}
/** Art. 18: the comprehensive assessment's score is the mean of the experts' weighted scores. */
export function panelScore(reviews: readonly { scores: DimensionScores }[], policy: Policy): number | null {
  if (reviews.length === 0) return null;
  const mean = reviews.reduce((sum, r) => sum + weightedScore(r.scores, policy), 0) / reviews.length;
  return Math.round(mean * 100) / 100;
}
/** Art. 18: excellent / qualified / unqualified under the policy's thresholds. */
export function gradeFor(score: number, policy: Policy): Grade {
  if (score >= policy.gradeThresholds.excellent) return 'excellent';
  if (score >= policy.gradeThresholds.qualified) return 'qualified';
  return 'unqualified';
}
/** Art. 19: the tier of support the next cycle earns. */
export const tierFor = (grade: Grade): Tier | null => (grade === 'excellent' ? 'A' : grade === 'qualified' ? 'B' : null);

export function computedAssessment(ctx: CenterContext): { score: number | null; grade: Grade | null } {
  const score = ctx.evaluation ? panelScore(Object.values(ctx.evaluation.reviews), ctx.policy) : null;
  return { score, grade: score === null ? null : gradeFor(score, ctx.policy) };
}

// ---- Rules ----

type EvaluationReview = EventOf<'SUBMIT_EVALUATION_REVIEW'>;
export const isEvaluationExpert = (ev: EvaluationEntry | null, expertId: string): boolean => !!ev && ev.experts.some((e) => e.id === expertId);
const assignedEvaluator: Rule<EvaluationReview> = (ctx, { meta }) =>
  isEvaluationExpert(ctx.evaluation, meta.actor.id)
    ? null
    : refuse('not-assigned', `Expert "${meta.actor.id}" is not assigned to the evaluation ${ctx.evaluation?.evaluationId ?? ''} of "${ctx.centerId}".`);
const firstScores: Rule<EvaluationReview> = (ctx, { meta }) =>
  ctx.evaluation && meta.actor.id in ctx.evaluation.reviews ? refuse('not-allowed-in-state', `Expert "${meta.actor.id}" has already scored this evaluation; each expert scores once.`) : null;
const lastScores = condition<EvaluationReview>('lastScores', (ctx, { meta }) => !!ctx.evaluation && ctx.evaluation.experts.every((e) => e.id === meta.actor.id || e.id in ctx.evaluation!.reviews));

/** Art. 12: the center's severe integrity incidents that occurred or were recorded during the cycle under way. */
export const severeIncidentsOfCycle = (ctx: CenterContext) =>
  ctx.incidents.filter(
    // Incidents recorded before severities existed carry none: they count as minor.
    (i) => (i.incident.severity ?? 'minor') === 'severe' && !!ctx.cycleStartAt && (i.incident.occurredOn >= ctx.cycleStartAt.slice(0, 10) || i.recordedAt >= ctx.cycleStartAt),
  );
/** Centers started before the rule existed carry a policy without it, and keep the rules they started under. */
const excellentNeedsReason = (ctx: CenterContext) => (ctx.policy as Partial<Policy>).severeIncidentExcellentNeedsReason === true;

/** Art. 18–19: the grade follows the scores; an override, and any unqualified grade, needs a written reason. */
const assessment: Rule<EventOf<'ASSESS'>> = (ctx, event) => {
  const computed = computedAssessment(ctx);
  const problem = (() => {
    if (computed.grade === null) return 'no expert scores to assess';
    const final = event.grade ?? computed.grade;
    const hasReason = !!event.reason && event.reason.trim().length >= policyValue(ctx.policy, 'minReasonLength');
    if (final !== computed.grade && !hasReason) return `overriding the computed grade "${computed.grade}" (score ${computed.score}) with "${final}" needs a written reason (Art. 18)`;
    if (final === 'unqualified' && !hasReason) return 'an unqualified grade is published in a notice with its reasons (Art. 19): give a reason';
    const severe = final === 'excellent' && excellentNeedsReason(ctx) ? severeIncidentsOfCycle(ctx) : [];
    if (severe.length > 0 && !hasReason) {
      return `grading "excellent" a center with a severe integrity incident in this cycle (${severe.map((i) => `${i.incidentId}, ${i.incident.occurredOn}`).join('; ')}) needs a written reason (Art. 12)`;
    }
    return null;
  })();
  return problem ? refuse('invalid-input', `Cannot assess: ${problem}.`) : null;
};

/** Art. 18: the acceptance is due once the cycle's years have ended and it has not been held (or re-held). */
export const isAcceptanceDue = (ctx: CenterContext): boolean =>
  ctx.cycle > 0 &&
  ctx.yearsEnded >= ctx.policy.cycleYears &&
  !ctx.evaluations.some((e) => e.cycle === ctx.cycle && (e.kind === 'acceptance' || (e.kind === 'reEvaluation' && ctx.rectification?.repeats === 'acceptance')));
const graded = (ctx: CenterContext) => ctx.evaluation?.grade ?? null;
export const passedAcceptance = condition<unknown>('passedAcceptance', (ctx) => {
  const ev = ctx.evaluation;
  return !!ev && graded(ctx) !== 'unqualified' && (ev.kind === 'acceptance' || ev.repeats === 'acceptance');
});
export const passed = condition<unknown>('passed', (ctx) => graded(ctx) !== null && graded(ctx) !== 'unqualified');
export const failedReEvaluation = condition<unknown>('failedReEvaluation', (ctx) => ctx.evaluation?.kind === 'reEvaluation' && graded(ctx) === 'unqualified');

// ---- Context updates ----

export const newEvaluation = (ctx: CenterContext, kind: EvaluationKind, at: string, repeats: RepeatedEvaluation | null = null): EvaluationEntry => {
  const n = ctx.evaluations.filter((e) => e.cycle === ctx.cycle && e.kind === kind).length;
  return {
    evaluationId: `c${ctx.cycle}-${kind}${kind === 'reEvaluation' ? `-${n + 1}` : ''}`,
    kind,
    repeats,
    cycle: ctx.cycle,
    startedAt: at,
    selfEvaluation: null,
    inspection: null,
    experts: [],
    reviews: {},
    score: null,
    computedGrade: null,
    grade: null,
    overrideReason: null,
    gradedAt: null,
    gradedBy: null,
  };
};
const withEvaluation = (ctx: CenterContext, change: (e: EvaluationEntry) => Partial<EvaluationEntry>) => ({
  evaluation: ctx.evaluation && { ...ctx.evaluation, ...change(ctx.evaluation) },
});

/** Art. 17–18: the comprehensive assessment; an override is kept with its reason. */
const assess: Update<EventOf<'ASSESS'>> = (ctx, event) => {
  const computed = computedAssessment(ctx);
  const grade = event.grade ?? computed.grade!;
  const evaluation = {
    ...ctx.evaluation!,
    score: computed.score,
    computedGrade: computed.grade,
    grade,
    overrideReason: grade !== computed.grade ? (event.reason ?? null) : null,
    gradedAt: event.meta.at,
    gradedBy: event.meta.actor.id,
  };
  return { evaluation, evaluations: [...ctx.evaluations, { evaluationId: evaluation.evaluationId, kind: evaluation.kind, cycle: evaluation.cycle, grade, score: computed.score, gradedAt: event.meta.at }] };
};

export const evaluationAssigners = {
  /** Art. 18: the mid-term after two full years (the year's end has been applied first). */
  startMidTerm: (ctx: CenterContext, event: DeadlineEvent): Partial<CenterContext> => ({ evaluation: newEvaluation(ctx, 'midTerm', event.meta.at) }),
  /** Art. 18: the acceptance at the end of the cycle. */
  startAcceptance: (ctx: CenterContext, event: CenterEvent): Partial<CenterContext> => ({ evaluation: newEvaluation(ctx, 'acceptance', event.meta.at) }),
  recordSelfEvaluation: (ctx: CenterContext, event: EventOf<'SUBMIT_SELF_EVALUATION'>): Partial<CenterContext> =>
    withEvaluation(ctx, () => ({ selfEvaluation: { scores: event.scores, report: event.report, submittedAt: event.meta.at } })),
  recordInspection: (ctx: CenterContext, event: EventOf<'RECORD_INSPECTION'>): Partial<CenterContext> =>
    withEvaluation(ctx, () => ({ inspection: { inspectedOn: event.inspectedOn, inspectors: event.inspectors, findings: event.findings, recordedAt: event.meta.at } })),
  assignEvaluationExperts: (ctx: CenterContext, event: EventOf<'ASSIGN_EVALUATION_EXPERTS'>): Partial<CenterContext> => withEvaluation(ctx, () => ({ experts: event.experts, reviews: {} })),
  recordEvaluationReview: (ctx: CenterContext, event: EvaluationReview): Partial<CenterContext> =>
    withEvaluation(ctx, (ev) => ({
      reviews: { ...ev.reviews, [event.meta.actor.id]: { scores: event.scores, opinion: event.opinion, weightedScore: weightedScore(event.scores, ctx.policy), submittedAt: event.meta.at } },
    })),
  assess,
};

// ---- Effects ----

const stepOf = (ev: EvaluationEntry): string =>
  ev.grade ? 'graded' : !ev.selfEvaluation ? 'selfEvaluation' : !ev.inspection ? 'onSiteInspection' : ev.experts.length === 0 ? 'expertAssignment' : Object.keys(ev.reviews).length < ev.experts.length ? 'expertReview' : 'assessment';
/** Art. 17–18: the evaluation's row, upserted at each step. */
export const evaluationRow = (ctx: CenterContext): DomainRecord => {
  const { experts: _experts, reviews: _reviews, kind, repeats: _repeats, ...ev } = ctx.evaluation!;
  return { kind: 'evaluation', centerId: ctx.centerId, evaluationKind: kind, step: stepOf(ctx.evaluation!), ...ev };
};
export const evaluationRecord = effect<unknown>((ctx) => [evaluationRow(ctx)]);
const scoresRecord = effect<EvaluationReview>((ctx, event) => {
  const ev = ctx.evaluation!;
  const r = ev.reviews[event.meta.actor.id];
  return [{ kind: 'evaluationReview', centerId: ctx.centerId, stage: ev.evaluationId, expertId: event.meta.actor.id, scores: r.scores, weightedScore: r.weightedScore, opinion: r.opinion, submittedAt: event.meta.at }];
});

// ---- States ----

export const evaluationStates = {
  running: {
    // Art. 18: acceptance at the end of the cycle (also when the cycle ended during a mid-term evaluation).
    always: { guard: when(condition('acceptanceDue', (ctx) => isAcceptanceDue(ctx))), target: 'evaluation', actions: ['startAcceptance', evaluationRecord] },
    on: {
      // Art. 18: the mid-term evaluation after two full years.
      DEADLINE_REACHED: {
        guard: deadlineIs('yearEnd', function midTermYear(ctx, d) {
          return d.year === ctx.policy.midTermAfterYears;
        }),
        target: 'evaluation',
        actions: [...yearEndActions, 'startMidTerm', evaluationRecord],
      },
    },
  },
  /** Art. 17–18: the evaluation sub-process, the same for mid-term, acceptance and re-evaluation. */
  evaluation: {
    initial: 'selfEvaluation',
    states: {
      selfEvaluation: { on: { SUBMIT_SELF_EVALUATION: { target: 'onSiteInspection', actions: ['recordSelfEvaluation', evaluationRecord] } } },
      onSiteInspection: { on: { RECORD_INSPECTION: { target: 'expertAssignment', actions: ['recordInspection', evaluationRecord] } } },
      expertAssignment: {
        on: {
          ASSIGN_EVALUATION_EXPERTS: {
            guard: when(...panelRules),
            target: 'expertReview',
            actions: ['assignEvaluationExperts', panelRecord((ctx) => ctx.evaluation!.evaluationId), evaluationRecord],
          },
        },
      },
      expertReview: {
        on: {
          SUBMIT_EVALUATION_REVIEW: [
            { guard: when(assignedEvaluator, firstScores, lastScores), target: 'assessment', actions: ['recordEvaluationReview', scoresRecord, evaluationRecord] },
            { guard: when(assignedEvaluator, firstScores), actions: ['recordEvaluationReview', scoresRecord] },
          ],
        },
      },
      assessment: { on: { ASSESS: { guard: when(assessment), target: 'graded', actions: ['assess', evaluationRecord] } } },
      // Art. 19: what the grade leads to is the rectification stage's `graded` (stages/rectification.ts).
    },
  },
} satisfies Record<string, StateConfig>;
