/**
 * Art. 19: what a grade leads to, and the rectification of an unqualified one. A passed acceptance starts the next
 * cycle at the tier its grade earns (excellent → A, qualified → B); a passed mid-term lets building go on. Every
 * unqualified grade is published in a notice (通报); after a mid-term or an acceptance it opens a rectification
 * with a deadline (policy default 180 days, the commission may extend it a policy-limited number of times), during
 * which support is suspended. The university's report starts a re-evaluation; an unqualified re-evaluation or a
 * missed deadline stops support (停止支持) for good — the deadline by itself, or the commission's STOP_SUPPORT.
 */
import { z } from 'zod';
import { defineCommands, effect, LongText, refuse, when, type Rule, type Update } from '../core';
import { evidenceField } from '../evidence';
import { cancelPending, deadline, deadlineIs, type CenterContext, type Deadline } from '../context';
import { ReasonSchema } from '../domain';
import type { DomainRecord } from '../records.types';
import type { Grade, RectificationStatus, RepeatedEvaluation } from '../vocabulary';
import type { CenterEvent, EventOf } from '../commands';
import type { StateConfig } from '../center';
import { addMs, daysMs } from '../time';
import { evaluationRecord, failedReEvaluation, newEvaluation, passed, passedAcceptance, tierFor } from './evaluation';
import { fundingNow, moveFunding } from './funding';
import { cycleDeadlines, cycleRecord } from './summaries';

/** Art. 19: the notice of an unqualified grade. */
export interface Notice {
  noticeId: string;
  evaluationId: string;
  grade: Grade;
  reasons: string;
  publishedAt: string;
}
/** Art. 19: the rectification a notice opens. */
export interface Rectification {
  noticeId: string;
  evaluationId: string;
  /** What is being rectified: the failed mid-term or acceptance. */
  repeats: RepeatedEvaluation;
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

const reasonOption = { field: 'reason', value: 'TEXT', description: 'why (recorded with the decision)', required: true } as const;
export const rectificationCommands = defineCommands({
  SUBMIT_RECTIFICATION: {
    stage: 'rectification',
    article: 'Art. 19',
    summary: 'Submit the rectification report before the deadline; the re-evaluation starts',
    roles: ['university'],
    host: 'center',
    payload: z.object({ report: LongText, ...evidenceField }).strict(),
    cli: {
      name: 'rectification submit',
      target: 'center',
      file: { description: 'the report: { "report": TEXT }', optional: true },
      options: { report: { field: 'report', value: 'TEXT', description: 'the report as text (instead of --file)' } },
      details: 'Give the report with --file or --report (one of them).',
      examples: [
        'centers rectification submit bjut --file examples/rectification.json --as university:bjut-office@bjut',
        'centers rectification submit bjut --report "The IP management mechanism now runs: ..." --as university:bjut-office@bjut',
      ],
    },
  },
  EXTEND_RECTIFICATION: {
    stage: 'rectification',
    article: 'Art. 19',
    summary: 'Extend the rectification deadline, with a reason (as often as the policy allows, default once)',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ days: z.number().int().min(1).max(365), reason: ReasonSchema }).strict(),
    cli: {
      name: 'rectification extend',
      target: 'center',
      options: { days: { field: 'days', value: 'N', description: 'days added to the deadline', required: true, type: 'integer' }, reason: reasonOption },
      examples: ['centers rectification extend bjut --days 30 --reason "Inspection of the new IP office postponed by the commission"'],
    },
  },
  STOP_SUPPORT: {
    stage: 'rectification',
    article: 'Art. 19',
    summary: 'Stop support for a center whose rectification deadline has passed with no report, with a reason',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ reason: ReasonSchema }).strict(),
    cli: {
      name: 'rectification stop-support',
      target: 'center',
      options: { reason: reasonOption },
      details:
        'Art. 19: support stops after an unqualified re-evaluation (at once, by the grade) or a missed rectification\n' +
        "deadline. The deadline stops support by itself when its timer fires; the commission may stop it first, with its\n" +
        'own reason, once the deadline has passed. Final: open funding is cancelled and the record is closed.',
      examples: ['centers rectification stop-support bjut --reason "No rectification report by the deadline of 2029-06-30"'],
    },
  },
});

// ---- Rules ----

export const rectificationKey = (noticeId: string) => `${noticeId}:rectification`;
const beforeDeadline: Rule<EventOf<'SUBMIT_RECTIFICATION'>> = (ctx, event) =>
  ctx.rectification && Date.parse(event.meta.at) >= Date.parse(ctx.rectification.dueAt)
    ? refuse('deadline-passed', `The rectification deadline (${ctx.rectification.dueAt}) has passed (Art. 19).`)
    : null;
const afterDeadline: Rule<EventOf<'STOP_SUPPORT'>> = (ctx, event) =>
  ctx.rectification && Date.parse(event.meta.at) < Date.parse(ctx.rectification.dueAt)
    ? refuse('not-allowed-in-state', `The rectification deadline (${ctx.rectification.dueAt}) has not passed: support stops only after a failed re-evaluation or a missed deadline (Art. 19).`)
    : null;
export const canExtendRectification = (ctx: CenterContext): boolean => !!ctx.rectification && ctx.rectification.extensions.length < ctx.policy.maxRectificationExtensions;
const extensionLeft: Rule<EventOf<'EXTEND_RECTIFICATION'>> = (ctx) =>
  canExtendRectification(ctx)
    ? null
    : refuse('not-allowed-in-state', `The rectification deadline has been extended ${ctx.rectification?.extensions.length ?? 0} time(s), the most the policy allows (${ctx.policy.maxRectificationExtensions}).`);

// ---- Context updates ----

/** Keeps pending deadlines (and the call window's, for the record) and drops the spent ones of older cycles. */
const pruneDeadlines = (deadlines: Deadline[], cycle: number) => deadlines.filter((d) => d.status === 'pending' || d.cycle >= cycle);

/** The evaluation is over and support goes on: a passed re-evaluation also ends the rectification. */
const closeEvaluation = (ctx: CenterContext): Partial<CenterContext> => ({
  // The graded evaluation stays in context as the latest one; a new evaluation replaces it.
  rectification: null,
  // Requests held during the suspension are pending again.
  funding: moveFunding(ctx.funding, ['held'], { status: 'pending' }),
});

/**
 * Art. 18–19: a passed mid-term (or a passed re-evaluation of one) sets the tier for the rest of the cycle when the
 * policy says so (policy.midTermSetsTier); centers started before it existed keep their tier to the acceptance.
 */
const midTermTier = (ctx: CenterContext): Partial<CenterContext> => {
  const ev = ctx.evaluation;
  const moves = (ctx.policy as Partial<CenterContext['policy']>).midTermSetsTier === true;
  if (!moves || !ev?.grade || (ev.kind !== 'midTerm' && ev.repeats !== 'midTerm')) return {};
  return { tier: tierFor(ev.grade) ?? ctx.tier };
};

/** Art. 19: a passed acceptance starts the next cycle at the tier the grade earned. */
const startNextCycle: Update<CenterEvent> = (ctx, event) => {
  const cycle = ctx.cycle + 1;
  const at = event.meta.at;
  return {
    ...closeEvaluation(ctx),
    cycle,
    tier: tierFor(ctx.evaluation!.grade!) ?? ctx.tier,
    cycleStartAt: at,
    yearsEnded: 0,
    // Only what is still open travels into the new cycle: the ledger and the history are in the database.
    funding: moveFunding(ctx.funding, ['pending', 'held'], { status: 'pending' }).filter((f) => f.status === 'pending'),
    summaries: ctx.summaries.filter((s) => s.status !== 'accepted'),
    deadlines: [...pruneDeadlines(ctx.deadlines, cycle), ...cycleDeadlines(ctx, cycle, at)],
  };
};

/** Art. 19: every unqualified grade (mid-term, acceptance or re-evaluation) is published in a notice. */
const publishNotice: Update<CenterEvent> = (ctx, event) => {
  const ev = ctx.evaluation!;
  const reasons = event.type === 'ASSESS' && event.reason ? event.reason : `weighted score ${ev.score}`;
  return { notices: [...ctx.notices, { noticeId: `${ev.evaluationId}-notice`, evaluationId: ev.evaluationId, grade: ev.grade!, reasons, publishedAt: event.meta.at }] };
};

/** Art. 19: an unqualified grade publishes a notice and opens rectification; support is suspended. */
const openRectification: Update<CenterEvent> = (ctx, event) => {
  const ev = ctx.evaluation!;
  const at = event.meta.at;
  const days = event.type === 'ASSESS' && event.rectificationDays ? event.rectificationDays : ctx.policy.rectificationDays;
  const notices = publishNotice(ctx, event).notices!;
  const { noticeId, reasons } = notices.at(-1)!;
  const key = rectificationKey(noticeId);
  const dueAt = addMs(at, daysMs(ctx.policy, days));
  return {
    notices,
    rectification: { noticeId, evaluationId: ev.evaluationId, repeats: ev.kind === 'reEvaluation' ? ev.repeats! : ev.kind, grade: ev.grade!, reasons, publishedAt: at, deadlineKey: key, dueAt, extensions: [], reportSubmittedAt: null, report: null },
    funding: moveFunding(ctx.funding, ['pending'], { status: 'held' }),
    deadlines: [...ctx.deadlines, deadline(key, 'rectification', dueAt, ctx.cycle, ctx.yearsEnded)],
  };
};

/** Art. 19: support stopped — final; pending and held funding cancelled, every pending deadline with it. */
const stopSupport: Update<CenterEvent> = (ctx, event) => {
  const reason =
    event.type === 'DEADLINE_REACHED'
      ? `the rectification deadline ${ctx.rectification?.dueAt} passed with no rectification report`
      : event.type === 'STOP_SUPPORT'
        ? `the rectification deadline ${ctx.rectification?.dueAt} passed with no rectification report: ${event.reason}`
        : `the re-evaluation ${ctx.evaluation?.evaluationId} was graded unqualified${event.type === 'ASSESS' && event.reason ? `: ${event.reason}` : ''}`;
  const at = event.meta.at;
  const fired = event.type === 'DEADLINE_REACHED' ? event.key : null;
  return {
    supportStopped: { reason, at },
    funding: moveFunding(ctx.funding, ['pending', 'held'], { status: 'cancelled', reason: 'support stopped (Art. 19)', decidedAt: at, decidedBy: event.meta.actor.id }),
    deadlines: cancelPending(
      ctx.deadlines.map((d) => (d.key === fired && d.status === 'pending' ? { ...d, status: 'fired' as const, firedAt: at } : d)),
      () => true,
    ),
  };
};

export const rectificationAssigners = {
  closeEvaluation,
  midTermTier,
  startNextCycle,
  publishNotice,
  openRectification,
  stopSupport,
  /** Art. 19: the commission may extend the deadline (a policy-limited number of times); the timer moves. */
  extendRectification: (ctx: CenterContext, event: EventOf<'EXTEND_RECTIFICATION'>): Partial<CenterContext> => {
    const r = ctx.rectification!;
    const to = addMs(r.dueAt, daysMs(ctx.policy, event.days));
    return {
      rectification: { ...r, dueAt: to, extensions: [...r.extensions, { from: r.dueAt, to, reason: event.reason, at: event.meta.at, by: event.meta.actor.id }] },
      deadlines: ctx.deadlines.map((d) => (d.key === r.deadlineKey && d.status === 'pending' ? { ...d, dueAt: to } : d)),
    };
  },
  /** Art. 19: the rectification report opens the re-evaluation, through the same sub-process. */
  startReEvaluation: (ctx: CenterContext, event: EventOf<'SUBMIT_RECTIFICATION'>): Partial<CenterContext> => ({
    rectification: ctx.rectification && { ...ctx.rectification, report: event.report, reportSubmittedAt: event.meta.at },
    deadlines: cancelPending(ctx.deadlines, (d) => d.key === ctx.rectification?.deadlineKey),
    evaluation: newEvaluation(ctx, 'reEvaluation', event.meta.at, ctx.rectification?.repeats ?? null),
  }),
};

// ---- Effects ----

const rectificationRow = (ctx: CenterContext, status: RectificationStatus, closedAt: string | null): DomainRecord[] => {
  const r = ctx.rectification;
  return r ? [{ kind: 'rectification', centerId: ctx.centerId, noticeId: r.noticeId, status, dueAt: r.dueAt, extensions: r.extensions, report: r.report, reportSubmittedAt: r.reportSubmittedAt, closedAt }] : [];
};
const rectificationIs = (status: RectificationStatus) => effect<CenterEvent>((ctx, event) => rectificationRow(ctx, status, ['passed', 'failed', 'lapsed'].includes(status) ? event.meta.at : null));
const noticeRecord = effect<unknown>((ctx) => [{ kind: 'notice', centerId: ctx.centerId, ...ctx.notices.at(-1)! }]);
const stoppedRecord = effect<unknown>((ctx) => [{ kind: 'supportStopped', centerId: ctx.centerId, reason: ctx.supportStopped!.reason, stoppedAt: ctx.supportStopped!.at }]);
/** Resolved before the rectification is cleared: its last row says it passed, and held requests are pending again. */
const resumed = [rectificationIs('passed')] as const;
const resumedFunding = fundingNow('pending', (ctx) => ctx.evaluation?.kind === 'reEvaluation');

// ---- States ----

export const rectificationStates = {
  /** The sub-process's last step (stages/evaluation.ts): what the grade leads to. */
  graded: {
    always: [
      { guard: when(passedAcceptance), target: '#center.building.running', actions: [...resumed, 'startNextCycle', resumedFunding, cycleRecord] },
      { guard: when(passed), target: '#center.building.running', actions: [...resumed, 'closeEvaluation', 'midTermTier', resumedFunding] },
      { guard: when(failedReEvaluation), target: '#center.supportStopped', actions: ['publishNotice', noticeRecord, 'stopSupport', rectificationIs('failed'), stoppedRecord, fundingNow('cancelled')] },
      { target: '#center.building.rectification', actions: ['openRectification', noticeRecord, rectificationIs('open'), fundingNow('held')] },
    ],
  },
  /** Art. 19: notice published, rectification within a deadline; funding suspended. */
  rectification: {
    on: {
      SUBMIT_RECTIFICATION: { guard: when(beforeDeadline), target: 'evaluation', actions: ['startReEvaluation', rectificationIs('reported'), evaluationRecord] },
      EXTEND_RECTIFICATION: { guard: when(extensionLeft), actions: ['extendRectification', rectificationIs('open')] },
      STOP_SUPPORT: { guard: when(afterDeadline), target: '#center.supportStopped', actions: ['stopSupport', rectificationIs('lapsed'), stoppedRecord, fundingNow('cancelled')] },
      DEADLINE_REACHED: {
        guard: deadlineIs('rectification', function ofThisRectification(ctx, d) {
          return d.key === ctx.rectification?.deadlineKey;
        }),
        target: '#center.supportStopped',
        actions: ['stopSupport', rectificationIs('lapsed'), stoppedRecord, fundingNow('cancelled')],
      },
    },
  },
} satisfies Record<string, StateConfig>;
