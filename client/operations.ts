/**
 * What the CLI (and the tests) do with Temporal: every command to a center or a call, checked locally first
 * with the same pure code the workflow uses, then sent as an update whose validator checks it again.
 */
import { randomUUID } from 'node:crypto';
import {
  Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { initialTransition } from 'xstate';
import { checkCommand, sizeRefusal } from '../machines/authorize';
import { commandFingerprint } from '../machines/fingerprint';
import { resolveStartSecret, signStart } from '../config/start-secret';
import { centerMachine } from '../machines/center';
import { MACHINE_VERSION } from '../machines/versions';
import { CommandSchema, describeZodError, type Command } from '../machines/commands';
import { CallInfoSchema, type Actor, type CallInfo } from '../machines/domain';
import type { Policy } from '../machines/policy';
import { evidenceOf } from '../machines/evidence';
import { missingEvidence, type EvidenceStore } from '../evidence/store';
import {
  callCommand,
  callStatus,
  callWorkflowId,
  centerCommand,
  centerIdFor,
  centerState,
  centerWorkflowId,
  type CallCommand,
  type CallStatus,
  type CenterView,
  type CommandResult,
} from '../contract';
import { CallIdKey, CenterIdKey, CenterStateKey, UniversityIdKey } from '../contract';
import type { centerWorkflow, callWorkflow } from '../workflows';

export { CommandRefusedError, NotFoundError } from './operations-errors';
import { CommandRefusedError, NotFoundError } from './operations-errors';

export interface OperationsContext {
  client: Client;
  taskQueue: string;
  policy: Policy;
  /** The server's clock for local pre-checks (the time-skipping test server's differs from the wall clock). */
  now?: () => Promise<number>;
  /** The secret a center's start is signed with (config/start-secret.ts); default: temporal.startSecret's fallback file. */
  startSecret?: string;
  /** The evidence content store (evidence/store.ts): a command naming a file is sent only if the file is stored. */
  evidence?: Pick<EvidenceStore, 'has'>;
  /**
   * The version of the statechart new centers start with (machines/versions.ts); default the newest. An older one
   * holds new centers back on the version the running ones run (e.g. while a version rolls out).
   */
  machineVersion?: number;
}

/**
 * Issue 14 item 3: every file a command names must be in the evidence store before the command is sent, so the
 * history never names a file that is not kept. Refused here, before anything is signalled: no trace.
 */
async function checkEvidence(ctx: OperationsContext, command: Command): Promise<void> {
  const refs = evidenceOf(command);
  if (refs.length === 0) return;
  if (!ctx.evidence) throw new CommandRefusedError('invalid-input', 'This command names evidence files, but no evidence store is configured here (config `evidence.dir`): send it through the API, which keeps the store.');
  const missing = await missingEvidence(ctx.evidence, refs);
  if (missing) throw new CommandRefusedError('invalid-input', missing);
}

const clock = async (ctx: OperationsContext): Promise<number> => (ctx.now ? ctx.now() : Date.now());

export const newCommandId = () => `cmd-${randomUUID()}`;

/**
 * The update id of a center command: its command id and fingerprint. The same command sent again has the same
 * update id, so Temporal answers it with the first result; another command under the same command id has another
 * update id, so it reaches the workflow's validator, which refuses it as a conflict.
 */
const updateIdOf = (command: Command): string => `${command.commandId}.${commandFingerprint(command)}`;

/**
 * A command's answer as its sender should read it: Temporal answers a repeated update id with the first sending's
 * stored result (duplicate: false), and that result names the sending it ran for (contract CommandAttempt) — another
 * sending's answer is a repeat. Results of workflow code before the echo name none and are taken as they are.
 */
async function sentOnce(send: (attempt: { attempt: string }) => Promise<CommandResult>): Promise<CommandResult> {
  const mine = randomUUID();
  const { attempt, ...result } = await send({ attempt: mine });
  return attempt !== undefined && attempt !== mine ? { ...result, duplicate: true } : result;
}

/** Unwraps a refused update into a CommandRefusedError naming the reason. */
function translate(err: unknown): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    throw new CommandRefusedError(err.cause.type ?? 'refused', err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) throw new NotFoundError(err.message);
  throw err;
}

async function send<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    translate(err);
  }
}

// ---- Calls (Art. 7) ----

export async function openCall(ctx: OperationsContext, call: unknown, actor: Actor, commandId = newCommandId()): Promise<CallStatus> {
  const parsed = CallInfoSchema.safeParse(call);
  if (!parsed.success) throw new CommandRefusedError('invalid-input', `Invalid call: ${describeZodError(parsed.error)}`);
  if (actor.role !== 'commission') throw new CommandRefusedError('forbidden-role', `Opening a call is for the commission, not a ${actor.role}.`);
  if (Date.parse(parsed.data.closesAt) <= (await clock(ctx))) {
    throw new CommandRefusedError('invalid-input', `The call's window must close in the future (closesAt ${parsed.data.closesAt}).`);
  }
  const workflowId = callWorkflowId(parsed.data.callId);
  const startSignature = signStart(resolveStartSecret(ctx.startSecret), { kind: 'call', workflowId, call: parsed.data, openedBy: actor, commandId }, await clock(ctx));
  try {
    const handle = await ctx.client.workflow.start<typeof callWorkflow>('callWorkflow', {
      workflowId,
      taskQueue: ctx.taskQueue,
      args: [{ call: parsed.data, openedBy: actor, commandId, startSignature }],
      typedSearchAttributes: [{ key: CallIdKey, value: parsed.data.callId }],
    });
    return await handle.query(callStatus);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // The same command repeated (a retry) gets the call as it is; another command with this call id is refused.
      const handle = ctx.client.workflow.getHandle(callWorkflowId(parsed.data.callId));
      const history = await handle.fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      const input = started?.data ? (JSON.parse(Buffer.from(started.data).toString('utf8')) as { commandId?: string }) : null;
      if (input?.commandId === commandId) return handle.query(callStatus);
      throw new CommandRefusedError('not-allowed-in-state', `A call with id "${parsed.data.callId}" already exists; choose another callId.`);
    }
    throw err;
  }
}

export async function getCall(ctx: OperationsContext, callId: string): Promise<CallStatus> {
  try {
    return await ctx.client.workflow.getHandle(callWorkflowId(callId)).query(callStatus);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`No call "${callId}". Open one with \`centers call open --file call.json\`.`);
    throw err;
  }
}

export async function sendCallCommand(ctx: OperationsContext, callId: string, command: CallCommand): Promise<CallStatus> {
  // Not found is said here; every other check is the workflow validator's, so a retry with the same command id
  // is answered by Temporal with the first result instead of being checked again against the new state.
  await getCall(ctx, callId);
  return send(() => ctx.client.workflow.getHandle(callWorkflowId(callId)).executeUpdate(callCommand, { args: [command], updateId: command.commandId }));
}

// ---- Centers ----

/**
 * Art. 8: a university submits its application to an open call. Starts the university's center workflow
 * (one live per university: its id is derived from the university) and submits in one step.
 */
export async function submitApplication(ctx: OperationsContext, command: Command): Promise<CommandResult> {
  const oversize = sizeRefusal(command);
  if (oversize) throw new CommandRefusedError(oversize.reason, oversize.message);
  const parsed = CommandSchema.safeParse(command);
  if (!parsed.success) throw new CommandRefusedError('invalid-input', `Invalid command: ${describeZodError(parsed.error)}`);
  if (parsed.data.type !== 'SUBMIT_APPLICATION') throw new CommandRefusedError('invalid-input', 'expected a SUBMIT_APPLICATION command');
  await checkEvidence(ctx, parsed.data);
  const { callId, application } = parsed.data.payload;
  const call = await getCall(ctx, callId);
  const universityId = application.universityId;
  const centerId = centerIdFor(universityId, callId);
  const workflowId = centerWorkflowId(universityId);
  const callView = { callId, title: call.title, opensAt: call.opensAt, closesAt: call.closesAt, quota: call.quota, approvedCount: call.approvedCount, closedEarlyAt: call.closedEarlyAt } satisfies CallInfo & Record<string, unknown>;

  // The same checks as the workflow's validator, so a refusal starts no workflow at all.
  const [fresh] = initialTransition(centerMachine, { policy: ctx.policy, centerId, workflowId, universityId, call: callView });
  const local = checkCommand(fresh, parsed.data, new Date(await clock(ctx)).toISOString());
  if (!local.ok) throw new CommandRefusedError(local.refusal.reason, local.refusal.message);

  const fields = { centerId, universityId, call: callView, policy: ctx.policy };
  const startSignature = signStart(resolveStartSecret(ctx.startSecret), { kind: 'center', workflowId, ...fields }, await clock(ctx));
  const start = new WithStartWorkflowOperation<typeof centerWorkflow>('centerWorkflow', {
    workflowId,
    taskQueue: ctx.taskQueue,
    // The version it starts with is named, so a start that names none is known to be from before versions (1).
    args: [{ ...fields, startSignature, machineVersion: ctx.machineVersion ?? MACHINE_VERSION }],
    // A university has at most one live center workflow: a live one receives the command (and refuses it).
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: CenterIdKey, value: centerId },
      { key: UniversityIdKey, value: universityId },
      { key: CallIdKey, value: callId },
      { key: CenterStateKey, value: 'awaitingApplication' },
    ],
  });
  return send(() =>
    sentOnce((attempt) =>
      ctx.client.workflow.executeUpdateWithStart(centerCommand, { args: [parsed.data, attempt], updateId: updateIdOf(parsed.data), startWorkflowOperation: start }),
    ),
  );
}

/** Accepts a center id ("bjut.call-2026") or a university id ("bjut"). */
export function resolveCenter(ref: string): { workflowId: string; centerId: string | null } {
  const dot = ref.indexOf('.');
  return dot > 0 ? { workflowId: centerWorkflowId(ref.slice(0, dot)), centerId: ref } : { workflowId: centerWorkflowId(ref), centerId: null };
}

export async function showCenter(ctx: OperationsContext, ref: string): Promise<CenterView> {
  const { workflowId, centerId } = resolveCenter(ref);
  let view: CenterView;
  try {
    view = await ctx.client.workflow.getHandle(workflowId).query(centerState);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`No center "${ref}". List centers with \`centers list\`.`);
    throw err;
  }
  if (centerId && view.centerId !== centerId) {
    throw new NotFoundError(`The live workflow of this university is center "${view.centerId}", not "${centerId}".`);
  }
  return view;
}

/** Sends a command to an existing center; a refusal names its reason and leaves no trace. */
export async function sendCenterCommand(ctx: OperationsContext, ref: string, command: Command): Promise<CommandResult> {
  const oversize = sizeRefusal(command);
  if (oversize) throw new CommandRefusedError(oversize.reason, oversize.message);
  const parsed = CommandSchema.safeParse(command);
  if (!parsed.success) throw new CommandRefusedError('invalid-input', `Invalid command: ${describeZodError(parsed.error)}`);
  if (parsed.data.type === 'SUBMIT_APPLICATION') return submitApplication(ctx, parsed.data);
  await checkEvidence(ctx, parsed.data);
  // A center id is checked against the university's live workflow first; a university id needs no look-up.
  const { workflowId } = resolveCenter(ref).centerId ? await showCenter(ctx, ref) : resolveCenter(ref);
  return send(() =>
    sentOnce((attempt) => ctx.client.workflow.getHandle(workflowId).executeUpdate(centerCommand, { args: [parsed.data, attempt], updateId: updateIdOf(parsed.data) })),
  );
}
