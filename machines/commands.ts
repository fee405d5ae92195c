/**
 * The command table: every command of the service, assembled from the stages of the regulation that own them,
 * each with its payload schema, roles, article, description and CLI form. The CLI (client/), and next an HTTP API
 * and web forms, are derived from this table; the statechart's events are inferred from it.
 */
import { z } from 'zod';
import { ActorSchema, type Actor } from './domain';
import type { CallStatusEvent, DeadlineEvent } from './context';
import type { CommandDef, EventMeta } from './core';
import type { Role } from './vocabulary';
import { applicationCommands } from './stages/application';
import { callCommands } from './stages/calls';
import { deadlineCommands } from './stages/deadlines';
import { evaluationCommands } from './stages/evaluation';
import { fundingCommands } from './stages/funding';
import { organisationCommands } from './stages/organisation';
import { rectificationCommands } from './stages/rectification';
import { reserveCommands } from './stages/reserve';
import { roundCommands } from './stages/rounds';
import { accountsCommands } from './stages/accounts';
import { summaryCommands } from './stages/summaries';
import { versionCommands } from './versions';

export type { RoundCommandType } from './stages/rounds';
export { REFUSAL_REASONS, type Refusal, type RefusalReason, type EventMeta } from './core';

/** The center's commands (the statechart's events), in the order of the regulation. */
export const CENTER_COMMANDS = {
  ...applicationCommands,
  ...fundingCommands,
  ...reserveCommands,
  ...accountsCommands,
  ...summaryCommands,
  ...evaluationCommands,
  ...rectificationCommands,
  ...organisationCommands,
  ...deadlineCommands,
  ...versionCommands,
} as const;
/** Every command: the call's, the center's and the funding round's (last, so the earlier commands keep their order). */
export const COMMAND_TABLE = { ...callCommands, ...CENTER_COMMANDS, ...roundCommands } as const satisfies Record<string, CommandDef>;
export type AnyCommandType = keyof typeof COMMAND_TABLE;
export const ALL_COMMAND_TYPES = Object.keys(COMMAND_TABLE) as AnyCommandType[];

export type CommandType = keyof typeof CENTER_COMMANDS;
export const COMMAND_TYPES = Object.keys(CENTER_COMMANDS) as CommandType[];
export type CommandPayload<T extends AnyCommandType> = z.infer<(typeof COMMAND_TABLE)[T]['payload']>;
/** SPEC §3a: who may send what — read from the table. */
export const COMMAND_ROLES = Object.fromEntries(ALL_COMMAND_TYPES.map((t) => [t, COMMAND_TABLE[t].roles])) as unknown as Record<AnyCommandType, readonly Role[]>;

export const CommandIdSchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9:_.-]+$/, 'letters, digits and : _ . - only');

const envelope = (type: AnyCommandType) => z.object({ commandId: CommandIdSchema, actor: ActorSchema, type: z.literal(type), payload: COMMAND_TABLE[type].payload }).strict();
/** A command as sent: its id (the idempotency key), its actor, its type and the payload of that type. */
type Envelope<T extends AnyCommandType> = { [K in T]: { commandId: string; actor: Actor; type: K; payload: CommandPayload<K> } }[T];
const union = <T extends AnyCommandType>(types: readonly T[]) =>
  z.discriminatedUnion('type', types.map(envelope) as unknown as [ReturnType<typeof envelope>, ...ReturnType<typeof envelope>[]]) as unknown as z.ZodType<Envelope<T>, z.ZodTypeDef, unknown>;

/** A command to a center, as a client sends it. */
export const CommandSchema = union(COMMAND_TYPES);
export type Command = Envelope<CommandType>;
/** A command to a call's workflow. */
export const CallCommandSchema = union(['RAISE_QUOTA', 'CLOSE_EARLY'] as const);
export type CallCommand = Envelope<'RAISE_QUOTA' | 'CLOSE_EARLY'>;

/** The statechart's events: a command's payload with its meta, a deadline, or the call's status. */
type CommandEvent = { [T in CommandType]: { type: T; meta: EventMeta } & CommandPayload<T> }[CommandType];
export type CenterEvent = CommandEvent | DeadlineEvent | CallStatusEvent;
export type CenterEventType = CenterEvent['type'];
export type EventOf<T extends CenterEventType> = Extract<CenterEvent, { type: T }>;

/** Turns a validated command into the statechart event it stands for. */
export function toEvent(command: Command, at: string): CenterEvent {
  return { type: command.type, ...command.payload, meta: { actor: command.actor, commandId: command.commandId, at } } as CenterEvent;
}

/** Formats zod issues as one readable sentence naming each bad field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}
