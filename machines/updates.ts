/**
 * Pure context updates, one per statechart action: (context, event) → the fields that change.
 * Kept apart from the machine's wiring so each is a plain function with its article beside it.
 */
import { checkEligibility } from './eligibility';
import { tierFor, weightedScore } from './evaluation';
import { centerNames } from './names';
import {
  computedAssessment,
  currentYear,
  markFired,
  nextRequestId,
  rectificationKey,
  summaryDueKey,
  summaryReminderKey,
  yearEndKey,
} from './rules';
import { addMs, daysMs, yearEndAt } from './time';
import type { CenterContext, CenterEvent, Deadline, EvaluationEntry, EvaluationKind, EventOf } from './types';

type Update<T extends CenterEvent['type'] = CenterEvent['type']> = (ctx: CenterContext, event: EventOf<T>) => Partial<CenterContext>;

const deadline = (key: string, kind: Deadline['kind'], dueAt: string, cycle: number, year: number): Deadline => ({
  key,
  kind,
  dueAt,
  status: 'pending',
  firedAt: null,
  cycle,
  year,
});

/** Deadlines of a new cycle: the end of each build year (SPEC §3 "Time"). */
function cycleDeadlines(ctx: CenterContext, cycle: number, startAt: string): Deadline[] {
  return Array.from({ length: ctx.policy.cycleYears }, (_, i) =>
    deadline(yearEndKey(cycle, i + 1), 'yearEnd', yearEndAt(ctx.policy, startAt, i + 1), cycle, i + 1),
  );
}

/** Keeps pending deadlines (and the call window's, for the record) and drops the spent ones of older cycles. */
const pruneDeadlines = (deadlines: Deadline[], cycle: number) => deadlines.filter((d) => d.status === 'pending' || d.cycle >= cycle);

export const recordApplication: Update<'SUBMIT_APPLICATION' | 'AMEND_APPLICATION'> = (ctx, event) => ({
  application: event.application,
  director: event.application.director,
  staff: event.application.conditions.staff,
  applicationVersion: ctx.applicationVersion + 1,
  eligibility: checkEligibility(event.application, ctx.policy, ctx.call),
});

export const assignExperts: Update<'ASSIGN_EXPERTS'> = (_ctx, event) => ({ experts: event.experts, reviews: {} });

export const recordReview: Update<'SUBMIT_REVIEW'> = (ctx, event) => ({
  reviews: { ...ctx.reviews, [event.meta.actor.id]: { ...event.review, submittedAt: event.meta.at } },
});

/** Art. 9, 20: approval establishes the center, names it, and starts cycle 1 on the approval date (Art. 6). */
export const establish: Update<'APPROVE'> = (ctx, event) => {
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
    deadlines: [...ctx.deadlines.map((d) => (d.kind === 'callWindow' && d.status === 'pending' ? { ...d, status: 'cancelled' as const } : d)), ...cycleDeadlines(ctx, 1, at)],
  };
};

export const reject: Update<'REJECT'> = (_ctx, event) => ({
  decision: { outcome: 'rejected', reason: event.reason, at: event.meta.at, by: event.meta.actor.id },
});

export const markDeadlineFired: Update<'DEADLINE_REACHED'> = (ctx, event) => ({
  deadlines: markFired(ctx.deadlines, event.key, event.meta.at),
});

export const updateCallStatus: Update<'CALL_STATUS'> = (ctx, event) => ({
  call: { ...ctx.call, quota: event.quota, approvedCount: event.approvedCount, closedEarlyAt: event.closedEarlyAt },
});

/**
 * Art. 18: year k ends on its anniversary; its annual summary opens, due after the policy's grace period,
 * with a reminder before the due date. Dates come from the deadline's own due time, not from when it fired.
 */
export const endYear: Update<'DEADLINE_REACHED'> = (ctx, event) => {
  const d = ctx.deadlines.find((x) => x.key === event.key)!;
  const dueAt = addMs(d.dueAt, daysMs(ctx.policy, ctx.policy.summaryGraceDays));
  const reminders =
    ctx.policy.reminderDaysBefore > 0
      ? [deadline(summaryReminderKey(d.cycle, d.year), 'summaryReminder', addMs(dueAt, -daysMs(ctx.policy, ctx.policy.reminderDaysBefore)), d.cycle, d.year)]
      : [];
  return {
    yearsEnded: Math.max(ctx.yearsEnded, d.year),
    deadlines: [...markFired(ctx.deadlines, event.key, event.meta.at), ...reminders, deadline(summaryDueKey(d.cycle, d.year), 'summaryDue', dueAt, d.cycle, d.year)],
    summaries: [
      ...ctx.summaries,
      { cycle: d.cycle, year: d.year, status: 'open', openedAt: d.dueAt, dueAt, summary: null, submittedAt: null, submissions: 0, overdue: false, reminders: 0, returnReason: null, acceptedAt: null },
    ],
  };
};

const withSummary = (ctx: CenterContext, cycle: number, year: number, change: (s: CenterContext['summaries'][number]) => Partial<CenterContext['summaries'][number]>) => ({
  summaries: ctx.summaries.map((s) => (s.cycle === cycle && s.year === year ? { ...s, ...change(s) } : s)),
});

/** A reminder to the university, recorded only while the summary is still missing. */
export const remindSummary: Update<'DEADLINE_REACHED'> = (ctx, event) => {
  const d = ctx.deadlines.find((x) => x.key === event.key)!;
  return {
    ...withSummary(ctx, d.cycle, d.year, (s) => (s.status === 'open' || s.status === 'returned' ? { reminders: s.reminders + 1 } : {})),
    deadlines: markFired(ctx.deadlines, event.key, event.meta.at),
  };
};

/** At the due date a missing summary is flagged overdue and escalated to the commission, never dropped. */
export const flagSummaryOverdue: Update<'DEADLINE_REACHED'> = (ctx, event) => {
  const d = ctx.deadlines.find((x) => x.key === event.key)!;
  return {
    ...withSummary(ctx, d.cycle, d.year, (s) => (s.status === 'open' || s.status === 'returned' ? { overdue: true } : {})),
    deadlines: markFired(ctx.deadlines, event.key, event.meta.at),
  };
};

const summaryRef = (ctx: CenterContext, e: { cycle?: number; year: number }) => ({ cycle: e.cycle ?? ctx.cycle, year: e.year });

export const submitSummary: Update<'SUBMIT_SUMMARY'> = (ctx, event) => {
  const { cycle, year } = summaryRef(ctx, event);
  return withSummary(ctx, cycle, year, (s) => ({ status: 'submitted', summary: event.summary, submittedAt: event.meta.at, submissions: s.submissions + 1 }));
};
export const acceptSummary: Update<'ACCEPT_SUMMARY'> = (ctx, event) => {
  const { cycle, year } = summaryRef(ctx, event);
  return withSummary(ctx, cycle, year, () => ({ status: 'accepted', acceptedAt: event.meta.at }));
};
export const returnSummary: Update<'RETURN_SUMMARY'> = (ctx, event) => {
  const { cycle, year } = summaryRef(ctx, event);
  return withSummary(ctx, cycle, year, () => ({ status: 'returned', returnReason: event.reason }));
};

/** Art. 13–15: a request for the year under way (refused while support is suspended, Art. 19). */
export const addFundingRequest: Update<'REQUEST_FUNDING'> = (ctx, event) => {
  const year = currentYear(ctx)!;
  return {
    funding: [
      ...ctx.funding,
      {
        requestId: nextRequestId(ctx, year),
        cycle: ctx.cycle,
        year,
        request: event.request,
        status: 'pending',
        grantedFen: null,
        reason: null,
        requestedAt: event.meta.at,
        requestedBy: event.meta.actor.id,
        decidedAt: null,
        decidedBy: null,
      },
    ],
  };
};

export const grantFunding: Update<'GRANT_FUNDING'> = (ctx, event) => ({
  funding: ctx.funding.map((f) =>
    f.requestId === event.requestId
      ? { ...f, status: 'granted', grantedFen: event.amountFen, reason: event.reason ?? null, decidedAt: event.meta.at, decidedBy: event.meta.actor.id }
      : f,
  ),
});

export const declineFunding: Update<'DECLINE_FUNDING'> = (ctx, event) => ({
  funding: ctx.funding.map((f) =>
    f.requestId === event.requestId ? { ...f, status: 'declined', reason: event.reason, decidedAt: event.meta.at, decidedBy: event.meta.actor.id } : f,
  ),
});

const newEvaluation = (ctx: CenterContext, kind: EvaluationKind, at: string, repeats: EvaluationEntry['repeats'] = null): EvaluationEntry => {
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

/** Art. 18: the mid-term evaluation after two full years; endYear has already run for the deadline. */
export const startMidTerm: Update<'DEADLINE_REACHED'> = (ctx, event) => ({ evaluation: newEvaluation(ctx, 'midTerm', event.meta.at) });
/** Art. 18: acceptance at the end of the cycle. */
export const startAcceptance = (ctx: CenterContext, event: CenterEvent): Partial<CenterContext> => ({
  evaluation: newEvaluation(ctx, 'acceptance', event.meta.at),
});
/** Art. 19: the rectification report opens the re-evaluation, through the same sub-process. */
export const startReEvaluation: Update<'SUBMIT_RECTIFICATION'> = (ctx, event) => ({
  rectification: ctx.rectification && { ...ctx.rectification, report: event.report, reportSubmittedAt: event.meta.at },
  deadlines: ctx.rectification ? ctx.deadlines.map((d) => (d.key === ctx.rectification!.deadlineKey && d.status === 'pending' ? { ...d, status: 'cancelled' } : d)) : ctx.deadlines,
  evaluation: newEvaluation(ctx, 'reEvaluation', event.meta.at, ctx.rectification?.repeats ?? null),
});

const withEvaluation = (ctx: CenterContext, change: (e: EvaluationEntry) => Partial<EvaluationEntry>) => ({
  evaluation: ctx.evaluation && { ...ctx.evaluation, ...change(ctx.evaluation) },
});

export const recordSelfEvaluation: Update<'SUBMIT_SELF_EVALUATION'> = (ctx, event) =>
  withEvaluation(ctx, () => ({ selfEvaluation: { scores: event.scores, report: event.report, submittedAt: event.meta.at } }));
export const recordInspection: Update<'RECORD_INSPECTION'> = (ctx, event) =>
  withEvaluation(ctx, () => ({ inspection: { inspectedOn: event.inspectedOn, inspectors: event.inspectors, findings: event.findings, recordedAt: event.meta.at } }));
export const assignEvaluationExperts: Update<'ASSIGN_EVALUATION_EXPERTS'> = (ctx, event) => withEvaluation(ctx, () => ({ experts: event.experts, reviews: {} }));
export const recordEvaluationReview: Update<'SUBMIT_EVALUATION_REVIEW'> = (ctx, event) =>
  withEvaluation(ctx, (ev) => ({
    reviews: {
      ...ev.reviews,
      [event.meta.actor.id]: { scores: event.scores, opinion: event.opinion, weightedScore: weightedScore(event.scores, ctx.policy), submittedAt: event.meta.at },
    },
  }));

/** Art. 17–18: the comprehensive assessment; an override is kept with its reason. */
export const assess: Update<'ASSESS'> = (ctx, event) => {
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
  return {
    evaluation,
    evaluations: [...ctx.evaluations, { evaluationId: evaluation.evaluationId, kind: evaluation.kind, cycle: evaluation.cycle, grade, score: computed.score, gradedAt: event.meta.at }],
  };
};

/** The evaluation is over and support goes on: a passed re-evaluation also ends the rectification (Art. 19). */
export const closeEvaluation = (ctx: CenterContext): Partial<CenterContext> => ({
  // The graded evaluation stays in context as the latest one; a new evaluation replaces it.
  rectification: null,
  // Requests held during the suspension are pending again.
  funding: ctx.funding.map((f) => (f.status === 'held' ? { ...f, status: 'pending' } : f)),
});

/** Art. 19: a passed acceptance starts the next cycle at the tier the grade earned. */
export const startNextCycle = (ctx: CenterContext, event: CenterEvent): Partial<CenterContext> => {
  const grade = ctx.evaluation!.grade!;
  const cycle = ctx.cycle + 1;
  const at = event.meta.at;
  return {
    ...closeEvaluation(ctx),
    cycle,
    tier: tierFor(grade) ?? ctx.tier,
    cycleStartAt: at,
    yearsEnded: 0,
    // Only what is still open travels into the new cycle: the ledger and the history are in the database.
    funding: ctx.funding.filter((f) => f.status === 'pending' || f.status === 'held').map((f) => ({ ...f, status: 'pending' as const })),
    summaries: ctx.summaries.filter((s) => s.status !== 'accepted'),
    deadlines: [...pruneDeadlines(ctx.deadlines, cycle), ...cycleDeadlines(ctx, cycle, at)],
  };
};

/** Art. 19: every unqualified grade (mid-term, acceptance or re-evaluation) is published in a notice. */
export const publishNotice = (ctx: CenterContext, event: CenterEvent): Partial<CenterContext> => {
  const ev = ctx.evaluation!;
  const reasons = event.type === 'ASSESS' && event.reason ? event.reason : `weighted score ${ev.score}`;
  return { notices: [...ctx.notices, { noticeId: `${ev.evaluationId}-notice`, evaluationId: ev.evaluationId, grade: ev.grade!, reasons, publishedAt: event.meta.at }] };
};

/** Art. 19: an unqualified grade publishes a notice and opens rectification; support is suspended. */
export const openRectification = (ctx: CenterContext, event: CenterEvent): Partial<CenterContext> => {
  const ev = ctx.evaluation!;
  const at = event.meta.at;
  const days = event.type === 'ASSESS' && event.rectificationDays ? event.rectificationDays : ctx.policy.rectificationDays;
  const { notices } = publishNotice(ctx, event);
  const { noticeId, reasons } = notices!.at(-1)!;
  const key = rectificationKey(noticeId);
  const dueAt = addMs(at, daysMs(ctx.policy, days));
  return {
    notices,
    rectification: {
      noticeId,
      evaluationId: ev.evaluationId,
      repeats: ev.kind === 'reEvaluation' ? ev.repeats! : ev.kind,
      grade: ev.grade!,
      reasons,
      publishedAt: at,
      deadlineKey: key,
      dueAt,
      extensions: [],
      reportSubmittedAt: null,
      report: null,
    },
    funding: ctx.funding.map((f) => (f.status === 'pending' ? { ...f, status: 'held' } : f)),
    deadlines: [...ctx.deadlines, deadline(key, 'rectification', dueAt, ctx.cycle, ctx.yearsEnded)],
  };
};

/** Art. 19: the commission may extend the deadline (a policy-limited number of times); the timer moves. */
export const extendRectification: Update<'EXTEND_RECTIFICATION'> = (ctx, event) => {
  const r = ctx.rectification!;
  const to = addMs(r.dueAt, daysMs(ctx.policy, event.days));
  return {
    rectification: { ...r, dueAt: to, extensions: [...r.extensions, { from: r.dueAt, to, reason: event.reason, at: event.meta.at, by: event.meta.actor.id }] },
    deadlines: ctx.deadlines.map((d) => (d.key === r.deadlineKey && d.status === 'pending' ? { ...d, dueAt: to } : d)),
  };
};

/** Art. 19: support stopped — final; pending and held funding cancelled. */
export const stopSupport = (ctx: CenterContext, event: CenterEvent): Partial<CenterContext> => {
  const reason =
    event.type === 'DEADLINE_REACHED'
      ? `the rectification deadline ${ctx.rectification?.dueAt} passed with no rectification report`
      : `the re-evaluation ${ctx.evaluation?.evaluationId} was graded unqualified${event.type === 'ASSESS' && event.reason ? `: ${event.reason}` : ''}`;
  return {
    supportStopped: { reason, at: event.meta.at },
    funding: ctx.funding.map((f) =>
      f.status === 'pending' || f.status === 'held' ? { ...f, status: 'cancelled', reason: 'support stopped (Art. 19)', decidedAt: event.meta.at, decidedBy: event.meta.actor.id } : f,
    ),
    deadlines: ctx.deadlines.map((d) =>
      event.type === 'DEADLINE_REACHED' && d.key === event.key && d.status === 'pending'
        ? { ...d, status: 'fired' as const, firedAt: event.meta.at }
        : d.status === 'pending'
          ? { ...d, status: 'cancelled' as const }
          : d,
    ),
  };
};

export const recordIncident: Update<'RECORD_INTEGRITY_INCIDENT'> = (ctx, event) => ({
  incidents: [...ctx.incidents, { incidentId: `incident-${ctx.incidents.length + 1}`, incident: event.incident, recordedAt: event.meta.at, recordedBy: event.meta.actor.id }],
});

/** Art. 6: a new director, recorded with the date it takes effect. */
export const recordDirectorChange: Update<'RECORD_DIRECTOR_CHANGE'> = (ctx, event) => ({
  director: event.director,
  organisationChanges: ctx.organisationChanges + 1,
});

/** Art. 8(7): the staff as they now are. */
export const recordStaffChange: Update<'RECORD_STAFF_CHANGE'> = (ctx, event) => ({
  staff: event.staff,
  organisationChanges: ctx.organisationChanges + 1,
});

