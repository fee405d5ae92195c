/**
 * Art. 9: a quota slot is never lost, and never held by a center whose approval was refused — even when the call's
 * workflow does not answer within the approval's wait (its worker down). The call runs on a task queue of its own,
 * whose worker is stopped while the commission approves and started again afterwards (dev server, real time: the
 * approval's wait is its real 2 minutes — the time-skipping server neither skips time while an update waits on a
 * workflow nobody polls, nor hands that workflow to a worker started again on its queue).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { CommandRefusedError, getCall, openCall, sendCenterCommand, showCenter, submitApplication } from '../../client/operations';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { createCenterWorker } from '../../worker/worker';
import { applicationAsOf, callInfo, cmd, commission, expertActor, experts, university } from '../helpers/fixtures';
import { workflowBundle } from '../helpers/temporal';
import { useDevServer } from '../helpers/dev-server';

const h = useDevServer({ name: 'quota-outage' }, 120_000);
let repos: ReturnType<typeof createRepositories>;
let connection: NativeConnection;
const callQueue = `calls-${Math.random().toString(36).slice(2, 8)}`;
let callWorker: { worker: Worker; running: Promise<void> } | null = null;

async function startCallWorker(): Promise<void> {
  const worker = await createCenterWorker({ connection, namespace: 'default', taskQueue: callQueue, knex: h.knex, options: { workflowBundle: await workflowBundle() } });
  callWorker = { worker, running: worker.run() };
}
async function stopCallWorker(): Promise<void> {
  callWorker?.worker.shutdown();
  await callWorker?.running;
  callWorker = null;
}

beforeAll(async () => {
  repos = createRepositories(h.knex);
  connection = await NativeConnection.connect({ address: h.server.address });
});
afterAll(async () => {
  await stopCallWorker().catch(() => undefined);
  await connection?.close();
}, 120_000);

/** The center's completed activities of one type (from its history). */
async function completedActivities(workflowId: string, type: string): Promise<number> {
  const events = (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => String(e.eventId)));
  return events.filter((e) => scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId))).length;
}

describe('an approval whose call does not answer in time', () => {
  it('is refused, keeps no slot, and the next approval takes exactly one once the call is back', async () => {
    await startCallWorker();
    const now = Date.now();
    const call = callInfo(now, { callId: 'call-outage', quota: 1 });
    await openCall({ ...h.ops, taskQueue: callQueue }, call, commission);
    const centers = ['bnu', 'ustb'];
    for (const uni of centers) {
      await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university(uni), { callId: call.callId, application: applicationAsOf(uni, now) }));
      const panel = experts('pku');
      await sendCenterCommand(h.ops, uni, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
      for (const e of panel) await sendCenterCommand(h.ops, uni, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 80, recommendation: 'approve', opinion: 'Good' } }));
    }
    await expect.poll(async () => (await getCall(h.ops, call.callId)).applicants.length, { message: 'both applicants registered', timeout: 30_000 }).toBe(2);

    // The call's worker goes away; the commission approves bnu, and the approval's wait (2 minutes) runs out.
    await stopCallWorker();
    const first = cmd('APPROVE', commission, {});
    const refused = sendCenterCommand(h.ops, 'bnu', first).then(
      () => 'approved',
      (err: unknown) => (err instanceof CommandRefusedError ? `${err.reason}: ${err.message}` : `unexpected ${String(err)}`),
    );
    expect(await refused).toMatch(/^quota-exceeded: .*did not confirm a quota slot.*withdrawn/);
    // Not jammed: the center answers, nothing was written, and it still awaits its decision.
    expect((await showCenter(h.ops, 'bnu')).state).toBe('application.awaitingDecision');
    expect((await repos.auditLog('bnu.call-outage')).map((r) => r.event)).not.toContain('APPROVE');

    // The call comes back: the withdrawal lands (the slot, if the late request took it, is given back).
    await startCallWorker();
    await expect.poll(() => completedActivities(centerWorkflowId('bnu'), 'releaseQuotaSlot'), { message: 'the withdrawal landed', timeout: 150_000 }).toBe(1);
    expect((await getCall(h.ops, call.callId)).approvedCount).toBe(0);

    // Quota 1: ustb's approval takes the one slot; bnu's next approval (a new command id) is refused beyond it.
    expect((await sendCenterCommand(h.ops, 'ustb', cmd('APPROVE', commission, {}))).state).toBe('building.running');
    const beyond = sendCenterCommand(h.ops, 'bnu', cmd('APPROVE', commission, {}));
    await expect(beyond).rejects.toMatchObject({ reason: 'quota-exceeded' });
    await expect(beyond).rejects.toThrow(/has used its quota \(1 of 1 approved\)/);

    // Exact counts: the call's approvals are the centers building, and its rows say the same.
    const status = await getCall(h.ops, call.callId);
    expect(status.approved).toEqual(['ustb.call-outage']);
    expect(status.approvedCount).toBe(1);
    const ustbReserved = async () => (await repos.callEvents(call.callId)).some((r) => r.kind === 'slotReserved' && r.actor.id === 'ustb.call-outage');
    await expect.poll(ustbReserved, { message: "the call's rows written", timeout: 30_000 }).toBe(true);
    const events = await repos.callEvents(call.callId);
    const count = (kind: string, centerId: string) => events.filter((r) => r.kind === kind && r.actor.id === centerId).length;
    expect(count('slotReserved', 'ustb.call-outage')).toBe(1);
    // bnu: a late reservation, if the call saw it, was given back under the same request id; never a slot kept.
    expect(count('slotReserved', 'bnu.call-outage')).toBe(count('slotReleased', 'bnu.call-outage'));
    for (const released of events.filter((r) => r.kind === 'slotReleased')) expect(released.commandId).toBe(first.commandId);
    const building = await Promise.all(centers.map(async (u) => (await showCenter(h.ops, u)).state));
    expect(building).toEqual(['application.awaitingDecision', 'building.running']);
    expect(await h.knex('calls').where({ callId: call.callId }).first()).toMatchObject({ approvedCount: 1 });
  }, 420_000);
});
