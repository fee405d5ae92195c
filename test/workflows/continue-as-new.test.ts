/**
 * SPEC §6: the center workflow continues-as-new whenever Temporal suggests it — here the dev server suggests it
 * after 60 history events — without losing a deadline or an in-flight command, and a repeated command id is
 * answered as before. (The cycle boundary's continue-as-new is covered by test/workflows/build-cycle.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { getCall, openCall, sendCallCommand, sendCenterCommand, showCenter, submitApplication } from '../../client/operations';
import { createRepositories } from '../../db/repositories';
import { callWorkflowId, centerWorkflowId } from '../../contract';
import { callInfo, cmd, commandId, commission, expertActor, experts, promotionRequest, university, applicationAsOf } from '../helpers/fixtures';
import { useDevServer } from '../helpers/dev-server';

const h = useDevServer({ name: 'can', dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 } }, 180_000);
const uni = university('bnu');

describe('SPEC §6: continue-as-new when Temporal suggests it', () => {
  it('keeps every pending deadline and every command, in flight or repeated, across the new runs', async () => {
    const repos = createRepositories(h.knex);
    const call = callInfo(Date.now(), { callId: 'call-can' });
    await openCall(h.ops, call, commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', uni, { callId: call.callId, application: applicationAsOf('bnu', Date.now()) }));
    const handle = h.client.workflow.getHandle(centerWorkflowId('bnu'));
    const { runId: firstRun } = await handle.describe();

    const panel = experts('pku');
    await sendCenterCommand(h.ops, 'bnu', cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
    for (const e of panel) await sendCenterCommand(h.ops, 'bnu', cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'Good' } }));
    const approve = cmd('APPROVE', commission, {});
    const approved = await sendCenterCommand(h.ops, 'bnu', approve);
    const deadlinesBefore = (await showCenter(h.ops, 'bnu')).openDeadlines;

    // Twelve funding requests, six at a time: the history crosses the threshold while commands are in flight.
    const requests = Array.from({ length: 12 }, () => cmd('REQUEST_FUNDING', uni, { request: promotionRequest() }));
    for (let i = 0; i < requests.length; i += 6) {
      const results = await Promise.all(requests.slice(i, i + 6).map((r) => sendCenterCommand(h.ops, 'bnu', r)));
      expect(results.every((r) => r.type === 'REQUEST_FUNDING')).toBe(true);
    }

    const { runId: lastRun } = await handle.describe();
    expect(lastRun).not.toBe(firstRun);
    const view = await showCenter(h.ops, 'bnu');
    expect(view.state).toBe('building.running');
    expect(view.openDeadlines).toEqual(deadlinesBefore);
    expect(view.funding.map((f) => f.requestId)).toEqual(Array.from({ length: 12 }, (_, i) => `c1-y1-f${i + 1}`));

    // Every command is one audit row, in an unbroken sequence across the runs.
    const audit = await repos.auditLog(view.centerId);
    expect(audit.map((a) => a.seq)).toEqual(audit.map((_, i) => i + 1));
    expect(audit.filter((a) => a.event === 'REQUEST_FUNDING')).toHaveLength(12);
    expect(await repos.fundingRequests(view.centerId)).toHaveLength(12);

    // A command repeated after the continue-as-new gets its first result, and writes nothing.
    const again = await sendCenterCommand(h.ops, 'bnu', approve);
    expect(again).toMatchObject({ commandId: approve.commandId, seq: approved.seq, state: approved.state, duplicate: true });
    expect(await repos.auditLog(view.centerId)).toHaveLength(audit.length);
  });

  it('the call continues-as-new too, keeping its quota, approvals and applicants (Art. 7, 9)', async () => {
    const call = callInfo(Date.now(), { callId: 'call-can-many', quota: 4 });
    await openCall(h.ops, call, commission);
    const { runId: firstRun } = await h.client.workflow.getHandle(callWorkflowId(call.callId)).describe();
    const unis = ['buct', 'bfsu', 'cufe', 'uibe'];
    for (const u of unis) {
      await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university(u), { callId: call.callId, application: applicationAsOf(u, Date.now()) }));
      const panel = experts('pku');
      await sendCenterCommand(h.ops, u, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
      for (const e of panel) await sendCenterCommand(h.ops, u, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 85, recommendation: 'approve', opinion: 'Good' } }));
    }
    for (const u of unis) expect((await sendCenterCommand(h.ops, u, cmd('APPROVE', commission, {}))).state).toBe('building.running');

    const { runId } = await h.client.workflow.getHandle(callWorkflowId(call.callId)).describe();
    expect(runId).not.toBe(firstRun);
    const status = await getCall(h.ops, call.callId);
    expect(status).toMatchObject({ status: 'open', quota: 4, approvedCount: 4 });
    expect(status.approved.sort()).toEqual(unis.map((u) => `${u}.${call.callId}`).sort());
    expect(status.applicants.every((a) => a.settled)).toBe(true);
    // It still takes commands, and its events keep one sequence in the database.
    const raised = await sendCallCommand(h.ops, call.callId, { commandId: commandId(), actor: commission, type: 'RAISE_QUOTA', payload: { quota: 5, reason: 'A fifth strong application expected' } });
    expect(raised.quota).toBe(5);
    const events = await createRepositories(h.knex).callEvents(call.callId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.kind === 'slotReserved')).toHaveLength(4);
  });
});
