/**
 * A deadline on every step that waits for someone (Art. 9, 18, 19; issue 14 item 4): each expert's review of an
 * application (Art. 9), each step of an evaluation — the university's self-evaluation, the commission's on-site
 * inspection and expert assignment, each expert's scores, the comprehensive assessment (Art. 17–18) — and the
 * rectification report (Art. 19). Each is reminded `reminderDaysBefore` days before its deadline, flagged overdue and
 * escalated to the commission at it, through the outbox; the commission may extend any of them, with a reason.
 *
 * What waits is read from the context (`waitingSteps`), never kept beside it: after every context update the center
 * arms a deadline for each step that has started to wait and cancels those of steps that no longer do
 * (`syncStepDeadlines`, run by machines/center.ts). The durations are the policy's `stepDeadlineDays`; centers
 * started before it carry a policy without them and run as they did, with the same timers.
 * The rectification report's deadline is the rectification's own (stages/rectification.ts: missing it stops
 * support); this stage only reminds the university before it.
 */
import { z } from 'zod';
import { defineCommands, effect, refuse, when, type Rule } from '../core';
import type { CenterContext, Deadline, DeadlineEvent, StepWait } from '../context';
import { deadlineIs } from '../context';
import { ReasonSchema } from '../domain';
import type { Policy } from '../policy';
import type { DomainRecord } from '../records.types';
import type { NotificationRecipient, WaitingStep } from '../vocabulary';
import type { EventOf } from '../commands';
import { addMs, daysMs, reminderAt } from '../time';

export const deadlineCommands = defineCommands({
  EXTEND_DEADLINE: {
    stage: 'deadlines',
    article: 'Art. 9, 18',
    summary: 'Extend the deadline of a step that waits (an expert review, an evaluation step), with a reason',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ key: z.string().min(1).max(200), days: z.number().int().min(1).max(365), reason: ReasonSchema }).strict(),
    cli: {
      name: 'deadline extend',
      target: 'center',
      options: {
        key: { field: 'key', value: 'KEY', description: "the deadline's key, as `centers show` lists it (its reminder's key also names it)", required: true },
        days: { field: 'days', value: 'N', description: 'days added to the deadline (counted from today when it has passed)', required: true, type: 'integer' },
        reason: { field: 'reason', value: 'TEXT', description: 'why (recorded with the extension)', required: true },
      },
      details:
        'Art. 9, 18: every step that waits for someone has a deadline (policy stepDeadlineDays), a reminder before it\n' +
        'and, at it, an overdue notice and an escalation to the commission. The commission may move it, also once it has\n' +
        'passed, while the step still waits. The rectification deadline (Art. 19) has its own command: rectification extend.',
      examples: ['centers deadline extend bjut --key c1:c1-midTerm:evaluationReview:zhang-wei:due --days 14 --reason "Expert abroad until the 20th"'],
    },
  },
});

// ---- What waits ----

/** A step the center waits on now. */
export type Wait = Pick<StepWait, 'step' | 'scope' | 'party'>;

/** Art. 9, 18, 19: the steps the center waits on, read from its context. */
export function waitingSteps(ctx: CenterContext): Wait[] {
  const waits: Wait[] = [];
  // Art. 9: each assigned expert who has not yet reviewed the application, until it is decided.
  if (ctx.application && ctx.decision === null && ctx.establishedAt === null) {
    for (const e of ctx.experts) if (!(e.id in ctx.reviews)) waits.push({ step: 'applicationReview', scope: 'application', party: e.id });
  }
  // Art. 17–18: the evaluation's step under way (and, in the expert review, each expert who has not scored).
  const ev = ctx.evaluation;
  if (ev && !ev.grade && !ctx.supportStopped) {
    const unscored = ev.experts.filter((e) => !(e.id in ev.reviews));
    const step: WaitingStep = !ev.selfEvaluation ? 'selfEvaluation' : !ev.inspection ? 'onSiteInspection' : ev.experts.length === 0 ? 'expertAssignment' : unscored.length > 0 ? 'evaluationReview' : 'assessment';
    if (step === 'evaluationReview') for (const e of unscored) waits.push({ step, scope: ev.evaluationId, party: e.id });
    else waits.push({ step, scope: ev.evaluationId, party: null });
  }
  // Art. 19: the rectification report, until it is submitted.
  const r = ctx.rectification;
  if (r && !r.reportSubmittedAt && !ctx.supportStopped) waits.push({ step: 'rectificationReport', scope: r.noticeId, party: null });
  return waits;
}

const sameWait = (w: Wait, d: Deadline): boolean => !!d.wait && d.wait.step === w.step && d.wait.scope === w.scope && d.wait.party === w.party;
/** The step a deadline belongs to still waits (the guard of its reminder and its deadline, and of an extension). */
const stillWaiting = (ctx: CenterContext, d: Deadline): boolean => waitingSteps(ctx).some((w) => sameWait(w, d));
/** The key every deadline of a wait starts with. */
export const waitKey = (cycle: number, w: Wait): string => `c${cycle}:${w.scope}:${w.step}${w.party ? `:${w.party}` : ''}`;

/** The step durations of the center's policy; absent (undefined) for centers started before step deadlines. */
const stepDays = (ctx: CenterContext): Policy['stepDeadlineDays'] | undefined => (ctx.policy as Partial<Policy>).stepDeadlineDays;

const stepDeadline = (ctx: CenterContext, key: string, kind: 'stepReminder' | 'stepDue', dueAt: string, wait: StepWait): Deadline => ({
  key,
  kind,
  dueAt,
  status: 'pending',
  firedAt: null,
  cycle: ctx.cycle,
  year: ctx.yearsEnded,
  wait,
});

/** The reminder before `dueAt`, when the policy reminds and there is still time to. */
function reminderFor(ctx: CenterContext, key: string, dueAt: string, at: string, wait: StepWait): Deadline[] {
  const remindAt = reminderAt(ctx.policy, dueAt);
  return ctx.policy.reminderDaysBefore > 0 && Date.parse(remindAt) > Date.parse(at) ? [stepDeadline(ctx, key, 'stepReminder', remindAt, wait)] : [];
}

/** The deadlines of a step that starts to wait at `at`: its reminder and its deadline (the report: its reminder). */
function armWait(ctx: CenterContext, w: Wait, at: string, days: Policy['stepDeadlineDays']): Deadline[] {
  const base = waitKey(ctx.cycle, w);
  const wait: StepWait = { ...w, armedAt: at };
  if (w.step === 'rectificationReport') return reminderFor(ctx, `${base}:reminder`, ctx.rectification!.dueAt, at, wait);
  const dueAt = addMs(at, daysMs(ctx.policy, days[w.step]));
  return [...reminderFor(ctx, `${base}:reminder`, dueAt, at, wait), stepDeadline(ctx, `${base}:due`, 'stepDue', dueAt, wait)];
}

/**
 * The deadlines after a context update at `at`: a step that has started to wait gets its deadlines, a pending one
 * of a step that no longer waits is cancelled (or dropped, when armed by this same transition), and the report's
 * pending reminder follows its rectification deadline when that moves. Null when nothing changes (always, for a
 * center whose policy has no step deadlines).
 */
export function syncStepDeadlines(ctx: CenterContext, at: string): Deadline[] | null {
  const days = stepDays(ctx);
  if (!days) return null;
  const waits = waitingSteps(ctx);
  let changed = false;
  let deadlines = ctx.deadlines.flatMap((d): Deadline[] => {
    if (!d.wait || d.status !== 'pending') return [d];
    if (!waits.some((w) => sameWait(w, d))) {
      changed = true;
      return d.wait.armedAt === at ? [] : [{ ...d, status: 'cancelled' }];
    }
    if (d.wait.step === 'rectificationReport' && ctx.rectification) {
      const remindAt = reminderAt(ctx.policy, ctx.rectification.dueAt);
      if (remindAt !== d.dueAt) {
        changed = true;
        return [{ ...d, dueAt: remindAt }];
      }
    }
    return [d];
  });
  for (const w of waits) {
    if (deadlines.some((d) => sameWait(w, d))) continue;
    const armed = armWait(ctx, w, at, days);
    if (armed.length === 0) continue;
    deadlines = [...deadlines, ...armed];
    changed = true;
  }
  return changed ? deadlines : null;
}

/** The deadline a step waits against now: the last one armed for it (an extension supersedes the one before). */
const currentDue = (ctx: CenterContext, w: Wait): Deadline | undefined => ctx.deadlines.filter((d) => d.kind === 'stepDue' && sameWait(w, d)).at(-1);

/** Art. 9, 18: the steps past their deadline that still wait, for the read model. */
export function overdueSteps(ctx: CenterContext): { key: string; step: WaitingStep; scope: string; party: string | null; dueAt: string }[] {
  return waitingSteps(ctx)
    .map((w) => ({ w, d: currentDue(ctx, w) }))
    .filter(({ d }) => d?.status === 'fired')
    .map(({ w, d }) => ({ key: d!.key, ...w, dueAt: d!.dueAt }));
}

// ---- Rules ----

/** The step deadline a key names (its deadline or its reminder), if any. */
const namedWait = (ctx: CenterContext, key: string): Deadline | undefined => ctx.deadlines.find((d) => d.key === key && d.wait);
const extendable: Rule<EventOf<'EXTEND_DEADLINE'>> = (ctx, event) => {
  const d = namedWait(ctx, event.key);
  if (!d) {
    return ctx.rectification?.deadlineKey === event.key
      ? refuse('invalid-input', `${event.key} is the rectification deadline (Art. 19): extend it with "rectification extend".`)
      : refuse('invalid-input', `No step deadline has the key "${event.key}"; centers show lists the open ones.`);
  }
  if (!stillWaiting(ctx, d)) return refuse('not-allowed-in-state', `The step ${d.wait!.step} (${d.wait!.scope}${d.wait!.party ? `, ${d.wait!.party}` : ''}) no longer waits: nothing to extend.`);
  if (d.wait!.step === 'rectificationReport') return refuse('invalid-input', `The rectification report's deadline is the rectification's (Art. 19): extend it with "rectification extend".`);
  const due = currentDue(ctx, d.wait!)!;
  const ofCurrent = d.key === due.key || (d.kind === 'stepReminder' && d.wait!.armedAt === due.wait!.armedAt);
  if (!ofCurrent) {
    return refuse('not-allowed-in-state', `${event.key} has been extended already: extend its latest deadline, ${due.key}.`);
  }
  return null;
};

// ---- Context updates ----

export const deadlineAssigners = {
  /** Art. 9, 18: the commission moves a step's deadline (also once passed); the reminder moves with it. */
  extendDeadline: (ctx: CenterContext, event: EventOf<'EXTEND_DEADLINE'>): Partial<CenterContext> => {
    const w = namedWait(ctx, event.key)!.wait!;
    const due = currentDue(ctx, w)!;
    const at = event.meta.at;
    const from = Date.parse(due.dueAt) > Date.parse(at) ? due.dueAt : at;
    const dueAt = addMs(from, daysMs(ctx.policy, event.days));
    const n = ctx.deadlines.filter((d) => d.kind === 'stepDue' && sameWait(w, d)).length;
    const base = waitKey(due.cycle, w);
    const wait: StepWait = { step: w.step, scope: w.scope, party: w.party, armedAt: at, extended: { from: due.key, fromDueAt: due.dueAt, reason: event.reason, by: event.meta.actor.id, at } };
    const kept = ctx.deadlines.map((d) => (d.status === 'pending' && sameWait(w, d) ? { ...d, status: 'cancelled' as const } : d));
    return { deadlines: [...kept, ...reminderFor(ctx, `${base}:reminder:x${n}`, dueAt, at, wait), stepDeadline(ctx, `${base}:due:x${n}`, 'stepDue', dueAt, wait)] };
  },
};

// ---- Effects ----

const STEP_NAMES: Record<WaitingStep, string> = {
  applicationReview: 'the review of the application (Art. 9)',
  selfEvaluation: 'the self-evaluation (Art. 18)',
  onSiteInspection: 'the on-site inspection (Art. 18)',
  expertAssignment: "the assignment of the evaluation's experts (Art. 18)",
  evaluationReview: "an expert's scores of the evaluation (Art. 17–18)",
  assessment: 'the comprehensive assessment (Art. 18)',
  rectificationReport: 'the rectification report (Art. 19)',
};
/** Who a step waits for: the expert who owes a review, the university, or the commission. */
const partyOf = (w: StepWait): { recipientRole: NotificationRecipient; recipientId: string | null } =>
  w.party ? { recipientRole: 'expert', recipientId: w.party } : { recipientRole: w.step === 'selfEvaluation' || w.step === 'rectificationReport' ? 'university' : 'commission', recipientId: null };

const notification = (ctx: CenterContext, d: Deadline, notice: 'reminder' | 'overdue' | 'escalation', to: { recipientRole: NotificationRecipient; recipientId: string | null }, dueAt: string, at: string): DomainRecord => ({
  kind: 'notification',
  centerId: ctx.centerId,
  key: d.key,
  ...to,
  notice,
  subject: `${STEP_NAMES[d.wait!.step]}, ${d.wait!.scope}${d.wait!.party ? `, expert ${d.wait!.party}` : ''}`,
  dueAt,
  createdAt: at,
});
const firedOf = (ctx: CenterContext, event: DeadlineEvent) => ctx.deadlines.find((d) => d.key === event.key)!;
/** The reminder names the deadline it reminds of. */
const dueOfReminder = (ctx: CenterContext, d: Deadline): string =>
  d.wait!.step === 'rectificationReport' ? ctx.rectification!.dueAt : (ctx.deadlines.find((x) => x.kind === 'stepDue' && x.wait && d.wait && x.wait.armedAt === d.wait.armedAt && sameWait(d.wait, x))?.dueAt ?? d.dueAt);
const reminderRecord = effect<DeadlineEvent>((ctx, event) => {
  const d = firedOf(ctx, event);
  return [notification(ctx, d, 'reminder', partyOf(d.wait!), dueOfReminder(ctx, d), event.meta.at)];
});
/** At the deadline: overdue to whom the step waits for, and escalated to the commission (once, when it is the one waited for). */
const overdueRecord = effect<DeadlineEvent>((ctx, event) => {
  const d = firedOf(ctx, event);
  const party = partyOf(d.wait!);
  const commission = { recipientRole: 'commission' as const, recipientId: null };
  return [notification(ctx, d, 'overdue', party, d.dueAt, event.meta.at), ...(party.recipientRole === 'commission' ? [] : [notification(ctx, d, 'escalation', commission, d.dueAt, event.meta.at)])];
});

// ---- Transitions ----

/** The step deadlines' transitions, wherever the center waits (application and building). */
export const stepDeadlineTransitions = [
  { guard: deadlineIs('stepReminder', stillWaiting), actions: ['markDeadlineFired', reminderRecord] },
  { guard: deadlineIs('stepDue', stillWaiting), actions: ['markDeadlineFired', overdueRecord] },
] as const;
export const deadlineHandlers = {
  EXTEND_DEADLINE: { guard: when(extendable), actions: ['extendDeadline'] },
} as const;
