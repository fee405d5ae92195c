/**
 * The build years and their annual summaries (Art. 6, 18). A cycle starts on the approval date and year k ends on
 * its k-th anniversary; at each year's end the year's summary opens, due after the policy's grace period, with a
 * reminder before the due date. A missing summary is reminded, flagged overdue and escalated — never dropped.
 * The university submits (or resubmits once returned); the commission accepts or returns it with a reason.
 */
import { z } from 'zod';
import { defineCommands, effect, refuse, when, type Rule, type Update } from '../core';
import { evidenceField } from '../evidence';
import { deadline, deadlineIs, markFired, type CenterContext, type Deadline, type DeadlineEvent } from '../context';
import { AnnualSummarySchema, ReasonSchema, type AnnualSummary } from '../domain';
import type { DomainRecord } from '../records.types';
import { addMs, daysMs, reminderAt, yearEndAt } from '../time';
import type { SummaryStatus } from '../vocabulary';
import type { EventOf } from '../commands';
import { transfersMatchReserve } from './reserve';

/** Art. 18: the annual summary of one build year. */
export interface SummaryEntry {
  cycle: number;
  year: number;
  status: SummaryStatus;
  openedAt: string;
  dueAt: string;
  summary: AnnualSummary | null;
  submittedAt: string | null;
  submissions: number;
  overdue: boolean;
  reminders: number;
  returnReason: string | null;
  acceptedAt: string | null;
}

const summaryRef = { cycle: z.number().int().min(1).optional(), year: z.number().int().min(1).max(10) };
const yearOption = { field: 'year', value: 'N', description: 'the build year of the cycle (1–5)', required: true, type: 'integer' } as const;
const cycleOption = { field: 'cycle', value: 'C', description: 'the build cycle (default: the current one)', type: 'integer' } as const;

export const summaryCommands = defineCommands({
  SUBMIT_SUMMARY: {
    stage: 'summaries',
    article: 'Art. 18',
    summary: "Submit (or resubmit, once returned) a build year's annual summary",
    roles: ['university'],
    host: 'center',
    payload: z.object({ ...summaryRef, summary: AnnualSummarySchema, ...evidenceField }).strict(),
    cli: {
      name: 'summary submit',
      target: 'center',
      file: { field: 'summary', description: 'the summary: { indicators, progress } or { "summary": ... }' },
      options: { year: yearOption, cycle: cycleOption },
      details:
        "Art. 18: a year's summary opens when the year ends (its anniversary of approval) and is due after the grace\n" +
        'period (policy default 30 days). A late summary is flagged overdue, reminded and escalated, and may still be\n' +
        'submitted. The indicators are the transfers by assignment, licence, equity investment and spin-off, patents\n' +
        'and people trained (Art. 3, Op. 4–5); the progress covers the five key tasks (Art. 10–11).',
      examples: ['centers summary submit bjut --year 1 --file examples/summary.json --as university:bjut-office@bjut'],
    },
  },
  ACCEPT_SUMMARY: {
    stage: 'summaries',
    article: 'Art. 18',
    summary: 'Accept a submitted annual summary',
    roles: ['commission'],
    host: 'center',
    payload: z.object(summaryRef).strict(),
    cli: { name: 'summary accept', target: 'center', options: { year: yearOption, cycle: cycleOption }, examples: ['centers summary accept bjut --year 1'] },
  },
  RETURN_SUMMARY: {
    stage: 'summaries',
    article: 'Art. 18',
    summary: 'Return a submitted annual summary for rework, with a reason',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ ...summaryRef, reason: ReasonSchema }).strict(),
    cli: {
      name: 'summary return',
      target: 'center',
      options: { year: yearOption, cycle: cycleOption, reason: { field: 'reason', value: 'TEXT', description: 'why (recorded with the decision)', required: true } },
      examples: ['centers summary return bjut --year 1 --reason "Licence income is missing its contracts"'],
    },
  },
});

// ---- The build years (Art. 6) ----

export const yearEndKey = (cycle: number, year: number) => `c${cycle}:year${year}:end`;
export const summaryReminderKey = (cycle: number, year: number) => `c${cycle}:summary${year}:reminder`;
export const summaryDueKey = (cycle: number, year: number) => `c${cycle}:summary${year}:due`;

/** Deadlines of a new cycle: the end of each build year (SPEC §3 "Time"). */
export const cycleDeadlines = (ctx: CenterContext, cycle: number, startAt: string): Deadline[] =>
  Array.from({ length: ctx.policy.cycleYears }, (_, i) => deadline(yearEndKey(cycle, i + 1), 'yearEnd', yearEndAt(ctx.policy, startAt, i + 1), cycle, i + 1));

/** A build cycle began (Art. 6, 19): cycle 1 on approval, the next after an acceptance that passed. */
export const cycleRecord = effect<unknown>((ctx) => {
  const last = ctx.deadlines.filter((d) => d.kind === 'yearEnd' && d.cycle === ctx.cycle).at(-1);
  return [{ kind: 'cycle', centerId: ctx.centerId, cycle: ctx.cycle, tier: ctx.tier, startedAt: ctx.cycleStartAt!, endsAt: last?.dueAt ?? ctx.cycleStartAt! }];
});

/** Funding is requested for the year under way; none after the cycle's last year has ended. */
export const currentYear = (ctx: CenterContext): number | null => (ctx.cycle > 0 && ctx.yearsEnded < ctx.policy.cycleYears ? ctx.yearsEnded + 1 : null);

// ---- Rules ----

type SummaryCommand = EventOf<'SUBMIT_SUMMARY' | 'ACCEPT_SUMMARY' | 'RETURN_SUMMARY'>;
const refOf = (ctx: CenterContext, e: { cycle?: number; year: number }) => ({ cycle: e.cycle ?? ctx.cycle, year: e.year });
export const findSummary = (ctx: CenterContext, ref: { cycle?: number; year: number }): SummaryEntry | undefined => {
  const { cycle, year } = refOf(ctx, ref);
  return ctx.summaries.find((s) => s.cycle === cycle && s.year === year);
};
const awaiting = (s: SummaryEntry) => s.status === 'open' || s.status === 'returned';

/** Art. 18: a summary in one of these states; the sentence names what the command needs. */
const summaryIs = (wanted: readonly SummaryStatus[]): Rule<SummaryCommand> => (ctx, event) => {
  const ref = refOf(ctx, event);
  const s = findSummary(ctx, ref);
  if (!s) return refuse('not-allowed-in-state', `No annual summary of cycle ${ref.cycle}, year ${ref.year} is open: a summary opens when its year ends (Art. 18).`);
  return wanted.includes(s.status) ? null : refuse('not-allowed-in-state', `The annual summary of cycle ${ref.cycle}, year ${ref.year} is ${s.status}; ${event.type} needs it ${wanted.join(' or ')}.`);
};

/** Art. 18, Op. 4(4): the summary's transfers are the reserve's of that build year (stages/reserve.ts). */
const matchesReserve: Rule<EventOf<'SUBMIT_SUMMARY'>> = (ctx, event) => transfersMatchReserve(ctx, event.summary, findSummary(ctx, event)!.openedAt);

// ---- Context updates ----

const withSummary = (ctx: CenterContext, ref: { cycle: number; year: number }, change: (s: SummaryEntry) => Partial<SummaryEntry>) => ({
  summaries: ctx.summaries.map((s) => (s.cycle === ref.cycle && s.year === ref.year ? { ...s, ...change(s) } : s)),
});
const deadlineOf = (ctx: CenterContext, event: DeadlineEvent) => ctx.deadlines.find((x) => x.key === event.key)!;

/** Art. 18: year k ends on its anniversary; its summary opens, due after the grace period, reminded before. */
const endYear: Update<DeadlineEvent> = (ctx, event) => {
  const d = deadlineOf(ctx, event);
  const dueAt = addMs(d.dueAt, daysMs(ctx.policy, ctx.policy.summaryGraceDays));
  const reminders =
    ctx.policy.reminderDaysBefore > 0
      ? [deadline(summaryReminderKey(d.cycle, d.year), 'summaryReminder', reminderAt(ctx.policy, dueAt), d.cycle, d.year)]
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

export const summaryAssigners = {
  endYear,
  /** A reminder to the university, recorded only while the summary is still missing. */
  remindSummary: (ctx: CenterContext, event: DeadlineEvent): Partial<CenterContext> => ({
    ...withSummary(ctx, deadlineOf(ctx, event), (s) => (awaiting(s) ? { reminders: s.reminders + 1 } : {})),
    deadlines: markFired(ctx.deadlines, event.key, event.meta.at),
  }),
  /** At the due date a missing summary is flagged overdue and escalated to the commission. */
  flagSummaryOverdue: (ctx: CenterContext, event: DeadlineEvent): Partial<CenterContext> => ({
    ...withSummary(ctx, deadlineOf(ctx, event), (s) => (awaiting(s) ? { overdue: true } : {})),
    deadlines: markFired(ctx.deadlines, event.key, event.meta.at),
  }),
  submitSummary: (ctx: CenterContext, event: EventOf<'SUBMIT_SUMMARY'>): Partial<CenterContext> =>
    withSummary(ctx, refOf(ctx, event), (s) => ({ status: 'submitted', summary: event.summary, submittedAt: event.meta.at, submissions: s.submissions + 1 })),
  acceptSummary: (ctx: CenterContext, event: EventOf<'ACCEPT_SUMMARY'>): Partial<CenterContext> =>
    withSummary(ctx, refOf(ctx, event), () => ({ status: 'accepted', acceptedAt: event.meta.at })),
  returnSummary: (ctx: CenterContext, event: EventOf<'RETURN_SUMMARY'>): Partial<CenterContext> =>
    withSummary(ctx, refOf(ctx, event), () => ({ status: 'returned', returnReason: event.reason })),
};

// ---- Effects ----

const summaryRow = (ctx: CenterContext, s: SummaryEntry): DomainRecord => {
  const { reminders: _reminders, ...entry } = s;
  return { kind: 'annualSummary', centerId: ctx.centerId, ...entry };
};
const summaryOf = (ctx: CenterContext, ref: { cycle?: number; year: number }) => findSummary(ctx, ref)!;
const fromDeadline = (ctx: CenterContext, event: DeadlineEvent) => summaryOf(ctx, deadlineOf(ctx, event));
const summaryRecord = effect<SummaryCommand>((ctx, event) => [summaryRow(ctx, summaryOf(ctx, event))]);
const openedRecord = effect<DeadlineEvent>((ctx, event) => [summaryRow(ctx, fromDeadline(ctx, event))]);
/** Art. 18: a missing summary is reminded, flagged overdue and escalated — one outbox row each. */
const notice = (ctx: CenterContext, s: SummaryEntry, key: string, recipientRole: 'university' | 'commission', kind: 'reminder' | 'overdue' | 'escalation'): DomainRecord => ({
  kind: 'notification',
  centerId: ctx.centerId,
  key,
  recipientRole,
  notice: kind,
  subject: `annual summary, cycle ${s.cycle} year ${s.year}`,
  dueAt: s.dueAt,
  createdAt: s.openedAt,
});
const reminderRecord = effect<DeadlineEvent>((ctx, event) => {
  const s = fromDeadline(ctx, event);
  return awaiting(s) ? [summaryRow(ctx, s), notice(ctx, s, `c${s.cycle}:summary${s.year}:reminder${s.reminders}`, 'university', 'reminder')] : [];
});
const overdueRecord = effect<DeadlineEvent>((ctx, event) => {
  const s = fromDeadline(ctx, event);
  if (!awaiting(s)) return [];
  const key = summaryDueKey(s.cycle, s.year);
  return [summaryRow(ctx, s), notice(ctx, s, key, 'university', 'overdue'), notice(ctx, s, key, 'commission', 'escalation')];
});

/** The year-end transitions, shared by `building` (every year) and `running` (the mid-term's year). */
export const yearEndActions = ['endYear', openedRecord] as const;

/** Transitions every building state takes: the summary commands and the summary deadlines. */
export const summaryHandlers = {
  SUBMIT_SUMMARY: { guard: when(summaryIs(['open', 'returned']), matchesReserve), actions: ['submitSummary', summaryRecord] },
  ACCEPT_SUMMARY: { guard: when(summaryIs(['submitted'])), actions: ['acceptSummary', summaryRecord] },
  RETURN_SUMMARY: { guard: when(summaryIs(['submitted'])), actions: ['returnSummary', summaryRecord] },
} as const;
export const summaryDeadlines = [
  { guard: deadlineIs('yearEnd'), actions: [...yearEndActions] },
  { guard: deadlineIs('summaryReminder'), actions: ['remindSummary', reminderRecord] },
  { guard: deadlineIs('summaryDue'), actions: ['flagSummaryOverdue', overdueRecord] },
] as const;
