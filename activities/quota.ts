import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { releaseQuotaSlot, reserveQuotaSlot, type QuotaSlotAnswer, type QuotaSlotRequest } from '../contract';

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
