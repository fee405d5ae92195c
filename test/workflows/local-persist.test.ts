/**
 * `persist-transition-scheduled` (workflows/center.ts): a new center writes each transition by a scheduled
 * activity, never a local one (histories recorded with `persist-transition-locally` keep that path and replay in
 * test/audit/replay-fixtures.test.ts). Each transition is written once, the timeline has it once, the history replays.
 */
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTimeline } from '../../client/audit';
import { openCall, sendCenterCommand, submitApplication } from '../../client/operations';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import type { PersistTransitionInput } from '../../machines/records.types';
import { callInfo, cmd, commission, expertActor, experts, university, applicationAsOf } from '../helpers/fixtures';
import { timeSkippingHarness, workflowBundle, type Harness } from '../helpers/temporal';

const calls: { seq: number; local: boolean }[] = [];

let h: Harness;
beforeAll(async () => {
  h = await timeSkippingHarness(undefined, {
    activities: (real) => ({
      async persistTransition(input: PersistTransitionInput) {
        calls.push({ seq: input.audit.seq, local: Context.current().info.isLocal });
        return real.persistTransition(input);
      },
    }),
  });
});
afterAll(async () => {
  await h?.teardown();
});

describe('persist-transition-scheduled: a new center writes every transition by a scheduled activity', () => {
  it('writes each transition once, and the timeline from the history numbers each once', async () => {
    const call = callInfo(Date.now(), { callId: 'call-local', quota: 1 });
    await openCall(h.ops, call, commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('bjut'), { callId: call.callId, application: applicationAsOf('bjut', Date.now()) }));
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
    // Since persist-transition-scheduled no transition of a new center goes through a local activity: a local
    // commit is not in history until its task completes, and a lost task left a row another event then met.
    expect(calls.filter((c) => c.local)).toEqual([]);
    expect(calls.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6]);

    // The history: one scheduled activity per transition; the timeline has each once.
    const workflowId = centerWorkflowId('bjut');
    const handle = h.env.client.workflow.getHandle(workflowId);
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'persistTransition');
    expect(scheduled).toHaveLength(6);
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
