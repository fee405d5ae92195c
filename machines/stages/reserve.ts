/**
 * The results reserve and patent pool (Op. 4(4), Art. 15): each center keeps a register of its results — patents,
 * software, know-how — with their value and where each stands: in reserve, under transfer (a granted guidance
 * project names it), or transferred by assignment, licence, equity investment or spin-off (Art. 2–3).
 *
 * Two rules tie the reserve to the rest of the regulation:
 * - Art. 15: a guidance project funds the transfer of results 中心储备的 — from the center's reserve. A guidance
 *   request names the reserve entries it would transfer; each must be in reserve (policy guidanceNamesReserveEntries).
 * - Art. 18: an annual summary's transfer figures are checked against the transfers the reserve recorded in that
 *   build year, way by way: the summary counts every transfer of the university's results, so it reports at least
 *   those of the reserve — never fewer, nor a smaller contract amount (policy summaryTransfersMatchReserve).
 * Centers started before these rules carry a policy without them and keep the rules they started under.
 */
import { z } from 'zod';
import { defineCommands, effect, refuse, when, type Rule } from '../core';
import type { CenterContext } from '../context';
import { ReserveResultSchema, ResultTransferSchema, SlugSchema, type FundingRequest, type Indicators, type ReserveResult, type ResultTransfer } from '../domain';
import type { Policy } from '../policy';
import type { DomainRecord } from '../records.types';
import { yearStartBefore } from '../time';
import { TRANSFER_MODES, type ResultStatus } from '../vocabulary';
import type { EventOf } from '../commands';

/** Op. 4(4): one result of the reserve and where it stands. */
export interface ReserveEntry {
  result: ReserveResult;
  status: ResultStatus;
  /** The granted guidance request that transfers it (Art. 15), while under transfer or once transferred. */
  requestId: string | null;
  transfer: ResultTransfer | null;
  recordedAt: string;
  recordedBy: string;
  updatedAt: string;
}

const resultOption = { result: { field: 'resultId', value: 'ID', description: 'the result id in the reserve (see `centers reserve list`)', required: true } } as const;

export const reserveCommands = defineCommands({
  RECORD_RESULT: {
    stage: 'funding',
    article: 'Op. 4(4), Art. 15',
    summary: "Add a result (patent, software, know-how) to the center's reserve and patent pool, with its value",
    roles: ['university'],
    host: 'center',
    payload: z.object({ result: ReserveResultSchema }).strict(),
    cli: {
      name: 'reserve add',
      target: 'center',
      file: { field: 'result', description: 'the result: { resultId, kind: patent|software|knowHow, title, identifier?, valueFen } or { "result": ... }' },
      details:
        "Op. 4(4): each university builds a reserve of results with market prospects and a patent pool; guidance projects\n" +
        '(Art. 15) transfer results from it. A result enters the reserve once; its value is in fen.',
      examples: ['centers reserve add bjut --file examples/reserve-result.json --as university:bjut-office@bjut'],
    },
  },
  RECORD_TRANSFER: {
    stage: 'funding',
    article: 'Art. 2–3, Op. 4(4)',
    summary: 'Record that a result of the reserve was transferred: how, to whom, when and for how much',
    roles: ['university'],
    host: 'center',
    payload: z.object({ resultId: SlugSchema, transfer: ResultTransferSchema }).strict(),
    cli: {
      name: 'reserve transfer',
      target: 'center',
      file: { field: 'transfer', description: 'the transfer: { mode: assignment|licence|equityInvestment|spinOff, transferredOn: "YYYY-MM-DD", counterparty, contractAmountFen }' },
      options: resultOption,
      details: "Art. 18: the annual summary's transfer figures of a build year are checked against the transfers recorded here in that year.",
      examples: ['centers reserve transfer bjut --result p-2027-001 --file examples/reserve-transfer.json --as university:bjut-office@bjut'],
    },
  },
});

// ---- Rules ----

export const findResult = (ctx: CenterContext, resultId: string): ReserveEntry | undefined => ctx.reserve.find((r) => r.result.resultId === resultId);
/** A rule the center's policy holds only when it was started under it ("absent = off": its rules do not change). */
const holds = (policy: Policy, key: 'guidanceNamesReserveEntries' | 'summaryTransfersMatchReserve'): boolean => (policy as Partial<Policy>)[key] === true;

const newResult: Rule<EventOf<'RECORD_RESULT'>> = (ctx, event) =>
  findResult(ctx, event.result.resultId) ? refuse('conflict', `Result "${event.result.resultId}" is already in the reserve (recorded ${findResult(ctx, event.result.resultId)!.recordedAt}); give a new result a new id.`) : null;

const transferable: Rule<EventOf<'RECORD_TRANSFER'>> = (ctx, event) => {
  const r = findResult(ctx, event.resultId);
  if (!r) return refuse('invalid-input', `No result "${event.resultId}" in the reserve of "${ctx.centerId}"; add it first (centers reserve add).`);
  if (r.status === 'transferred') return refuse('not-allowed-in-state', `Result "${event.resultId}" was already transferred (${r.transfer!.mode}, ${r.transfer!.transferredOn}).`);
  return null;
};

/**
 * Art. 15: the reserve entries a guidance request names exist and are in reserve (not under transfer, not
 * transferred, not named by another request still pending); a guidance request names at least one where the
 * center's policy holds guidanceNamesReserveEntries.
 */
export const namesReserveEntries = (ctx: CenterContext, request: FundingRequest) => {
  const named = request.reserveEntries ?? [];
  if (request.kind === 'guidance' && named.length === 0 && holds(ctx.policy, 'guidanceNamesReserveEntries')) {
    return refuse('invalid-input', 'A guidance project transfers results from the center\'s reserve (Art. 15, 中心储备的成果): name at least one reserve entry in reserveEntries (centers reserve list).');
  }
  for (const id of named) {
    const r = findResult(ctx, id);
    if (!r) return refuse('invalid-input', `Reserve entry "${id}" is not in the reserve of "${ctx.centerId}"; add it first (centers reserve add).`);
    if (r.status !== 'inReserve') return refuse('conflict', `Reserve entry "${id}" is ${r.status === 'transferred' ? 'already transferred' : `under transfer (request ${r.requestId})`}; a guidance project transfers results still in reserve.`);
    const pending = ctx.funding.find((f) => f.status === 'pending' && (f.request.reserveEntries ?? []).includes(id));
    if (pending) return refuse('conflict', `Reserve entry "${id}" is named by request ${pending.requestId}, still pending; decide that one first.`);
  }
  return null;
};

/** The transfers the reserve recorded within a build year, way by way: [start, end) in Beijing dates. */
export function reserveTransfersInYear(ctx: CenterContext, yearEndAt: string): Indicators['transfers'] {
  const from = beijingDate(yearStartBefore(ctx.policy, yearEndAt));
  const to = beijingDate(yearEndAt);
  const sums = Object.fromEntries(TRANSFER_MODES.map((m) => [m, { count: 0, contractAmountFen: 0 }])) as Indicators['transfers'];
  for (const r of ctx.reserve) {
    if (r.transfer && r.transfer.transferredOn >= from && r.transfer.transferredOn < to) {
      sums[r.transfer.mode].count += 1;
      sums[r.transfer.mode].contractAmountFen += r.transfer.contractAmountFen;
    }
  }
  return sums;
}
const BEIJING_OFFSET_MS = 8 * 3600_000;
export const beijingDate = (iso: string): string => new Date(Date.parse(iso) + BEIJING_OFFSET_MS).toISOString().slice(0, 10);

/**
 * Art. 18, Op. 4(4): the transfers a summary reports for its build year include those the reserve recorded in it —
 * for each way, at least their number and their contract amount (the summary also counts the university's transfers
 * of results outside the reserve). Checked for a center that keeps a reserve, where its policy holds
 * summaryTransfersMatchReserve.
 */
export const transfersMatchReserve = (ctx: CenterContext, summary: { indicators: Indicators }, yearEndAt: string) => {
  if (!holds(ctx.policy, 'summaryTransfersMatchReserve')) return null;
  const recorded = reserveTransfersInYear(ctx, yearEndAt);
  const differ = TRANSFER_MODES.filter((m) => summary.indicators.transfers[m].count < recorded[m].count || summary.indicators.transfers[m].contractAmountFen < recorded[m].contractAmountFen);
  if (differ.length === 0) return null;
  const says = differ
    .map((m) => `${m}: the summary reports ${summary.indicators.transfers[m].count} (${summary.indicators.transfers[m].contractAmountFen} fen), the reserve recorded ${recorded[m].count} (${recorded[m].contractAmountFen} fen)`)
    .join('; ');
  return refuse(
    'invalid-input',
    `The summary reports fewer transfers for the year from ${beijingDate(yearStartBefore(ctx.policy, yearEndAt))} to ${beijingDate(yearEndAt)} than the results reserve recorded (Art. 18, Op. 4(4)) — ${says}. ` +
      'Correct the summary to include the reserve\'s transfers (centers reserve list).',
  );
};

// ---- Context updates ----

const withResult = (ctx: CenterContext, resultId: string, change: Partial<ReserveEntry>): ReserveEntry[] =>
  ctx.reserve.map((r) => (r.result.resultId === resultId ? { ...r, ...change } : r));

export const reserveAssigners = {
  recordResult: (ctx: CenterContext, event: EventOf<'RECORD_RESULT'>): Partial<CenterContext> => ({
    reserve: [...ctx.reserve, { result: event.result, status: 'inReserve', requestId: null, transfer: null, recordedAt: event.meta.at, recordedBy: event.meta.actor.id, updatedAt: event.meta.at }],
  }),
  recordTransfer: (ctx: CenterContext, event: EventOf<'RECORD_TRANSFER'>): Partial<CenterContext> => ({
    reserve: withResult(ctx, event.resultId, { status: 'transferred', transfer: event.transfer, updatedAt: event.meta.at }),
  }),
};

/** Art. 15: a granted guidance project puts the results it names under transfer. */
export const putUnderTransfer = (reserve: ReserveEntry[], request: { requestId: string; request: FundingRequest }, at: string): ReserveEntry[] =>
  reserve.map((r) => ((request.request.reserveEntries ?? []).includes(r.result.resultId) && r.status === 'inReserve' ? { ...r, status: 'underTransfer', requestId: request.requestId, updatedAt: at } : r));

// ---- Effects ----

export const reserveRow = (ctx: CenterContext, r: ReserveEntry): DomainRecord => ({
  kind: 'reserveResult',
  centerId: ctx.centerId,
  resultId: r.result.resultId,
  resultKind: r.result.kind,
  title: r.result.title,
  identifier: r.result.identifier ?? null,
  valueFen: r.result.valueFen,
  status: r.status,
  requestId: r.requestId,
  transferMode: r.transfer?.mode ?? null,
  transferredOn: r.transfer?.transferredOn ?? null,
  counterparty: r.transfer?.counterparty ?? null,
  contractAmountFen: r.transfer?.contractAmountFen ?? null,
  recordedAt: r.recordedAt,
  recordedBy: r.recordedBy,
  updatedAt: r.updatedAt,
});
/** The rows of the named results (upserted as they move). */
export const reserveRows = (ctx: CenterContext, ids: readonly string[]): DomainRecord[] => ctx.reserve.filter((r) => ids.includes(r.result.resultId)).map((r) => reserveRow(ctx, r));

const resultRecord = effect<EventOf<'RECORD_RESULT' | 'RECORD_TRANSFER'>>((ctx, event) => reserveRows(ctx, [event.type === 'RECORD_RESULT' ? event.result.resultId : event.resultId]));

/** Taken in every building state (machines/center.ts). */
export const reserveHandlers = {
  RECORD_RESULT: { guard: when(newResult), actions: ['recordResult', resultRecord] },
  RECORD_TRANSFER: { guard: when(transferable), actions: ['recordTransfer', resultRecord] },
} as const;
