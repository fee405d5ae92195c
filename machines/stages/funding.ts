/**
 * Yearly funding (Art. 13–16): the university requests money for the build year under way — a promotion project
 * (Art. 14) or a guidance project carrying external opinions (Art. 15) — and the commission grants at most the
 * amount requested (less only with a reason) or declines with a reason. Money is integer fen (Art. 16). While
 * the center rectifies, support is suspended (Art. 19): pending requests are held, and nothing can be granted.
 */
import { z } from 'zod';
import { defineCommands, effect, OptionalReason, PositiveFen, refuse, when, type Rule } from '../core';
import { evidenceField } from '../evidence';
import type { CenterContext } from '../context';
import { FundingRequestSchema, ReasonSchema, type FundingRequest } from '../domain';
import type { DomainRecord } from '../records.types';
import type { FundingStatus } from '../vocabulary';
import type { CenterEvent, EventOf } from '../commands';
import { currentYear } from './summaries';
import { namesReserveEntries, putUnderTransfer, reserveRows } from './reserve';
import { budgetLinesField, budgetLinesRecord, linesAddUp } from './accounts';
import type { GrantBudgetLines } from '../domain';

/** Art. 13–16: one funding request and what became of it. */
export interface FundingEntry {
  requestId: string;
  cycle: number;
  year: number;
  request: FundingRequest;
  status: FundingStatus;
  grantedFen: number | null;
  reason: string | null;
  requestedAt: string;
  requestedBy: string;
  decidedAt: string | null;
  decidedBy: string | null;
  /** Art. 16: the budget lines the grant carries (absent: granted before grants carried lines, or without: one line `unallocated`). */
  budgetLines?: GrantBudgetLines;
}

const RequestId = z.string().min(1).max(64);
const requestOption = { field: 'requestId', value: 'ID', description: 'the funding request id (e.g. c1-y1-f1; see `centers funding list`)', required: true } as const;
const FEN = 'Amounts are integer fen (1 yuan = 100 fen), as Art. 16 budgets are kept to the fen.';

export const fundingCommands = defineCommands({
  REQUEST_FUNDING: {
    stage: 'funding',
    article: 'Art. 13–15',
    summary: "Request funding for the build year's tasks: a promotion or a guidance project",
    roles: ['university'],
    host: 'center',
    payload: z.object({ request: FundingRequestSchema, ...evidenceField }).strict(),
    cli: {
      name: 'funding request',
      target: 'center',
      file: { field: 'request', description: 'the request: { kind, title, tasks, amountFen, budgetLines, opinions } or { "request": ... }' },
      details:
        'Art. 13: a request is for the build year under way. Promotion projects (Art. 14) fund mechanism, IP, training,\n' +
        'sharing and services; guidance projects (Art. 15) fund a concrete transfer project and carry the opinions of\n' +
        `professional bodies or enterprises. Budget lines, when given, add up to the amount (Art. 16). ${FEN}\n` +
        'Refused (suspended) while the center rectifies (Art. 19).',
      examples: [
        'centers funding request bjut --file examples/funding-promotion.json --as university:bjut-office@bjut',
        'centers funding request bjut --file examples/funding-guidance.json --as university:bjut-office@bjut',
      ],
    },
  },
  GRANT_FUNDING: {
    stage: 'funding',
    article: 'Art. 13–16',
    summary: 'Grant a pending funding request, up to the amount requested',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ requestId: RequestId, amountFen: PositiveFen, reason: OptionalReason, ...budgetLinesField }).strict(),
    cli: {
      name: 'funding grant',
      target: 'center',
      options: {
        request: requestOption,
        'amount-fen': { field: 'amountFen', value: 'FEN', description: 'the amount granted, in fen: at most the amount requested', required: true, type: 'integer' },
        reason: { field: 'reason', value: 'TEXT', description: 'why (required when granting less than requested)' },
      },
      file: {
        field: 'budgetLines',
        optional: true,
        description: 'the budget lines: [{ line, amountFen }], lines equipment|materials|testing|travel|conferences|publicationsIp|labour|expertConsultation|other, adding up to the amount',
      },
      details:
        `Writes one row to the funding ledger (Art. 16). With --file, the grant carries its budget lines (the municipal\n` +
        `rules' lines, each once, adding up to the amount); spending is recorded against them (centers spending record).\n` +
        `Without, the grant has one line, unallocated. ${FEN}`,
      examples: [
        'centers funding grant bjut --request c1-y1-f1 --amount-fen 50000000 --file examples/budget-lines.json',
        'centers funding grant bjut --request c1-y1-f2 --amount-fen 80000000 --reason "Pilot line budget reduced to the partner\'s share"',
      ],
    },
  },
  DECLINE_FUNDING: {
    stage: 'funding',
    article: 'Art. 13–16',
    summary: 'Decline a pending funding request, with a reason',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ requestId: RequestId, reason: ReasonSchema }).strict(),
    cli: {
      name: 'funding decline',
      target: 'center',
      options: { request: requestOption, reason: { field: 'reason', value: 'TEXT', description: 'why (recorded with the decision)', required: true } },
      examples: ['centers funding decline bjut --request c1-y1-f2 --reason "No enterprise has committed to the pilot line"'],
    },
  },
});

// ---- Rules ----

/** Art. 19: while rectifying (and being re-evaluated), support is suspended. */
export const isSupportSuspended = (ctx: CenterContext): boolean => ctx.rectification !== null;
export const findRequest = (ctx: CenterContext, requestId: string): FundingEntry | undefined => ctx.funding.find((f) => f.requestId === requestId);

const mayRequest: Rule<EventOf<'REQUEST_FUNDING'>> = (ctx) => {
  if (isSupportSuspended(ctx)) return refuse('suspended', `Support for "${ctx.centerId}" is suspended while it rectifies (Art. 19); request funding again once the re-evaluation has passed.`);
  if (currentYear(ctx) === null) return refuse('not-allowed-in-state', `Cycle ${ctx.cycle}'s ${ctx.policy.cycleYears} build years have ended; funding is requested for the year under way (Art. 13).`);
  return null;
};
/** Art. 15: a guidance project transfers results from the center's reserve (stages/reserve.ts). */
const fromReserve: Rule<EventOf<'REQUEST_FUNDING'>> = (ctx, event) => namesReserveEntries(ctx, event.request);
/** A decision is taken on a pending request, never while support is suspended (Art. 19). */
const pendingRequest: Rule<EventOf<'GRANT_FUNDING' | 'DECLINE_FUNDING'>> = (ctx, event) => {
  const request = findRequest(ctx, event.requestId);
  if (!request) return refuse('invalid-input', `No funding request "${event.requestId}" for this center.`);
  if (request.status === 'held' || (request.status === 'pending' && isSupportSuspended(ctx))) {
    return refuse('suspended', `Support for "${ctx.centerId}" is suspended while it rectifies (Art. 19); request ${request.requestId} is held and no grant can be made.`);
  }
  return request.status === 'pending' ? null : refuse('not-allowed-in-state', `Funding request ${request.requestId} is already ${request.status}.`);
};
/** Art. 16: at most the amount requested; less only with a reason. */
const withinRequest: Rule<EventOf<'GRANT_FUNDING'>> = (ctx, event) => {
  const asked = findRequest(ctx, event.requestId)!.request.amountFen;
  if (event.amountFen > asked) return refuse('invalid-input', `The grant (${event.amountFen} fen) may not exceed the amount requested (${asked} fen).`);
  if (event.amountFen < asked && !event.reason?.trim()) return refuse('invalid-input', `Granting less than requested (${event.amountFen} of ${asked} fen) needs a reason.`);
  return null;
};

/**
 * Art. 19 分级给予支持: the tier sets the most a center may be granted in one build year for each kind of project
 * (policy.fundingCeilingsFen); the grants of that year and kind, with this one, stay within it. Centers started
 * before the ceilings existed carry a policy without them, and keep the rules they started under.
 */
export const yearCeiling = (ctx: CenterContext, kind: FundingEntry['request']['kind']): number | null => {
  const ceilings = (ctx.policy as Partial<CenterContext['policy']>).fundingCeilingsFen;
  return ceilings ? ceilings[ctx.tier ?? 'untiered'][kind] : null;
};
export const grantedInYear = (ctx: CenterContext, f: Pick<FundingEntry, 'cycle' | 'year'> & { request: { kind: FundingEntry['request']['kind'] } }): number =>
  ctx.funding
    .filter((g) => g.status === 'granted' && g.cycle === f.cycle && g.year === f.year && g.request.kind === f.request.kind)
    .reduce((sum, g) => sum + (g.grantedFen ?? 0), 0);
const yuan = (fen: number) => `${(fen / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} yuan`;
const withinCeiling: Rule<EventOf<'GRANT_FUNDING'>> = (ctx, event) => {
  const request = findRequest(ctx, event.requestId)!;
  const ceiling = yearCeiling(ctx, request.request.kind);
  if (ceiling === null) return null;
  const before = grantedInYear(ctx, request);
  if (before + event.amountFen <= ceiling) return null;
  const tier = ctx.tier ? `tier ${ctx.tier}` : 'the first cycle (no tier yet)';
  return refuse(
    'over-ceiling',
    `The ${request.request.kind} grants of cycle ${request.cycle} year ${request.year} would reach ${before + event.amountFen} fen (${yuan(before + event.amountFen)}), ` +
      `over the ceiling of ${ceiling} fen (${yuan(ceiling)}) for ${tier} (Art. 19); at most ${Math.max(0, ceiling - before)} fen can still be granted this year.`,
  );
};

// ---- Context updates ----

const nextRequestId = (ctx: CenterContext, year: number): string => `c${ctx.cycle}-y${year}-f${ctx.funding.filter((f) => f.cycle === ctx.cycle && f.year === year).length + 1}`;
const decide = (ctx: CenterContext, requestId: string, change: Partial<FundingEntry>): FundingEntry[] =>
  ctx.funding.map((f) => (f.requestId === requestId ? { ...f, ...change } : f));

export const fundingAssigners = {
  addFundingRequest: (ctx: CenterContext, event: EventOf<'REQUEST_FUNDING'>): Partial<CenterContext> => {
    const year = currentYear(ctx)!;
    const entry: FundingEntry = {
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
    };
    return { funding: [...ctx.funding, entry] };
  },
  grantFunding: (ctx: CenterContext, event: EventOf<'GRANT_FUNDING'>): Partial<CenterContext> => ({
    funding: decide(ctx, event.requestId, { status: 'granted', grantedFen: event.amountFen, reason: event.reason ?? null, decidedAt: event.meta.at, decidedBy: event.meta.actor.id, ...(event.budgetLines ? { budgetLines: event.budgetLines } : {}) }),
    reserve: putUnderTransfer(ctx.reserve, findRequest(ctx, event.requestId)!, event.meta.at),
  }),
  declineFunding: (ctx: CenterContext, event: EventOf<'DECLINE_FUNDING'>): Partial<CenterContext> => ({
    funding: decide(ctx, event.requestId, { status: 'declined', reason: event.reason, decidedAt: event.meta.at, decidedBy: event.meta.actor.id }),
  }),
};

/** Art. 19: every request in one status moves to another (held on suspension, pending on resumption, cancelled). */
export const moveFunding = (funding: FundingEntry[], from: readonly FundingStatus[], change: Partial<FundingEntry>): FundingEntry[] =>
  funding.map((f) => (from.includes(f.status) ? { ...f, ...change } : f));

// ---- Effects ----

/** The decision row of a request (the ledger row is written on a grant, activities/). */
export const fundingDecisionRow = (ctx: CenterContext, f: FundingEntry, event: CenterEvent): DomainRecord => ({
  kind: 'fundingDecision',
  centerId: ctx.centerId,
  requestId: f.requestId,
  cycle: f.cycle,
  year: f.year,
  fundingKind: f.request.kind,
  status: f.status,
  grantedFen: f.grantedFen,
  reason: f.reason,
  decidedAt: f.decidedAt ?? event.meta.at,
  decidedBy: f.decidedBy ?? event.meta.actor.id,
});
/** Decision rows of every request now in a status: after a suspension (held), a resumption (pending), stopped support. */
export const fundingNow = (status: FundingStatus, only: (ctx: CenterContext) => boolean = () => true) =>
  effect<CenterEvent>((ctx, event) => (only(ctx) ? ctx.funding.filter((f) => f.status === status).map((f) => fundingDecisionRow(ctx, f, event)) : []));

const requestRecord = effect<EventOf<'REQUEST_FUNDING'>>((ctx) => {
  const f = ctx.funding.at(-1)!;
  return [{ kind: 'fundingRequest', centerId: ctx.centerId, requestId: f.requestId, cycle: f.cycle, year: f.year, request: f.request, requestedAt: f.requestedAt, requestedBy: f.requestedBy }];
});
const decisionRecord = effect<EventOf<'GRANT_FUNDING' | 'DECLINE_FUNDING'>>((ctx, event) => {
  const f = findRequest(ctx, event.requestId)!;
  // Art. 15: a granted guidance project's reserve entries are now under transfer.
  // Art. 16: a grant's budget lines are written with it.
  return [fundingDecisionRow(ctx, f, event), ...(f.status === 'granted' ? [...reserveRows(ctx, f.request.reserveEntries ?? []), budgetLinesRecord(ctx, f)] : [])];
});

export const fundingHandlers = {
  REQUEST_FUNDING: { guard: when(mayRequest, fromReserve), actions: ['addFundingRequest', requestRecord] },
  GRANT_FUNDING: { guard: when(pendingRequest, withinRequest, withinCeiling, linesAddUp), actions: ['grantFunding', decisionRecord] },
  DECLINE_FUNDING: { guard: when(pendingRequest), actions: ['declineFunding', decisionRecord] },
} as const;
