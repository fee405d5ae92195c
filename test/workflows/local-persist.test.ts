/**
 * `persist-transition-locally` (workflows/center.ts): a transition is written by a local activity, which gets one
 * short attempt; when that attempt fails retryably or times out (the database's write lock held elsewhere), the same
 * input goes to the ordinary persistTransition activity. Either way the transition is written once, the auditor's
 * timeline rebuilt from the history has it once, and the history replays.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTimeline } from '../../client/audit';
import { openCall, sendCenterCommand, submitApplication } from '../../client/operations';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import type { PersistTransitionInput } from '../../machines/records.types';
import { application, callInfo, cmd, commission, expertActor, experts, university } from '../helpers/fixtures';
import { timeSkippingHarness, workflowBundle, type Harness } from '../helpers/temporal';

/** seq 2: the local attempt fails retryably. seq 4: the local attempt hangs until the ordinary activity has started. */
const FAILS_LOCALLY = 2;
const HANGS_LOCALLY = 4;
const calls: { seq: number; local: boolean; written?: boolean }[] = [];
let releaseHung: () => void = () => {};
const hung = new Promise<void>((resolve) => (releaseHung = resolve));

let h: Harness;
beforeAll(async () => {
  h = await timeSkippingHarness(undefined, {
    activities: (real) => ({
      async persistTransition(input: PersistTransitionInput) {
        const { isLocal } = Context.current().info;
        const call: (typeof calls)[number] = { seq: input.audit.seq, local: isLocal };
        calls.push(call);
        if (isLocal && input.audit.seq === FAILS_LOCALLY) throw ApplicationFailure.retryable('simulated: database is locked', 'SQLITE_BUSY');
        if (isLocal && input.audit.seq === HANGS_LOCALLY) await hung; // past the local attempt's 2 s: abandoned, then it writes
        if (!isLocal && input.audit.seq === HANGS_LOCALLY) releaseHung();
        const result = await real.persistTransition(input);
        call.written = result.written;
        return result;
      },
    }),
  });
});
afterAll(async () => {
  await h?.teardown();
});

describe('persist-transition-locally: the ordinary activity takes over a local attempt that did not complete', () => {
  it('writes each transition once, and the timeline from the history numbers each once', async () => {
    const call = callInfo(Date.now(), { callId: 'call-local', quota: 1 });
    await openCall(h.ops, call, commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('bjut'), { callId: call.callId, application: application('bjut') }));
    const panel = experts('pku');
    await sendCenterCommand(h.ops, 'bjut', cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
    for (const e of panel) {
      await sendCenterCommand(h.ops, 'bjut', cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 85, recommendation: 'approve', opinion: 'Sound' } }));
    }
    const approved = await sendCenterCommand(h.ops, 'bjut', cmd('APPROVE', commission, {}));
    expect(approved.state).toBe('building.running');

    // The database: six audit rows, each once, whoever wrote it.
    const audit = await createRepositories(h.knex).auditLog('bjut.call-local');
    expect(audit.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // The failed and the hung transitions went to the ordinary activity; the others stayed local.
    expect(calls.filter((c) => !c.local).map((c) => c.seq)).toEqual([FAILS_LOCALLY, HANGS_LOCALLY]);
    expect(calls.filter((c) => c.local).map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // The hung local attempt and the activity raced on seq 4: exactly one of them wrote it.
    await hung;
    const seq4 = calls.filter((c) => c.seq === HANGS_LOCALLY);
    await expect.poll(() => seq4.every((c) => c.written !== undefined)).toBe(true);
    expect(seq4.filter((c) => c.written)).toHaveLength(1);

    // The history: four local markers with a result, two failed ones, two activities; the timeline has each once.
    const workflowId = centerWorkflowId('bjut');
    const handle = h.env.client.workflow.getHandle(workflowId);
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'persistTransition');
    expect(scheduled).toHaveLength(2);
    const timeline = runTimeline({ workflowId, runId: (await handle.describe()).runId, history });
    expect(timeline.map((e) => [e.seq, e.event, e.persisted])).toEqual([
      [1, 'SUBMIT_APPLICATION', 'completed'],
      [2, 'ASSIGN_EXPERTS', 'completed'],
      [3, 'SUBMIT_REVIEW', 'completed'],
      [4, 'SUBMIT_REVIEW', 'completed'],
      [5, 'SUBMIT_REVIEW', 'completed'],
      [6, 'APPROVE', 'completed'],
    ]);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });
});
