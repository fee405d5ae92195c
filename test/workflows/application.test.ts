/**
 * The application stage on a real Temporal server (the time-skipping test server) with a real SQLite file.
 * Art. 7 (call window), Art. 8 (eligibility), Art. 9 (review, decision, quota), Art. 20 (names).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandRefusedError,
  getCall,
  openCall,
  sendCallCommand,
  sendCenterCommand,
  showCenter,
  submitApplication,
} from '../../client/operations';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { callInfo, cmd, commandId, commission, expertActor, experts, understaffed, university, applicationFor } from '../helpers/fixtures';
import { temporal } from '@temporalio/proto';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

let h: Harness;
let repos: ReturnType<typeof createRepositories>;
const DAY = 24 * 3600_000;

beforeAll(async () => {
  h = await timeSkippingHarness();
  repos = createRepositories(h.knex);
});
afterAll(async () => {
  await h?.teardown();
});

async function now(): Promise<number> {
  return (await h.env.currentTimeMs?.()) ?? Date.now();
}

const historyEventName = (t: unknown) => (typeof t === 'number' ? temporal.api.enums.v1.EventType[t] : t);

async function historyEventTypes(workflowId: string): Promise<string[]> {
  const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => String(historyEventName(e.eventType)));
}

/**
 * A rejected update leaves no event of its own. The real server drops the speculative workflow task that
 * rejected it; the Java time-skipping server records that task (scheduled/started/completed) but nothing else,
 * so here only workflow-task events may follow. The dev-server test (test/e2e) checks the history is unchanged.
 */
function expectNoTrace(before: string[], after: string[]): void {
  expect(after.slice(0, before.length)).toEqual(before);
  const workflowTaskOnly = new Set(['EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_TASK_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED']);
  expect(after.slice(before.length).filter((t) => !workflowTaskOnly.has(t))).toEqual([]);
}

describe('Art. 7–9, 20: from application to establishment', () => {
  it('takes an eligible application through review and approval, with rows and audit log', async () => {
    const call = callInfo(await now(), { callId: 'call-happy', quota: 1 });
    await openCall(h.ops, call, commission);
    const u = university('bjut');
    const submitted = await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', u, { callId: call.callId, application: applicationFor('bjut', call) }));
    expect(submitted.state).toBe('application.eligible');

    const panel = experts('pku');
    await sendCenterCommand(h.ops, 'bjut', cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
    for (const e of panel) {
      await sendCenterCommand(h.ops, 'bjut', cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 85, recommendation: 'approve', opinion: 'Strong transfer record' } }));
    }
    expect((await showCenter(h.ops, 'bjut')).state).toBe('application.awaitingDecision');
    const approved = await sendCenterCommand(h.ops, 'bjut', cmd('APPROVE', commission, { reason: 'Ranked first' }));
    expect(approved.state).toBe('building.running');

    const view = await showCenter(h.ops, 'bjut');
    expect(view.names).toEqual({
      zh: '北京工业大学北京高校科技成果转移转化促进中心',
      en: 'Beijing University Science and Technology Transfer Promotion Center of Beijing University of Technology',
    });
    expect(view.cycle).toBe(1);
    expect((await getCall(h.ops, call.callId)).approvedCount).toBe(1);

    const centerId = view.centerId;
    const row = await repos.getCenter(centerId);
    expect(row).toMatchObject({ state: 'building.running', nameZh: view.names!.zh, cycle: 1 });
    expect(await repos.reviews(centerId)).toHaveLength(3);
    expect(await repos.assignments(centerId)).toHaveLength(3);
    expect((await repos.eligibility(centerId)).every((r) => r.passed)).toBe(true);
    expect(await repos.decision(centerId)).toMatchObject({ outcome: 'approved', reason: 'Ranked first' });
    const audit = await repos.auditLog(centerId);
    expect(audit.map((a) => [a.seq, a.fromState, a.event, a.toState])).toEqual([
      [1, 'awaitingApplication', 'SUBMIT_APPLICATION', 'application.eligible'],
      [2, 'application.eligible', 'ASSIGN_EXPERTS', 'application.inReview'],
      [3, 'application.inReview', 'SUBMIT_REVIEW', 'application.inReview'],
      [4, 'application.inReview', 'SUBMIT_REVIEW', 'application.inReview'],
      [5, 'application.inReview', 'SUBMIT_REVIEW', 'application.awaitingDecision'],
      [6, 'application.awaitingDecision', 'APPROVE', 'building.running'],
    ]);
    expect(audit[0].actor).toEqual(u);
    expect(audit[0].commandId).toBe(submitted.commandId);
  });

  it('refuses an approval beyond the quota, then accepts it once the commission raises the quota with a reason', async () => {
    const call = callInfo(await now(), { callId: 'call-quota', quota: 1 });
    await openCall(h.ops, call, commission);
    for (const uni of ['ustb', 'bnu']) {
      await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university(uni), { callId: call.callId, application: applicationFor(uni, call) }));
      const panel = experts('pku');
      await sendCenterCommand(h.ops, uni, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
      for (const e of panel) {
        await sendCenterCommand(h.ops, uni, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 80, recommendation: 'approve', opinion: 'Good' } }));
      }
    }
    await sendCenterCommand(h.ops, 'ustb', cmd('APPROVE', commission, {}));
    const historyBefore = await historyEventTypes(centerWorkflowId('bnu'));
    const auditBefore = await repos.auditLog('bnu.call-quota');

    const refusal = sendCenterCommand(h.ops, 'bnu', cmd('APPROVE', commission, {}));
    await expect(refusal).rejects.toBeInstanceOf(CommandRefusedError);
    await expect(refusal).rejects.toMatchObject({ reason: 'quota-exceeded' });
    // A refused command leaves no trace: not in history, not in the database.
    expectNoTrace(historyBefore, await historyEventTypes(centerWorkflowId('bnu')));
    expect(await repos.auditLog('bnu.call-quota')).toEqual(auditBefore);

    await sendCallCommand(h.ops, call.callId, { commandId: commandId(), actor: commission, type: 'RAISE_QUOTA', payload: { quota: 2, reason: 'Two excellent applications this year' } });
    const approved = await sendCenterCommand(h.ops, 'bnu', cmd('APPROVE', commission, {}));
    expect(approved.state).toBe('building.running');
    const events = await repos.callEvents(call.callId);
    expect(events.map((e) => e.kind)).toEqual(['opened', 'slotReserved', 'quotaRaised', 'slotReserved']);
  });

  it('answers a repeated command id with its first result and writes once', async () => {
    const call = callInfo(await now(), { callId: 'call-idem' });
    await openCall(h.ops, call, commission);
    const submit = cmd('SUBMIT_APPLICATION', university('cau'), { callId: call.callId, application: understaffed('cau') });
    const first = await submitApplication(h.ops, submit);
    const again = await submitApplication(h.ops, submit);
    // Temporal's own update-id dedup, or the workflow's command-id table, answers with the first result.
    expect({ ...again, duplicate: false }).toEqual(first);
    expect(await repos.auditLog('cau.call-idem')).toHaveLength(1);
    expect(await repos.applications('cau.call-idem')).toHaveLength(1);
  });

  it('closes an ineligible application when the call window passes (time skipped, not waited for)', async () => {
    const start = await now();
    const call = callInfo(start, { callId: 'call-window', closesAt: new Date(start + 10 * DAY).toISOString() });
    await openCall(h.ops, call, commission);
    const r = await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('buaa'), { callId: call.callId, application: understaffed('buaa') }));
    expect(r.state).toBe('application.ineligible');
    const view = await showCenter(h.ops, 'buaa');
    expect(view.eligibility!.find((c) => c.condition === 7)).toMatchObject({ passed: false });
    expect(view.openDeadlines.map((d) => d.key)).toEqual(['callWindow:call-window']);

    // Awaiting the result lets the test server skip the ten days.
    const result = await h.env.client.workflow.getHandle(centerWorkflowId('buaa')).result();
    expect(result.state).toBe('closed.ineligible');
    expect((await now()) - start).toBeGreaterThanOrEqual(10 * DAY);
    const audit = await repos.auditLog('buaa.call-window');
    expect(audit.at(-1)).toMatchObject({ event: 'DEADLINE_REACHED', fromState: 'application.ineligible', toState: 'closed.ineligible' });
    expect((await repos.getCenter('buaa.call-window'))?.state).toBe('closed.ineligible');
  });

  it('refuses an amendment after an early close of the call and closes the ineligible application', async () => {
    const call = callInfo(await now(), { callId: 'call-early' });
    await openCall(h.ops, call, commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('bjfu'), { callId: call.callId, application: understaffed('bjfu') }));
    await sendCallCommand(h.ops, call.callId, { commandId: commandId(), actor: commission, type: 'CLOSE_EARLY', payload: { reason: 'Quota filled by strong applicants' } });
    const result = await h.env.client.workflow.getHandle(centerWorkflowId('bjfu')).result();
    expect(result.state).toBe('closed.ineligible');
    await expect(
      submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('bjfu'), { callId: call.callId, application: applicationFor('bjfu', call) })),
    ).rejects.toMatchObject({ reason: 'deadline-passed' });
  });
});
