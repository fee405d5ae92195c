/**
 * Drives the baseline (bench/baseline-workflow.ts) with the profile each center had in the lifecycle run:
 * the same updates (the first one with start, as an application is), each preceded by a state query as
 * sendCenterCommand does, the operators' extra queries spread in between, and the same timers.
 * Updates go as fast as the shared concurrency allows: the baseline is what bare Temporal does with this work.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { sleep, type Failure, type Load } from './load';
import { baselineCommand, baselineState, type BaselineInput, type baselineWorkflow } from './baseline-workflow';

export interface CenterProfile {
  /** Commands the center accepted (= updates that entered its history). */
  updates: number;
  /** Deadline transitions, as offsets from the center's first transition (ms). */
  timerOffsetsMs: number[];
  /** The operators' own state queries. */
  queries: number;
  /** Activities that were not transitions (the call's events, notification deliveries), per center. */
  extraActivities: number;
}

export interface BaselineDeps {
  client: Client;
  load: Load;
  taskQueue: string;
  workflowId: (i: number) => string;
  clock: () => number;
}

const DONE_POLL_MS = 250;

const classify = (err: unknown): Failure =>
  err instanceof WorkflowUpdateFailedError ? { refused: err.cause?.message ?? 'refused' } : { error: err instanceof Error ? err.name : 'unknown' };

export async function driveBaseline(deps: BaselineDeps, i: number, profile: CenterProfile): Promise<{ doneAtMs: number; updates: number }> {
  const { client, load } = deps;
  const workflowId = deps.workflowId(i);
  const input: BaselineInput = { updates: profile.updates, timerOffsetsMs: profile.timerOffsetsMs, extraActivities: profile.extraActivities };
  const command = (n: number) => ({ commandId: `${workflowId}-cmd-${n}`, type: 'COMMAND' });
  let sent = 0;
  const send = async (n: number, fn: () => Promise<unknown>) => {
    for (;;) {
      const r = await load.command(n === 0 ? 'UPDATE_WITH_START' : 'UPDATE', fn, classify);
      if (r.ok) return void (sent += 1);
      if ('refused' in r.failure) throw new Error(`baseline ${workflowId}: update ${n} refused: ${r.failure.refused}`);
    }
  };

  const startedAtMs = deps.clock();
  await send(0, () =>
    client.workflow.executeUpdateWithStart(baselineCommand, {
      args: [command(0)],
      updateId: command(0).commandId,
      startWorkflowOperation: new WithStartWorkflowOperation<typeof baselineWorkflow>('baselineWorkflow', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    }),
  );
  const handle = client.workflow.getHandle<typeof baselineWorkflow>(workflowId);
  let queried = 0;
  for (let n = 1; n < profile.updates; n++) {
    // The operators' queries, spread evenly over the updates.
    const due = Math.floor((n * profile.queries) / Math.max(1, profile.updates - 1));
    while (queried < due) {
      queried += 1;
      await load.query(() => handle.query(baselineState));
    }
    await send(n, async () => {
      await handle.query(baselineState);
      return handle.executeUpdate(baselineCommand, { args: [command(n)], updateId: command(n).commandId });
    });
  }
  while (queried < profile.queries) {
    queried += 1;
    await load.query(() => handle.query(baselineState));
  }
  // Wait for the timers without a long poll per workflow (thousands of them would queue on one connection):
  // sleep until the last timer is due, then look at the workflow's status now and then.
  const lastTimerMs = Math.max(0, ...profile.timerOffsetsMs);
  await sleep(Math.max(0, startedAtMs + lastTimerMs - deps.clock()));
  for (;;) {
    const { status } = await handle.describe();
    if (status.name === 'COMPLETED') break;
    if (status.name !== 'RUNNING') throw new Error(`baseline ${workflowId} ended ${status.name}`);
    await sleep(DONE_POLL_MS);
  }
  return { doneAtMs: deps.clock(), updates: sent };
}
