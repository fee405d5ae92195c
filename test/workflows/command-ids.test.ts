/**
 * SPEC §3 "Idempotency": a repeated command id is the same command only if it is the same type, actor and payload.
 * The same id for another command is a conflict, never answered with the first result; a known id sent by another
 * actor is checked as that actor's command. A refusal leaves no trace.
 */
import { describe, expect, it } from 'vitest';
import { CommandRefusedError, openCall, sendCenterCommand, submitApplication } from '../../client/operations';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { callInfo, cmd, commission, experts, university, applicationAsOf } from '../helpers/fixtures';
import { useDevServer } from '../helpers/dev-server';

const h = useDevServer({ name: 'command-ids' }, 180_000);

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: unknown) => (err instanceof CommandRefusedError ? err.reason : `unexpected ${String(err)}`),
  );

describe('a repeated command id', () => {
  it('answers the same command with its first result, and refuses another command under the same id', async () => {
    const repos = createRepositories(h.knex);
    const call = callInfo(Date.now(), { callId: 'call-ids' });
    await openCall(h.ops, call, commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('bfu'), { callId: call.callId, application: applicationAsOf('bfu', Date.now()) }));
    const assign = cmd('ASSIGN_EXPERTS', commission, { experts: experts('pku') }, 'cmd-assign-panel-1');
    const first = await sendCenterCommand(h.ops, 'bfu', assign);
    const historyAfterFirst = (await h.client.workflow.getHandle(centerWorkflowId('bfu')).fetchHistory()).events?.length;

    // The same command again: its first result.
    const again = await sendCenterCommand(h.ops, 'bfu', { ...assign, commandId: assign.commandId });
    expect(again.seq).toBe(first.seq);
    // Answered as a repeat, though Temporal answered it from its update-id store (the workflow never saw it).
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again).not.toHaveProperty('attempt');
    // The same id with another payload (another panel): a conflict, under another update id too (so that Temporal's
    // own update-id store cannot answer it).
    const other = cmd('ASSIGN_EXPERTS', commission, { experts: experts('ruc') }, assign.commandId);
    expect(await refusal(sendCenterCommand(h.ops, 'bfu', other))).toBe('conflict');
    // The same id and payload from a university: refused as the university's command.
    expect(await refusal(sendCenterCommand(h.ops, 'bfu', { ...assign, actor: university('bfu') }))).toBe('forbidden-role');
    // From another university, naming bfu's center: its own refusal, not bfu's result.
    expect(await refusal(sendCenterCommand(h.ops, 'bfu', { ...assign, actor: university('cufe') }))).toBe('forbidden-role');

    expect((await repos.auditLog('bfu.call-ids')).map((r) => r.event)).toEqual(['SUBMIT_APPLICATION', 'ASSIGN_EXPERTS']);
    const history = (await h.client.workflow.getHandle(centerWorkflowId('bfu')).fetchHistory()).events ?? [];
    // The repeat answered by Temporal's update store added nothing either; refusals never enter the history.
    expect(history.length).toBe(historyAfterFirst);
  });
});
