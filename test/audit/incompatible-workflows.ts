/**
 * A deliberately incompatible version of the workflows, for the negative replay test (SPEC §6 "Replay"): the
 * center's workflow now schedules a new activity before anything else, without a `patched()` guard — the kind of
 * change that would break every running center. Replaying a recorded history against it must fail.
 */
import { proxyActivities } from '@temporalio/workflow';
import { centerWorkflow as currentCenterWorkflow } from '../../workflows/center';
import type { CenterResult, CenterWorkflowInput } from '../../contract';

export { callWorkflow } from '../../workflows/call';

const { announceCenter } = proxyActivities<{ announceCenter(centerId: string): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function centerWorkflow(input: CenterWorkflowInput): Promise<CenterResult> {
  // Unguarded: a recorded run's first command was the call-window timer, not this activity.
  await announceCenter(input.centerId);
  return currentCenterWorkflow(input);
}
