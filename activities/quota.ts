import { Context } from '@temporalio/activity';
import { reserveQuotaSlot, type QuotaSlotAnswer, type QuotaSlotRequest } from '../contract';

/**
 * Art. 9: an approval takes a slot of the call's quota. The call's workflow counts; this activity asks it with an
 * update (synchronous, answered once: the update id is the approval's command id, and the call grants a center
 * at most one slot), so a retry or a crashed worker never takes a second slot nor loses the first.
 */
export function createQuotaActivities() {
  return {
    async reserveQuotaSlot(request: QuotaSlotRequest): Promise<QuotaSlotAnswer> {
      const handle = Context.current().client.workflow.getHandle(request.callWorkflowId);
      return handle.executeUpdate(reserveQuotaSlot, { args: [request], updateId: `quota-slot:${request.requestId}` });
    },
  };
}
