import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { fundingRoundStatus, fundingRoundWorkflowId, releaseQuotaSlot, reserveQuotaSlot, reserveRoundBudget, type QuotaSlotAnswer, type QuotaSlotRequest, type RoundReserve } from '../contract';
import type { BudgetAnswer } from '../machines/funding-rounds';

/**
 * Art. 9: an approval takes a slot of the call's quota. The call's workflow counts; this activity asks it with an
 * update (synchronous, answered once: the update id is the approval's command id, and the call grants a center
 * at most one slot), so a retry or a crashed worker never takes a second slot nor loses the first.
 *
 * The call's refusal of the update (its validator: this center is no applicant awaiting a decision) is final: it is
 * raised with the refusal's own type, non-retryable, so the center refuses its approval instead of asking forever.
 */
export function createQuotaActivities() {
  return {
    async reserveQuotaSlot(request: QuotaSlotRequest): Promise<QuotaSlotAnswer> {
      const handle = Context.current().client.workflow.getHandle(request.callWorkflowId);
      return refusedAsFinal(() => handle.executeUpdate(reserveQuotaSlot, { args: [request], updateId: `quota-slot:${request.requestId}` }));
    },
    /**
     * Art. 13 择优: a grant of a request in a funding round reserves its amount from the round's budget (an update the
     * round answers in one step; its id is the request's, so the round's own decision and the center's grant are one
     * reservation). A round that has ended (every request decided) answers from its decisions.
     */
    async reserveRoundGrant(input: RoundReserve & { roundId: string }): Promise<BudgetAnswer> {
      const { roundId, ...reserve } = input;
      const handle = Context.current().client.workflow.getHandle(fundingRoundWorkflowId(roundId));
      try {
        return await refusedAsFinal(() => handle.executeUpdate(reserveRoundBudget, { args: [reserve], updateId: `round-grant:${reserve.requestKey}` }));
      } catch (err) {
        // An ended round (every request decided) takes no update any more: its decisions answer.
        const status = await handle.query(fundingRoundStatus).catch(() => null);
        if (!status && err instanceof WorkflowNotFoundError) throw ApplicationFailure.create({ type: 'invalid-input', message: `No funding round "${roundId}" (the request names it).`, nonRetryable: true });
        if (status?.status !== 'decided') throw err;
        const kind = status.submissions.find((x) => `${x.centerId}/${x.requestId}` === reserve.requestKey)?.kind ?? 'promotion';
        const d = status.decisions[reserve.requestKey];
        const granted = d?.verdict === 'grant' && d.amountFen === reserve.amountFen;
        return { granted, kind, budgetFen: status.round.budgetFen[kind], committedFen: status.committedFen[kind], message: granted ? null : `Round "${roundId}" has ended${d ? ` and ${d.verdict === 'grant' ? `granted ${d.amountFen} fen to` : 'declined'} "${reserve.requestKey}": ${d.reason}` : ` without "${reserve.requestKey}"`}.` };
      }
    },
    /** Withdraws a request whose answer the approval stopped waiting for (workflows/center.ts); idempotent by its id. */
    async releaseQuotaSlot(request: QuotaSlotRequest): Promise<{ released: boolean; approvedCount: number }> {
      const handle = Context.current().client.workflow.getHandle(request.callWorkflowId);
      return refusedAsFinal(() => handle.executeUpdate(releaseQuotaSlot, { args: [request], updateId: `quota-release:${request.requestId}` }));
    },
  };
}

async function refusedAsFinal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      throw ApplicationFailure.create({ type: err.cause.type ?? 'refused', message: err.cause.message, nonRetryable: true });
    }
    throw err;
  }
}
