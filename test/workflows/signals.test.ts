/**
 * docs/security.md: Temporal does not authenticate signals, so a center takes one only when it parses, a deadline
 * only from the scheduler role, and a quota answer only for the request it waits on. A malformed or forged signal
 * is dropped: it never fails a workflow task (which would jam the center) and never writes an audit row.
 */
import { describe, expect, it } from 'vitest';
import { getCall, openCall, sendCallCommand, sendCenterCommand, showCenter, submitApplication } from '../../client/operations';
import { resolveStartSecret, signStart } from '../../config/start-secret';
import { callWorkflowId, centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { MAX_COMMAND_BYTES } from '../../machines/authorize';
import { defaultPolicy, PolicySchema } from '../../machines/policy';
import { callInfo, cmd, commission, experts, understaffed, university, applicationAsOf } from '../helpers/fixtures';
import { useDevServer } from '../helpers/dev-server';

const h = useDevServer({ name: 'signals' }, 180_000);

describe('forged and malformed signals are dropped, and never jam a center', () => {
  it('fireDeadline: null, the wrong shape, or an actor other than the scheduler; callStatusChanged and quotaSlotAnswer malformed or unasked', async () => {
    const repos = createRepositories(h.knex);
    const call = callInfo(Date.now(), { callId: 'call-signals' });
    await openCall(h.ops, call, commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('bua'), { callId: call.callId, application: applicationAsOf('bua', Date.now()) }));
    const handle = h.client.workflow.getHandle(centerWorkflowId('bua'));
    const windowKey = (await showCenter(h.ops, 'bua')).openDeadlines[0].key;

    const forged: [string, unknown][] = [
      ['fireDeadline', null],
      ['fireDeadline', { key: 42 }],
      ['fireDeadline', { key: windowKey, actor: { id: 'intruder', role: 'commission' } }],
      ['fireDeadline', { key: windowKey, actor: { id: 'intruder', role: 'auditor' } }],
      ['callStatusChanged', null],
      ['callStatusChanged', { quota: 'many' }],
      ['quotaSlotAnswer', { requestId: 'never-asked', granted: true, quota: 9, approvedCount: 0 }],
      ['quotaSlotAnswer', 'granted'],
    ];
    for (const [name, payload] of forged) await handle.signal(name, payload);

    // An update after the signals is applied after them: the center still takes commands (a barrier, not a wait).
    const assigned = await sendCenterCommand(h.ops, 'bua', cmd('ASSIGN_EXPERTS', commission, { experts: experts('pku') }));
    expect(assigned.state).toBe('application.inReview');
    const history = await handle.fetchHistory();
    const failedTasks = history.events?.filter((e) => e.workflowTaskFailedEventAttributes) ?? [];
    expect(failedTasks, 'no workflow task failed').toEqual([]);
    const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes) ?? [];
    expect(signals.length).toBeGreaterThanOrEqual(forged.length);
    const rows = await repos.auditLog('bua.call-signals');
    expect(rows.map((r) => r.event)).toEqual(['SUBMIT_APPLICATION', 'ASSIGN_EXPERTS']);
    expect(rows.some((r) => r.actor.id === 'intruder')).toBe(false);
  });

  it("the call's signals: a forged registration or quota request naming no real applicant is dropped, the call keeps working", async () => {
    const call = callInfo(Date.now(), { callId: 'call-forged', quota: 1 });
    await openCall(h.ops, call, commission);
    const handle = h.client.workflow.getHandle(callWorkflowId(call.callId));
    const forged: [string, unknown][] = [
      ['registerApplicant', { centerId: 'ghost.call-forged', workflowId: 'center-ghost' }],
      ['registerApplicant', null],
      ['requestQuotaSlot', { centerId: 'ghost.call-forged', workflowId: 'center-ghost', requestId: 'forged-1' }],
      ['requestQuotaSlot', { centerId: 42 }],
      ['applicantSettled', 'everyone'],
    ];
    for (const [name, payload] of forged) await handle.signal(name, payload);
    // The call's next command is applied after them: it still answers, its quota untouched by the forged request.
    const raised = await sendCallCommand(h.ops, call.callId, { commandId: 'cmd-raise-forged-1', actor: commission, type: 'RAISE_QUOTA', payload: { quota: 2, reason: 'Two strong applicants expected' } });
    expect(raised).toMatchObject({ quota: 2, approvedCount: 0, approved: [] });
    expect(raised.applicants).toEqual([]);
    const history = await handle.fetchHistory();
    expect(history.events?.filter((e) => e.workflowTaskFailedEventAttributes) ?? [], 'no workflow task failed').toEqual([]);
  });

  it('a center workflow started by hand with a made-up input fails at once, and the university then applies as usual', async () => {
    const call = callInfo(Date.now(), { callId: 'call-made-up' });
    await openCall(h.ops, call, commission);
    const forged = await h.client.workflow.start('centerWorkflow', { workflowId: centerWorkflowId('bsu'), taskQueue: h.taskQueue, args: [{ centerId: 'bsu.call-made-up', universityId: 'bsu', call: { callId: 'call-made-up' } }] });
    const failure = await forged.result().then(
      () => null,
      (err: unknown) => err as { cause?: { type?: string; message?: string } },
    );
    expect(failure?.cause?.type).toBe('InvalidWorkflowInput');
    expect(failure?.cause?.message).toMatch(/^Not a center workflow the service started: .*call\.title/);
    // The id is free again: the real application starts the real workflow.
    const applied = await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('bsu'), { callId: call.callId, application: applicationAsOf('bsu', Date.now()) }));
    expect(applied.state).toBe('application.eligible');
  });

  it('a well-formed start that the service did not sign — unsigned, signed with another secret, or an old signature — fails before anything is written', async () => {
    const call = callInfo(Date.now(), { callId: 'call-forged-start' });
    await openCall(h.ops, call, commission);
    const status = await getCall(h.ops, call.callId);
    const callView = { callId: call.callId, title: status.title, opensAt: status.opensAt, closesAt: status.closesAt, quota: status.quota, approvedCount: status.approvedCount, closedEarlyAt: status.closedEarlyAt };
    const workflowId = centerWorkflowId('bfsu');
    // A lenient policy (one full-time professional is enough) that the real application would then be judged by.
    const fields = { centerId: 'bfsu.call-forged-start', universityId: 'bfsu', call: callView, policy: PolicySchema.parse({ minFullTimeStaff: 1 }) };
    const attempts: [string, string | undefined, RegExp][] = [
      ['unsigned', undefined, /carries no signature of the service/],
      ['another secret', signStart('x'.repeat(40), { kind: 'center', workflowId, ...fields }, Date.now()), /does not match its input/],
      ['the service signature of another input', signStart(resolveStartSecret(undefined), { kind: 'center', workflowId, ...fields, policy: defaultPolicy }, Date.now()), /does not match its input/],
      ['an old signature', signStart(resolveStartSecret(undefined), { kind: 'center', workflowId, ...fields }, Date.now() - 2 * 3600_000), /more than an hour before the workflow started/],
    ];
    for (const [what, startSignature, message] of attempts) {
      const forged = await h.client.workflow.start('centerWorkflow', { workflowId, taskQueue: h.taskQueue, args: [{ ...fields, startSignature }] });
      const failure = await forged.result().then(
        () => null,
        (err: unknown) => err as { cause?: { type?: string; message?: string } },
      );
      expect(failure?.cause?.type, what).toBe('NotStartedByService');
      expect(failure?.cause?.message, what).toMatch(message);
      // It failed in its first task: no handler ran, no activity but the check, no workflow task failed.
      const events = (await forged.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.activityTaskScheduledEventAttributes || e.workflowTaskFailedEventAttributes), what).toEqual([]);
    }
    const repos = createRepositories(h.knex);
    expect(await repos.getCenter('bfsu.call-forged-start')).toBeUndefined();
    expect(await repos.auditLog('bfsu.call-forged-start')).toEqual([]);
    // The real application, signed by the service, is judged by the configured policy: two full-time professionals
    // are too few (Art. 8(7)), where the forged policy would have let them pass.
    const applied = await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('bfsu'), { callId: call.callId, application: understaffed('bfsu') }));
    expect(applied.state).toBe('application.ineligible');
  });

  it('a call workflow started by hand, unsigned or with a center\'s signature, fails at once; the commission then opens the call', async () => {
    const call = callInfo(Date.now(), { callId: 'call-forged-open' });
    const workflowId = callWorkflowId(call.callId);
    const fields = { call, openedBy: commission, commandId: 'cmd-forged-open' };
    const centerSigned = signStart(resolveStartSecret(undefined), { kind: 'center', workflowId, centerId: 'x.y', universityId: 'x', call, policy: defaultPolicy }, Date.now());
    for (const [what, startSignature, message] of [
      ['unsigned', undefined, /carries no signature of the service/],
      ["a center's signature", centerSigned, /does not match its input/],
    ] as const) {
      const forged = await h.client.workflow.start('callWorkflow', { workflowId, taskQueue: h.taskQueue, args: [{ ...fields, quota: 99, startSignature }] });
      const failure = await forged.result().then(
        () => null,
        (err: unknown) => err as { cause?: { type?: string; message?: string } },
      );
      expect(failure?.cause?.type, what).toBe('NotStartedByService');
      expect(failure?.cause?.message, what).toMatch(message);
    }
    expect(await createRepositories(h.knex).getCall(call.callId)).toBeUndefined();
    // The id is free: the commission's own opening starts the real call.
    expect(await openCall(h.ops, call, commission)).toMatchObject({ callId: call.callId, quota: call.quota, status: 'open' });
  });

  it('a command of 2.5 MB is refused by the client before it reaches Temporal, naming the limit; the center carries on', async () => {
    const huge = cmd('RECORD_INTEGRITY_INCIDENT', commission, { incident: { occurredOn: '2026-11-30', category: 'credit', description: 'x'.repeat(2_500_000) } });
    // Through the operations (the CLI's and the API's path): refused before anything is sent.
    const refused = await sendCenterCommand(h.ops, 'bua', huge).then(
      () => null,
      (err: unknown) => err as { reason?: string; message?: string },
    );
    expect(refused?.reason).toBe('invalid-input');
    expect(refused?.message).toContain(`more than the ${MAX_COMMAND_BYTES}`);
    // (Sent raw by someone holding namespace access, Temporal fails the workflow task instead: its rejection echoes the
    // request past the 2 MB limit — temporalio/features#723. docs/security.md keeps such access to the service.)
    const after = await sendCenterCommand(h.ops, 'bua', cmd('RECORD_INTEGRITY_INCIDENT', commission, { incident: { occurredOn: '2026-11-30', category: 'credit', description: 'A small, real incident' } }));
    expect(after.type).toBe('RECORD_INTEGRITY_INCIDENT');
  });
});
