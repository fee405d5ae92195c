/**
 * Sending one command to a center, the same way for every CLI command (SPEC §3a): the actor and command id from
 * the options, the payload checked with the command's zod schema before anything is sent, then the center read
 * back so the answer shows where it is now.
 */
import { COMMAND_TABLE, CommandSchema, type Command, type CommandPayload, type CommandType } from '../../machines/commands';
import { commandUrl } from '../../api/paths';
import type { ApiClient } from '../api-client';
import type { Actor } from '../../machines/domain';
import { centerIdFor, type CenterView, type CommandResult } from '../../contract';
import { parseCommandId, resolveActor, zodIssues } from '../args';
import type { CommandContext, Output } from '../commands';
import { warnIfNoWorker, type Temporal } from '../connect';
import { InputError, UsageError } from '../errors';
import { actorText, time } from '../format';
import { newCommandId, sendCenterCommand, showCenter, submitApplication } from '../operations';

export const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export interface Send<T extends CommandType> {
  type: T;
  payload: Extract<Command, { type: T }>['payload'];
  /** The CLI command's name and actor example, for the messages. */
  command: string;
  defaultActor: Actor | null;
  actorExample: string;
  /** Payload fields that came from options, named as the user typed them (`amountFen` → `--amount-fen`). */
  flags?: Record<string, string>;
}

export interface Sent {
  result: CommandResult;
  view: CenterView | null;
  text: string;
}

/** The actor (--as, CENTERS_ACTOR, or the default) and the command id (--command-id, or a fresh one) of a command. */
export function actorAndId(ctx: CommandContext, s: Pick<Send<CommandType>, 'command' | 'defaultActor' | 'actorExample'>): { actor: Actor; commandId: string } {
  const actor = resolveActor(str(ctx.values.as), ctx.env, s.defaultActor, s.command, s.actorExample);
  return { actor, commandId: parseCommandId(str(ctx.values['command-id'])) ?? newCommandId() };
}

/** Temporal, with a warning when no worker would take the command. */
export async function temporalFor(ctx: CommandContext): Promise<Temporal> {
  const t = await ctx.services.temporal();
  await warnIfNoWorker(t, ctx.services.cfg, ctx.warn);
  return t;
}

/**
 * Through the API, the caller is the token's identity: --as would be a lie the API could not check, so it is
 * refused; --command-id becomes the Idempotency-Key (a retry with it is answered with the first result).
 */
export function idempotencyKeyFor(ctx: CommandContext): string | undefined {
  if (str(ctx.values.as) !== undefined) {
    throw new UsageError('--as is for the operators\' direct path only (CENTERS_API_URL=off): through the API you act as your token\'s identity (`centers whoami`).');
  }
  if (ctx.env.CENTERS_ACTOR) ctx.warn('Note: CENTERS_ACTOR is ignored through the API; you act as your token\'s identity.');
  const key = parseCommandId(str(ctx.values['command-id']));
  if (key !== undefined && key.length > 60) throw new UsageError('--command-id through the API is its Idempotency-Key: at most 60 characters.');
  return key;
}

/** A payload checked with its schema before it is sent, the bad fields named as the user typed them. */
function checkPayload<T extends CommandType>(s: Send<T>): CommandPayload<T> {
  const parsed = COMMAND_TABLE[s.type].payload.safeParse(s.payload);
  if (parsed.success) return parsed.data as CommandPayload<T>;
  const flags: Record<string, string> = { reason: '--reason', ...s.flags };
  const issues = zodIssues(parsed.error, 'payload.').map((i) => {
    const field = /^payload\.([A-Za-z]+)$/.exec(i.path)?.[1];
    return field && flags[field] ? { ...i, path: flags[field] } : i;
  });
  throw new InputError(`Invalid ${s.type} command:`, issues);
}

async function sendViaApi<T extends CommandType>(ctx: CommandContext, api: ApiClient, ref: string | null, s: Send<T>): Promise<Sent> {
  const idempotencyKey = idempotencyKeyFor(ctx);
  const payload = checkPayload(s);
  const target = ref ?? (s.type === 'SUBMIT_APPLICATION' ? centerIdFor((payload as CommandPayload<'SUBMIT_APPLICATION'>).application.universityId, (payload as CommandPayload<'SUBMIT_APPLICATION'>).callId) : '?');
  ctx.warn(`Sending ${s.type} to ${target} through ${api.url}…`);
  const result = await api.request<CommandResult>('POST', commandUrl(s.type, ref), { body: payload, idempotencyKey });
  let view: CenterView | null = null;
  try {
    view = await api.request<CenterView>('GET', `/centers/${encodeURIComponent(target)}`);
  } catch (err) {
    ctx.warn(`Warning: the command was applied, but the center could not be read back: ${(err as Error).message}`);
  }
  return { result, view, text: resultText(result, view, target) };
}

function resultText(result: CommandResult, view: CenterView | null, target: string): string {
  const lines = [
    `${result.type} accepted: center ${view?.centerId ?? target} is now ${result.state} (audit seq ${result.seq}, ${time(result.at)}).`,
    `Command id: ${result.commandId}`,
  ];
  if (result.duplicate) lines.push('This command id had already been processed: this is its first result, nothing was done again.');
  return lines.join('\n');
}

/** Sends one command and reads the center back, so the result shows where the center is now. */
export async function send<T extends CommandType>(ctx: CommandContext, ref: string | null, s: Send<T>): Promise<Sent> {
  if (ctx.services.api) return sendViaApi(ctx, ctx.services.api, ref, s);
  const { actor, commandId } = actorAndId(ctx, s);
  const parsed = CommandSchema.safeParse({ commandId, actor, type: s.type, payload: s.payload });
  if (!parsed.success) {
    const flags: Record<string, string> = { reason: '--reason', ...s.flags };
    const issues = zodIssues(parsed.error).map((i) => {
      const field = /^payload\.([A-Za-z]+)$/.exec(i.path)?.[1];
      return field && flags[field] ? { ...i, path: flags[field] } : i;
    });
    throw new InputError(`Invalid ${s.type} command:`, issues);
  }
  const command = parsed.data;

  const t = await temporalFor(ctx);
  const target = ref ?? (command.type === 'SUBMIT_APPLICATION' ? centerIdFor(command.payload.application.universityId, command.payload.callId) : '?');
  ctx.warn(`Sending ${command.type} to ${target} as ${actorText(actor)} (command id ${commandId})…`);
  const result = command.type === 'SUBMIT_APPLICATION' ? await submitApplication(t.ops, command) : await sendCenterCommand(t.ops, target, command);

  let view: CenterView | null = null;
  try {
    view = await showCenter(t.ops, target);
  } catch (err) {
    ctx.warn(`Warning: the command was applied, but the center could not be read back: ${(err as Error).message}`);
  }
  return { result, view, text: resultText(result, view, target) };
}

/** The result and the center as JSON; for people, the result line and the blocks `more` makes of the center. */
export const output = (sent: Sent, more: (view: CenterView) => string[] = () => [], extra: Record<string, unknown> = {}): Output => ({
  data: { ...sent.result, ...extra, centerId: sent.view?.centerId ?? null, center: sent.view },
  text: [sent.text, ...(sent.view ? more(sent.view) : [])].join('\n\n'),
});

/** What a command adds to its result for people (the eligibility after `apply`, the ledger after a grant…), by type. */
export type Renders = { [T in CommandType]?: (sent: Sent, payload: CommandPayload<T>) => Output };
