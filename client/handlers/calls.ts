/** Calls for applications (Art. 7) and their quota (Art. 9): sending the call's commands, showing and listing calls. */
import type { CallEventRecord, CallRecord } from '../../db/repositories';
import { commandUrl } from '../../api/paths';
import { CallCommandSchema } from '../../machines/commands';
import type { CallInfo } from '../../machines/domain';
import type { CallCommand, CallStatus } from '../../contract';
import { CallIdKey } from '../../contract';
import { zodIssues } from '../args';
import type { CommandContext, Output } from '../commands';
import { InputError, UsageError } from '../errors';
import { actorText, fields, section, table, time } from '../format';
import { getCall, openCall, sendCallCommand } from '../operations';
import { actorAndId, idempotencyKeyFor, str, temporalFor, type Send } from './send';


function sourceOf(ctx: CommandContext): 'database' | 'temporal' {
  const s = str(ctx.values.source) ?? 'database';
  if (s !== 'database' && s !== 'temporal') throw new UsageError(`--source must be "database" or "temporal", not "${s}".`);
  return s;
}

export function callText(call: CallStatus): string {
  return [
    fields([
      ['Call', `${call.callId} — ${call.title}`],
      ['Status', call.status + (call.closedEarlyAt ? ` (closed early at ${time(call.closedEarlyAt)})` : '')],
      ['Window', `${time(call.opensAt)} – ${time(call.closesAt)}`],
      ['Quota', `${call.quota} (${call.approvedCount} approved)`],
      ['Approved', call.approved.join(', ') || null],
    ]),
    section('Applicants', table(['CENTER', 'WORKFLOW', 'SETTLED'], call.applicants.map((a) => [a.centerId, a.workflowId, a.settled]))),
    section('Quota history', table(['QUOTA', 'AT', 'BY', 'REASON'], call.quotaHistory.map((q) => [q.quota, time(q.at), q.by, q.reason]))),
  ].join('\n\n');
}

/**
 * Sends a call command (Art. 7, 9): `call open` starts the call's workflow, the others update it. The payload is
 * already checked (handlers/table.ts); the envelope is checked here before anything is sent.
 */
export async function sendToCall(
  ctx: CommandContext,
  type: 'OPEN_CALL' | CallCommand['type'],
  payload: unknown,
  s: Pick<Send<never>, 'command' | 'defaultActor' | 'actorExample'>,
): Promise<Output> {
  const api = ctx.services.api;
  if (api) {
    const idempotencyKey = idempotencyKeyFor(ctx);
    if (type === 'OPEN_CALL') {
      const { callId } = payload as CallInfo;
      ctx.warn(`Opening call ${callId} through ${api.url}…`);
      const status = await api.request<CallStatus>('POST', commandUrl('OPEN_CALL', null), { body: payload, idempotencyKey });
      return { data: { call: status }, text: `Call ${callId} is open.\n\n${callText(status)}` };
    }
    const [callId] = ctx.positionals;
    ctx.warn(`Sending ${type} to call ${callId} through ${api.url}…`);
    const call = await api.request<CallStatus>('POST', commandUrl(type, callId), { body: payload, idempotencyKey });
    return { data: { type, call }, text: `${type} applied to call ${callId}.\n\n${callText(call)}` };
  }
  const { actor, commandId } = actorAndId(ctx, s);
  if (type === 'OPEN_CALL') {
    const t = await temporalFor(ctx);
    const { callId } = payload as CallInfo;
    ctx.warn(`Opening call ${callId} as ${actorText(actor)} (command id ${commandId})…`);
    const status = await openCall(t.ops, payload, actor, commandId);
    return { data: { commandId, call: status }, text: `Call ${callId} is open.\nCommand id: ${commandId}\n\n${callText(status)}` };
  }
  const [callId] = ctx.positionals;
  const parsed = CallCommandSchema.safeParse({ commandId, actor, type, payload });
  if (!parsed.success) throw new InputError(`Invalid ${type} command:`, zodIssues(parsed.error));
  const t = await temporalFor(ctx);
  ctx.warn(`Sending ${type} to call ${callId} as ${actorText(actor)} (command id ${commandId})…`);
  const call = await sendCallCommand(t.ops, callId, parsed.data as CallCommand);
  return { data: { commandId, type, call }, text: `${type} applied to call ${callId}.\nCommand id: ${commandId}\n\n${callText(call)}` };
}

export async function showCallCommand(ctx: CommandContext): Promise<Output> {
  const [callId] = ctx.positionals;
  if (ctx.services.api) {
    const call = await ctx.services.api.request<CallStatus & { events?: CallEventRecord[] }>('GET', `/calls/${encodeURIComponent(callId)}`);
    const events = call.events ?? null;
    return { data: call, text: events ? `${callText(call)}\n\n${section('Events (database)', eventsTable(events))}` : callText(call) };
  }
  const t = await ctx.services.temporal();
  const call = await getCall(t.ops, callId);
  let events: CallEventRecord[] | null = null;
  try {
    events = await (await ctx.services.repos()).callEvents(callId);
  } catch (err) {
    ctx.warn(`Warning: the call's events could not be read from the database: ${(err as Error).message}`);
  }
  const eventsText = events ? eventsTable(events) : '(database unavailable)';
  return { data: { ...call, events }, text: `${callText(call)}\n\n${section('Events (database)', eventsText)}` };
}

const eventsTable = (events: readonly CallEventRecord[]) =>
  table(['SEQ', 'AT', 'KIND', 'ACTOR', 'COMMAND', 'REASON'], events.map((e) => [e.seq, time(e.at), e.kind, actorText(e.actor), e.commandId, e.reason]));

export async function listCallsCommand(ctx: CommandContext): Promise<Output> {
  if (sourceOf(ctx) === 'database') {
    const calls = ctx.services.api ? (await ctx.services.api.request<{ calls: CallRecord[] }>('GET', '/calls')).calls : await (await ctx.services.repos()).listCalls();
    return {
      data: { source: 'database', calls },
      text: table(
        ['CALL', 'STATUS', 'OPENS', 'CLOSES', 'QUOTA', 'APPROVED', 'TITLE'],
        calls.map((c) => [c.callId, c.status, time(c.opensAt), time(c.closesAt), c.quota, c.approvedCount, c.title]),
        'No calls. Open one with `centers call open --file examples/call.json`.',
      ),
    };
  }
  if (ctx.services.api) throw new UsageError("--source temporal reads Temporal's visibility directly: an operators' tool, on the direct path (CENTERS_API_URL=off).");
  const t = await ctx.services.temporal();
  const calls: { callId: string | null; workflowId: string; status: string; startTime: string }[] = [];
  for await (const wf of t.client.workflow.list({ query: "WorkflowType = 'callWorkflow'" })) {
    calls.push({ callId: wf.typedSearchAttributes.get(CallIdKey) ?? null, workflowId: wf.workflowId, status: wf.status.name, startTime: wf.startTime.toISOString() });
  }
  return {
    data: { source: 'temporal', calls },
    text: table(['CALL', 'WORKFLOW', 'STATUS', 'STARTED'], calls.map((c) => [c.callId, c.workflowId, c.status, time(c.startTime)]), 'No call workflows.'),
  };
}
