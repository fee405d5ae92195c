/**
 * Spending and final accounts (Art. 16): the money is municipal (市级财政) and kept under the municipal rules for
 * research-type education funds (京财教〔2016〕3001号) — budgets per line, spending recorded against them, final
 * accounts (决算) at the year's end.
 *
 * - A grant carries its budget lines (GRANT_FUNDING `budgetLines`, lines of the municipal vocabulary adding up to the
 *   amount granted); a grant made without lines has one line, `unallocated`, of its whole amount.
 * - The university records spending against a line of a granted request (RECORD_SPENDING: amount in fen, date, line,
 *   what it paid for, optional evidence files); spending that would take a line over its budget is refused
 *   (`over-budget`), naming the line, its budget, what is spent and what is left.
 * - Once the grant's build year has ended, the university submits its final accounts (SUBMIT_FINAL_ACCOUNTS): per
 *   line, granted, spent and unspent, computed here from the recorded spending (never typed in); the commission
 *   accepts them or returns them with a reason (ACCEPT_FINAL_ACCOUNTS / RETURN_FINAL_ACCOUNTS). Returned accounts may
 *   be corrected (more spending recorded) and submitted again; submitted or accepted ones close the grant to spending.
 *   The unspent money is in every final account and in `centers accounts` (Art. 16: reported to the commission).
 */
import { z } from 'zod';
import { defineCommands, effect, OptionalReason, refuse, when, type Rule } from '../core';
import type { CenterContext } from '../context';
import { GrantBudgetLinesSchema, ReasonSchema, SpendingSchema, type GrantBudgetLines } from '../domain';
import { evidenceField } from '../evidence';
import type { DomainRecord } from '../records.types';
import { BUDGET_LINES, type BudgetLine, type FinalAccountsStatus } from '../vocabulary';
import type { EventOf } from '../commands';
import { beijingDate } from './reserve';
import type { FundingEntry } from './funding';

/** Art. 16: one budget line of a grant. */
export interface GrantLine {
  line: BudgetLine;
  amountFen: number;
}
/** Art. 16: one spending recorded against a line of a grant. */
export interface SpendingEntry {
  spendingId: string;
  requestId: string;
  cycle: number;
  year: number;
  line: BudgetLine;
  amountFen: number;
  spentOn: string;
  description: string;
  recordedAt: string;
  recordedBy: string;
}
/** Art. 16: a line of the final accounts: what was granted, spent and left unspent, in fen. */
export interface AccountLine {
  line: BudgetLine;
  grantedFen: number;
  spentFen: number;
  unspentFen: number;
}
/** Art. 16: the final accounts (决算) of one grant. */
export interface FinalAccountsEntry {
  requestId: string;
  cycle: number;
  year: number;
  status: FinalAccountsStatus;
  lines: AccountLine[];
  grantedFen: number;
  spentFen: number;
  unspentFen: number;
  /** The university's explanation (of the unspent money, say). */
  statement: string | null;
  submittedAt: string;
  submittedBy: string;
  decidedAt: string | null;
  decidedBy: string | null;
  /** Why the commission returned them. */
  reason: string | null;
}

/** The budget lines a grant carries into the funding decision (stages/funding.ts GRANT_FUNDING). */
export const budgetLinesField = { budgetLines: GrantBudgetLinesSchema.optional() };

const RequestId = z.string().min(1).max(64);
const requestOption = { request: { field: 'requestId', value: 'ID', description: 'the granted funding request (e.g. c1-y1-f1; see `centers funding list`)', required: true } } as const;

export const accountsCommands = defineCommands({
  RECORD_SPENDING: {
    stage: 'funding',
    article: 'Art. 16',
    summary: 'Record money spent from a grant against one of its budget lines',
    roles: ['university'],
    host: 'center',
    payload: z.object({ requestId: RequestId, ...SpendingSchema.shape, ...evidenceField }).strict(),
    cli: {
      name: 'spending record',
      target: 'center',
      options: {
        ...requestOption,
        line: { field: 'line', value: 'LINE', description: 'the budget line: equipment, materials, testing, travel, conferences, publicationsIp, labour, expertConsultation, other (unallocated for a grant without lines)', required: true },
        'amount-fen': { field: 'amountFen', value: 'FEN', description: 'the amount spent, in fen', required: true, type: 'integer' },
        'spent-on': { field: 'spentOn', value: 'YYYY-MM-DD', description: 'the day it was spent (not later than today)', required: true },
        description: { field: 'description', value: 'TEXT', description: 'what it paid for (an invoice, a contract…)', required: true },
      },
      details:
        'Art. 16: spending is recorded against a line of a granted request; spending that would take the line over its\n' +
        'budget is refused (over-budget), naming what is left. Once the final accounts are submitted or accepted no more is\n' +
        'recorded (returned accounts reopen the grant). Attach the invoice with --attach FILE. Amounts are integer fen.',
      examples: [
        'centers spending record bjut --request c1-y1-f1 --line equipment --amount-fen 12000000 --spent-on 2026-06-01 --description "Licensing platform servers" --attach invoice.pdf',
      ],
    },
  },
  SUBMIT_FINAL_ACCOUNTS: {
    stage: 'funding',
    article: 'Art. 16',
    summary: "Submit a grant's final accounts (决算) after its build year: granted, spent and unspent per line",
    roles: ['university'],
    host: 'center',
    payload: z.object({ requestId: RequestId, statement: OptionalReason }).strict(),
    cli: {
      name: 'accounts submit',
      target: 'center',
      options: { ...requestOption, statement: { field: 'statement', value: 'TEXT', description: 'the university\'s explanation (of the unspent money, say)' } },
      details:
        "Art. 16: at the end of the grant's build year. The figures are computed from the spending recorded (centers\n" +
        'accounts show), never typed in; the unspent money is reported with them. Submitted again after a return.',
      examples: ['centers accounts submit bjut --request c1-y1-f1 --statement "Testing moved to next year\'s project"'],
    },
  },
  ACCEPT_FINAL_ACCOUNTS: {
    stage: 'funding',
    article: 'Art. 16',
    summary: "Accept a grant's submitted final accounts",
    roles: ['commission'],
    host: 'center',
    payload: z.object({ requestId: RequestId }).strict(),
    cli: { name: 'accounts accept', target: 'center', options: requestOption, examples: ['centers accounts accept bjut --request c1-y1-f1'] },
  },
  RETURN_FINAL_ACCOUNTS: {
    stage: 'funding',
    article: 'Art. 16',
    summary: "Return a grant's submitted final accounts, with a reason",
    roles: ['commission'],
    host: 'center',
    payload: z.object({ requestId: RequestId, reason: ReasonSchema }).strict(),
    cli: {
      name: 'accounts return',
      target: 'center',
      options: { ...requestOption, reason: { field: 'reason', value: 'TEXT', description: 'why (the university corrects and submits again)', required: true } },
      examples: ['centers accounts return bjut --request c1-y1-f1 --reason "The travel line lacks its invoices"'],
    },
  },
});

// ---- The figures (one definition: the statechart's final accounts and the CLI's report both use these) ----

/**
 * Art. 16: a grant's budget lines, in the order of the municipal rules' vocabulary (however they were given or
 * stored); a grant made without lines has one, `unallocated`, of its whole amount.
 */
export const grantLines = (f: Pick<FundingEntry, 'grantedFen'> & { budgetLines?: GrantBudgetLines | GrantLine[] | null }): GrantLine[] =>
  f.budgetLines && f.budgetLines.length > 0
    ? f.budgetLines.map((l) => ({ line: l.line, amountFen: l.amountFen })).sort((a, b) => BUDGET_LINES.indexOf(a.line) - BUDGET_LINES.indexOf(b.line))
    : [{ line: 'unallocated', amountFen: f.grantedFen ?? 0 }];

/** Art. 16: granted, spent and unspent per line, and in all, from a grant's lines and the spending recorded against them. */
export function accountLines(lines: readonly GrantLine[], spending: readonly { line: BudgetLine; amountFen: number }[]): { lines: AccountLine[]; grantedFen: number; spentFen: number; unspentFen: number } {
  const out = lines.map((l) => {
    const spentFen = spending.filter((s) => s.line === l.line).reduce((sum, s) => sum + s.amountFen, 0);
    return { line: l.line, grantedFen: l.amountFen, spentFen, unspentFen: l.amountFen - spentFen };
  });
  const total = (k: 'grantedFen' | 'spentFen' | 'unspentFen') => out.reduce((sum, l) => sum + l[k], 0);
  return { lines: out, grantedFen: total('grantedFen'), spentFen: total('spentFen'), unspentFen: total('unspentFen') };
}

// ---- Rules ----

const spendingOf = (ctx: CenterContext, requestId: string): SpendingEntry[] => (ctx.spending ?? []).filter((s) => s.requestId === requestId);
export const findAccounts = (ctx: CenterContext, requestId: string): FinalAccountsEntry | undefined => (ctx.finalAccounts ?? []).find((a) => a.requestId === requestId);
const grantOf = (ctx: CenterContext, requestId: string): FundingEntry | undefined => ctx.funding.find((f) => f.requestId === requestId);

/** The budget lines given with a grant add up to the amount granted (Art. 16). */
export const linesAddUp: Rule<EventOf<'GRANT_FUNDING'>> = (_ctx, event) => {
  if (!event.budgetLines) return null;
  const sum = event.budgetLines.reduce((a, l) => a + l.amountFen, 0);
  return sum === event.amountFen ? null : refuse('invalid-input', `The budget lines add up to ${sum} fen, not the ${event.amountFen} fen granted (Art. 16): give lines that add up to the grant.`);
};

/** Spending and final accounts are of a granted request. */
const granted: Rule<{ requestId: string }> = (ctx, event) => {
  const f = grantOf(ctx, event.requestId);
  if (!f) return refuse('invalid-input', `No funding request "${event.requestId}" for this center (centers funding list).`);
  return f.status === 'granted' ? null : refuse('not-allowed-in-state', `Funding request ${f.requestId} is ${f.status}, not granted: spending and final accounts are kept for grants (Art. 16).`);
};
/** No spending once the final accounts are submitted or accepted (a return reopens the grant). */
const openToSpending: Rule<EventOf<'RECORD_SPENDING'>> = (ctx, event) => {
  const a = findAccounts(ctx, event.requestId);
  return a && a.status !== 'returned'
    ? refuse('not-allowed-in-state', `The final accounts of ${event.requestId} are ${a.status} (${a.decidedAt ?? a.submittedAt}); no more spending is recorded against the grant.`)
    : null;
};
/** The line is one of the grant's, and the spending keeps it within its budget. */
const withinLine: Rule<EventOf<'RECORD_SPENDING'>> = (ctx, event) => {
  const f = grantOf(ctx, event.requestId)!;
  const lines = grantLines(f);
  const line = lines.find((l) => l.line === event.line);
  if (!line) return refuse('invalid-input', `Grant ${f.requestId} has no budget line "${event.line}"; its lines are ${lines.map((l) => l.line).join(', ')}.`);
  const spent = spendingOf(ctx, f.requestId).filter((s) => s.line === event.line).reduce((sum, s) => sum + s.amountFen, 0);
  if (spent + event.amountFen <= line.amountFen) return null;
  return refuse(
    'over-budget',
    `Spending ${event.amountFen} fen on line ${event.line} of grant ${f.requestId} would take it to ${spent + event.amountFen} fen, over its budget of ${line.amountFen} fen ` +
      `(Art. 16); ${spent} fen are spent, at most ${line.amountFen - spent} fen can still be spent on it.`,
  );
};
/** The day of the spending lies between the grant and the recording (Beijing dates). */
const spentInTime: Rule<EventOf<'RECORD_SPENDING'>> = (ctx, event) => {
  const today = beijingDate(event.meta.at);
  if (event.spentOn > today) return refuse('invalid-input', `The spending is dated ${event.spentOn}, after today (${today}); record money already spent.`);
  const grantedOn = beijingDate(grantOf(ctx, event.requestId)!.decidedAt ?? event.meta.at);
  return event.spentOn < grantedOn ? refuse('invalid-input', `The spending is dated ${event.spentOn}, before the grant of ${event.requestId} (${grantedOn}).`) : null;
};
/** Art. 16: final accounts at the year's end — the grant's build year has ended; submitted once, again after a return. */
const accountsDue: Rule<EventOf<'SUBMIT_FINAL_ACCOUNTS'>> = (ctx, event) => {
  const f = grantOf(ctx, event.requestId)!;
  const ended = f.cycle < ctx.cycle || (f.cycle === ctx.cycle && ctx.yearsEnded >= f.year);
  if (!ended) return refuse('not-allowed-in-state', `Build year ${f.year} of cycle ${f.cycle} has not ended; the final accounts of ${f.requestId} are submitted at the year's end (Art. 16).`);
  const a = findAccounts(ctx, event.requestId);
  return a && a.status !== 'returned' ? refuse('not-allowed-in-state', `The final accounts of ${event.requestId} are already ${a.status}.`) : null;
};
const submitted: Rule<EventOf<'ACCEPT_FINAL_ACCOUNTS' | 'RETURN_FINAL_ACCOUNTS'>> = (ctx, event) => {
  const a = findAccounts(ctx, event.requestId);
  if (!a) return refuse('not-allowed-in-state', `The final accounts of ${event.requestId} have not been submitted.`);
  return a.status === 'submitted' ? null : refuse('not-allowed-in-state', `The final accounts of ${event.requestId} are ${a.status}, not awaiting a decision.`);
};

// ---- Context updates ----

const withAccounts = (ctx: CenterContext, requestId: string, change: Partial<FinalAccountsEntry>): FinalAccountsEntry[] =>
  (ctx.finalAccounts ?? []).map((a) => (a.requestId === requestId ? { ...a, ...change } : a));

export const accountsAssigners = {
  recordSpending: (ctx: CenterContext, event: EventOf<'RECORD_SPENDING'>): Partial<CenterContext> => {
    const f = grantOf(ctx, event.requestId)!;
    const entry: SpendingEntry = {
      spendingId: `${f.requestId}-s${spendingOf(ctx, f.requestId).length + 1}`,
      requestId: f.requestId,
      cycle: f.cycle,
      year: f.year,
      line: event.line,
      amountFen: event.amountFen,
      spentOn: event.spentOn,
      description: event.description,
      recordedAt: event.meta.at,
      recordedBy: event.meta.actor.id,
    };
    return { spending: [...(ctx.spending ?? []), entry] };
  },
  submitFinalAccounts: (ctx: CenterContext, event: EventOf<'SUBMIT_FINAL_ACCOUNTS'>): Partial<CenterContext> => {
    const f = grantOf(ctx, event.requestId)!;
    const entry: FinalAccountsEntry = {
      requestId: f.requestId,
      cycle: f.cycle,
      year: f.year,
      status: 'submitted',
      ...accountLines(grantLines(f), spendingOf(ctx, f.requestId)),
      statement: event.statement?.trim() || null,
      submittedAt: event.meta.at,
      submittedBy: event.meta.actor.id,
      decidedAt: null,
      decidedBy: null,
      reason: null,
    };
    const others = (ctx.finalAccounts ?? []).filter((a) => a.requestId !== f.requestId);
    return { finalAccounts: [...others, entry] };
  },
  acceptFinalAccounts: (ctx: CenterContext, event: EventOf<'ACCEPT_FINAL_ACCOUNTS'>): Partial<CenterContext> => ({
    finalAccounts: withAccounts(ctx, event.requestId, { status: 'accepted', decidedAt: event.meta.at, decidedBy: event.meta.actor.id, reason: null }),
  }),
  returnFinalAccounts: (ctx: CenterContext, event: EventOf<'RETURN_FINAL_ACCOUNTS'>): Partial<CenterContext> => ({
    finalAccounts: withAccounts(ctx, event.requestId, { status: 'returned', decidedAt: event.meta.at, decidedBy: event.meta.actor.id, reason: event.reason }),
  }),
};

// ---- Effects ----

/** Art. 16: the budget lines of a grant, written with its decision (one row per line). */
export const budgetLinesRecord = (ctx: CenterContext, f: FundingEntry): DomainRecord => ({
  kind: 'budgetLines',
  centerId: ctx.centerId,
  requestId: f.requestId,
  cycle: f.cycle,
  year: f.year,
  lines: grantLines(f),
  grantedAt: f.decidedAt!,
});
const spendingRecord = effect<EventOf<'RECORD_SPENDING'>>((ctx) => [{ kind: 'spending', centerId: ctx.centerId, ...ctx.spending.at(-1)! }]);
const accountsRecord = effect<EventOf<'SUBMIT_FINAL_ACCOUNTS' | 'ACCEPT_FINAL_ACCOUNTS' | 'RETURN_FINAL_ACCOUNTS'>>((ctx, event) => [
  { kind: 'finalAccounts', centerId: ctx.centerId, ...findAccounts(ctx, event.requestId)! },
]);

/** Taken in every building state (machines/center.ts). */
export const accountsHandlers = {
  RECORD_SPENDING: { guard: when(granted, openToSpending, withinLine, spentInTime), actions: ['recordSpending', spendingRecord] },
  SUBMIT_FINAL_ACCOUNTS: { guard: when(granted, accountsDue), actions: ['submitFinalAccounts', accountsRecord] },
  ACCEPT_FINAL_ACCOUNTS: { guard: when(submitted), actions: ['acceptFinalAccounts', accountsRecord] },
  RETURN_FINAL_ACCOUNTS: { guard: when(submitted), actions: ['returnFinalAccounts', accountsRecord] },
} as const;
