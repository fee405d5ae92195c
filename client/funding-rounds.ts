/**
 * Art. 13 择优, 14–15: yearly funding rounds from the client — open a round (its workflow), submit a center's pending
 * funding request into it (read from the center: kind, amount, opinions, reserve entries, what its tier still
 * allows), record the experts' scores, and decide the round: the plan (machines/funding-rounds.ts) grants the best
 * within the budget and the ceilings and declines the rest, each grant reserved from the round's budget (an update
 * the round answers in one step) before an ordinary GRANT_FUNDING goes to the center, each decline recorded in the
 * round before an ordinary DECLINE_FUNDING. Running the decision again repeats nothing: a decided request keeps its
 * decision, and each center command's id is derived from the round and the request.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  declineInRound,
  fundingRoundStatus,
  fundingRoundWorkflowId,
  releaseRoundBudget,
  reserveRoundBudget,
  scoreRoundRequest,
  submitToRound,
  type CommandResult,
  type FundingRoundStatus,
} from '../contract';
import { COMMAND_TABLE, describeZodError, type RoundCommandType } from '../machines/commands';
import type { Actor } from '../machines/domain';
import { FundingRoundSchema, planRound, rankRound, requestKey, RoundDecisionError, type PlannedRoundDecision, type RoundDeparture, type RoundSubmission } from '../machines/funding-rounds';
import type { fundingRoundWorkflow } from '../workflows/funding-round';
import { newCommandId, sendCenterCommand, showCenter, type OperationsContext } from './operations';
import { CommandRefusedError, NotFoundError } from './operations-errors';

async function refusedAs<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) throw new CommandRefusedError(err.cause.type ?? 'refused', err.cause.message);
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(err.message);
    throw err;
  }
}

export async function openRound(ops: OperationsContext, round: unknown, actor: Actor, commandId = newCommandId()): Promise<FundingRoundStatus> {
  const parsed = FundingRoundSchema.safeParse(round);
  if (!parsed.success) throw new CommandRefusedError('invalid-input', `Invalid round: ${describeZodError(parsed.error)}`);
  const { roles, article } = COMMAND_TABLE.OPEN_ROUND;
  if (!(roles as readonly string[]).includes(actor.role)) throw new CommandRefusedError('forbidden-role', `Opening a funding round is for the ${roles.join(' or ')}, not a ${actor.role} (${article}).`);
  const workflowId = fundingRoundWorkflowId(parsed.data.roundId);
  try {
    const handle = await ops.client.workflow.start<typeof fundingRoundWorkflow>('fundingRoundWorkflow', {
      workflowId,
      taskQueue: ops.taskQueue,
      args: [{ round: parsed.data, rubrics: ops.policy.roundRubrics, openedBy: actor, commandId }],
    });
    return await handle.query(fundingRoundStatus);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new CommandRefusedError('not-allowed-in-state', `A funding round "${parsed.data.roundId}" already exists; choose another roundId.`);
    throw err;
  }
}

export async function getRound(ops: OperationsContext, roundId: string): Promise<FundingRoundStatus> {
  try {
    return await ops.client.workflow.getHandle(fundingRoundWorkflowId(roundId)).query(fundingRoundStatus);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`No funding round "${roundId}". Open one with \`centers round open --file round.json\`.`);
    throw err;
  }
}

const round = (ops: OperationsContext, roundId: string) => ops.client.workflow.getHandle(fundingRoundWorkflowId(roundId));

/** Art. 13: a center's pending funding request enters the round, as the center holds it. */
export async function submitToRoundFromCenter(ops: OperationsContext, roundId: string, center: string, requestId: string, actor: Actor): Promise<FundingRoundStatus> {
  const view = await showCenter(ops, center);
  // Another university hears only that the center is not its own, not what the center holds.
  if (actor.role === 'university' && actor.orgId !== view.universityId) throw new CommandRefusedError('wrong-organisation', `Only ${view.universityId}'s office submits its requests.`);
  const f = view.funding.find((x) => x.requestId === requestId);
  if (!f) throw new CommandRefusedError('invalid-input', `No funding request "${requestId}" of "${view.centerId}" (see \`centers funding list ${center}\`).`);
  // The request names its round, so the center's grant asks this round for the amount (workflows/center.ts).
  if (f.request.roundId !== roundId) throw new CommandRefusedError('invalid-input', `Funding request ${requestId} of "${view.centerId}" ${f.request.roundId ? `competes in round "${f.request.roundId}"` : 'names no round'}; a request enters the round it names (its roundId, Art. 13).`);
  if (f.status !== 'pending') throw new CommandRefusedError('not-allowed-in-state', `Funding request ${requestId} of "${view.centerId}" is ${f.status}; only a pending request enters a round.`);
  const year = view.fundingYear;
  const kind = year && year.cycle === f.cycle && year.year === f.year ? year.kinds[f.request.kind] : null;
  const submission: RoundSubmission = {
    centerId: view.centerId,
    requestId,
    kind: f.request.kind,
    title: f.request.title,
    amountFen: f.request.amountFen,
    opinions: f.request.opinions.length,
    reserveEntries: f.request.reserveEntries ?? [],
    ceilingLeftFen: kind?.ceilingFen == null ? null : Math.max(0, kind.ceilingFen - kind.grantedFen),
  };
  return refusedAs(() => round(ops, roundId).executeUpdate(submitToRound, { args: [{ actor, submission }], updateId: `round-submit:${requestKey(submission)}` }));
}

export async function scoreInRound(ops: OperationsContext, roundId: string, key: string, expertId: string, scores: Record<string, number>, actor: Actor, commandId?: string): Promise<FundingRoundStatus> {
  return refusedAs(() => round(ops, roundId).executeUpdate(scoreRoundRequest, { args: [{ actor, score: { requestKey: key, expertId, scores } }], ...(commandId ? { updateId: commandId } : {}) }));
}

/**
 * A command of the round's (machines/stages/rounds.ts), its payload already checked against the table's schema:
 * the one dispatch of the API's derived routes and of the CLI's direct path.
 */
export async function sendRoundCommand(ops: OperationsContext, type: RoundCommandType, roundId: string | null, payload: unknown, actor: Actor, commandId: string): Promise<FundingRoundStatus> {
  if (type === 'OPEN_ROUND') return openRound(ops, payload, actor, commandId);
  if (type === 'SUBMIT_TO_ROUND') {
    const p = payload as { center: string; requestId: string };
    return submitToRoundFromCenter(ops, roundId!, p.center, p.requestId, actor);
  }
  const p = payload as { requestKey: string; expertId?: string; scores: Record<string, number> };
  return scoreInRound(ops, roundId!, p.requestKey, p.expertId ?? actor.id, p.scores, actor, commandId);
}

export interface RoundOutcome {
  key: string;
  centerId: string;
  requestId: string;
  verdict: 'grant' | 'decline';
  commandId: string;
  /** `accepted`; `duplicate`: applied before (a re-run); `refused`: the round or the center refused it (see refusal). */
  outcome: 'accepted' | 'duplicate' | 'refused';
  refusal: { reason: string; message: string } | null;
}
export interface RoundDecision {
  roundId: string;
  plan: PlannedRoundDecision[];
  outcomes: RoundOutcome[];
  round: FundingRoundStatus;
}

/** The center command's id (≤ 60 characters, a valid Idempotency-Key too): the same on every run. */
export function roundCommandId(roundId: string, key: string, verdict: 'grant' | 'decline'): string {
  return `round.${createHash('sha256').update(`${roundId}\n${key}`).digest('hex').slice(0, 32)}.${verdict}`;
}

/**
 * Art. 13 择优: decides the round in one operation. Grants first, best first, each reserved from the round's budget
 * before the center is sent GRANT_FUNDING; a reservation the round refuses (the budget is used up: another decision
 * raced it) becomes a decline naming the budget; a grant the center refuses (its ceiling, a suspension) gives the
 * amount back. `progress` hears of each request as it is decided.
 */
export async function decideRound(
  ops: OperationsContext,
  roundId: string,
  actor: Actor,
  { departures = [], minReasonLength = 3, progress = () => {} }: { departures?: RoundDeparture[]; minReasonLength?: number; progress?: (o: RoundOutcome) => void } = {},
): Promise<RoundDecision> {
  const status = await getRound(ops, roundId);
  if (status.status === 'open') throw new RoundDecisionError(`Round "${roundId}" is open until ${status.round.closesAt}; it is decided once its window has closed (Art. 13).`);
  const plan = planRound(status, { departures, minReasonLength });
  const handle = round(ops, roundId);
  const outcomes: RoundOutcome[] = [];
  const center = async (p: PlannedRoundDecision, verdict: 'grant' | 'decline', reason: string): Promise<RoundOutcome> => {
    const commandId = roundCommandId(roundId, p.key, verdict);
    const base = { key: p.key, centerId: p.centerId, requestId: p.requestId, verdict, commandId };
    const command =
      verdict === 'grant'
        ? { commandId, actor, type: 'GRANT_FUNDING' as const, payload: { requestId: p.requestId, amountFen: p.amountFen, reason: reason.slice(0, 2000) } }
        : { commandId, actor, type: 'DECLINE_FUNDING' as const, payload: { requestId: p.requestId, reason: reason.slice(0, 2000) } };
    try {
      const result: CommandResult = await sendCenterCommand(ops, p.centerId, command);
      return { ...base, outcome: result.duplicate ? 'duplicate' : 'accepted', refusal: null };
    } catch (err) {
      if (!(err instanceof CommandRefusedError)) throw err;
      // Decided at the center already with this very decision (a re-run after the round recorded it): nothing to do.
      if (err.reason === 'not-allowed-in-state' && err.message.includes(verdict === 'grant' ? 'already granted' : 'already declined')) return { ...base, outcome: 'duplicate', refusal: null };
      // The derived id was used already: this decision reached the center before, sent by another operator.
      if (err.reason === 'conflict' && err.message.includes(commandId)) return { ...base, outcome: 'duplicate', refusal: null };
      return { ...base, outcome: 'refused', refusal: { reason: err.reason, message: err.message } };
    }
  };
  const order = [...plan.filter((p) => p.verdict === 'grant'), ...plan.filter((p) => p.verdict === 'decline')];
  for (const p of order) {
    let outcome: RoundOutcome;
    if (p.already) {
      // Decided in the round before (a re-run, or a run cut short): the center is sent the same decision, once.
      outcome = await center(p, p.verdict, p.reason);
    } else if (p.verdict === 'grant') {
      const answer = await refusedAs(() =>
        handle.executeUpdate(reserveRoundBudget, { args: [{ actor, requestKey: p.key, amountFen: p.amountFen, reason: p.reason, departure: p.departure }], updateId: `round-grant:${p.key}` }),
      );
      if (!answer.granted) {
        // Another decision took the budget first: this request is declined, naming the budget.
        const reason = `${p.reason.replace(/, within the round's .*$/, '')}; ${answer.message}`;
        await refusedAs(() => handle.executeUpdate(declineInRound, { args: [{ actor, requestKey: p.key, reason, departure: false }], updateId: `round-decline:${p.key}` }));
        outcome = await center(p, 'decline', reason);
        outcome = { ...outcome, refusal: outcome.refusal ?? { reason: 'over-budget', message: answer.message ?? 'the budget is used up' } };
      } else {
        outcome = await center(p, 'grant', p.reason);
        if (outcome.outcome === 'refused') {
          const reason = `Art. 13: the grant was refused by the center (${outcome.refusal!.reason}): ${outcome.refusal!.message}`;
          await refusedAs(() => handle.executeUpdate(releaseRoundBudget, { args: [{ actor, requestKey: p.key, reason, departure: p.departure }] }));
        }
      }
    } else {
      await refusedAs(() => handle.executeUpdate(declineInRound, { args: [{ actor, requestKey: p.key, reason: p.reason, departure: p.departure }], updateId: `round-decline:${p.key}` }));
      outcome = await center(p, 'decline', p.reason);
    }
    outcomes.push(outcome);
    progress(outcome);
  }
  return { roundId, plan, outcomes, round: await getRound(ops, roundId) };
}

/** `--depart bjut.call-2026/c1-y1-f1=grant:"why"`: a decision against the ranking, with its reason (Art. 13). */
export function parseRoundDeparture(text: string): RoundDeparture {
  const m = /^([^=\s]+\/[^=\s]+)=(grant|decline):(.*)$/is.exec(text.trim());
  if (!m) throw new Error(`--depart "${text}": write <center>/<request>=grant:"reason" or <center>/<request>=decline:"reason" (a decision against the ranking needs its reason, Art. 13).`);
  return { requestKey: m[1]!, verdict: m[2]!.toLowerCase() as 'grant' | 'decline', reason: m[3]!.trim() };
}

/** The round's report, one row per request, best first per kind: the CSV (amounts in exact fen). */
export const ROUND_CSV_HEADERS = ['round', 'kind', 'rank', 'center', 'request', 'title', 'score', 'experts', 'requested_fen', 'decision', 'granted_fen', 'departure', 'reason'] as const;
export function roundRows(s: FundingRoundStatus): (string | number)[][] {
  const plan = rankedRows(s);
  return plan.map((r) => {
    const d = s.decisions[r.key];
    return [s.round.roundId, r.kind, r.rank, r.centerId, r.requestId, r.title, r.score ?? '', r.experts, r.amountFen, d?.verdict ?? 'pending', d?.amountFen ?? 0, d?.departure ? 'yes' : '', d?.reason ?? ''];
  });
}
const rankedRows = (s: FundingRoundStatus) => [...rankRound(s).promotion, ...rankRound(s).guidance];
export function roundCsv(s: FundingRoundStatus): string {
  const quote = (c: string | number) => (typeof c === 'number' || !/[",\n\r]/.test(c) ? String(c) : `"${c.replace(/"/g, '""')}"`);
  return `${[ROUND_CSV_HEADERS.join(','), ...roundRows(s).map((r) => r.map(quote).join(','))].join('\r\n')}\r\n`;
}
