import { getNextTransitions } from 'xstate';
import { CallCommandSchema, COMMAND_ROLES, COMMAND_TYPES, CommandSchema, describeZodError, toEvent, type AnyCommandType, type CallCommand, type CenterEvent, type Command, type CommandType } from './commands';
import { refuse, refusalOf, type Refusal } from './core';
import type { Actor } from './domain';
import type { Role } from './vocabulary';
import { isClosed, stateName, type CenterSnapshot } from './center';
import { planMove, versionOf } from './versions';
import { callRefusal, type CallState } from './stages/calls';

export type CheckResult = { ok: true; command: Command; event: CenterEvent } | { ok: false; refusal: Refusal };

/** The event types the current state handles at all (guards not evaluated). */
export function handledEventTypes(snapshot: CenterSnapshot): Set<string> {
  return new Set(getNextTransitions(snapshot).map((t) => t.eventType));
}

/** SPEC §3a: the role may send the command, and a university acts on its own center only. */
function actorRefusal(type: AnyCommandType, actor: Actor, universityId: string | null): Refusal | null {
  const roles = COMMAND_ROLES[type];
  if (!roles.includes(actor.role)) return refuse('forbidden-role', `${type} may be sent by ${roles.join(' or ')}, not by a ${actor.role}.`);
  if (universityId !== null && actor.role === 'university' && actor.orgId !== universityId) {
    return refuse('wrong-organisation', `University "${actor.orgId}" may not act on the center of "${universityId}".`);
  }
  return null;
}

/**
 * SPEC §3 "Who may do what": every check a command must pass before anything is written, in a fixed order —
 * the payload (zod), the role and organisation, the state, then the rules of the statechart's own guards for
 * this event, each failure named by a SPEC §3a reason. There is no list of rules here: the guards of the
 * transitions the current state has for the event are the rules (core.ts `when`). Pure; the workflow's update
 * validator calls it, and the CLI calls it too so a user hears the refusal before any workflow is started.
 */
export function checkCommand(snapshot: CenterSnapshot, input: unknown, at: string): CheckResult {
  const oversize = sizeRefusal(input);
  if (oversize) return { ok: false, refusal: oversize };
  const parsed = CommandSchema.safeParse(input);
  if (!parsed.success) return { ok: false, refusal: refuse('invalid-input', `Invalid command: ${describeZodError(parsed.error)}`) };
  const command = parsed.data;
  const ctx = snapshot.context;
  const denied = actorRefusal(command.type, command.actor, ctx.universityId);
  if (denied) return { ok: false, refusal: denied };

  if (command.type === 'MIGRATE_CENTER') {
    const refusal = moveRefusal(snapshot, command.payload.toVersion);
    return refusal ? { ok: false, refusal } : { ok: true, command, event: toEvent(command, at) };
  }

  const state = stateName(snapshot);
  const transitions = getNextTransitions(snapshot).filter((t) => t.eventType === command.type);
  if (transitions.length === 0) return { ok: false, refusal: refuse('not-allowed-in-state', `${command.type} is not possible while the center is in "${state}".`) };

  const event = toEvent(command, at);
  if (snapshot.can(event)) return { ok: true, command, event };
  // Every transition refused: name the refusal of the most general one (the last a state lists).
  const refusals = transitions.map((t) => refusalOf(t.guard, ctx, event)).filter((r): r is Refusal => r !== null);
  return { ok: false, refusal: refusals.at(-1) ?? refuse('not-allowed-in-state', `${command.type} is not possible now while the center is in "${state}".`) };
}

/**
 * MIGRATE_CENTER is no event of the statechart: a move replaces the snapshot by the next version's (machines/versions.ts),
 * which the workflow does. Refused when the center is closed, already runs that version, or the migration's check
 * says it cannot move now — naming the check's reason.
 */
function moveRefusal(snapshot: CenterSnapshot, toVersion: number): Refusal | null {
  if (isClosed(snapshot)) return refuse('not-allowed-in-state', `MIGRATE_CENTER is not possible while the center is in "${stateName(snapshot)}": it takes no more commands.`);
  const plan = planMove(snapshot);
  const runs = versionOf(snapshot.context);
  if (!plan) return refuse('not-allowed-in-state', `The center already runs version ${runs} of the statechart, the newest: there is nothing to move.`);
  if (toVersion !== plan.to) return refuse('conflict', `The center runs version ${runs} and moves to version ${plan.to}, not ${toVersion}: send --to-version ${plan.to} (see \`centers migrate plan\`).`);
  if (!plan.ok) return refuse('not-allowed-in-state', `The center cannot move from version ${plan.from} to ${plan.to}: ${plan.reason}.`);
  return null;
}

/**
 * A command enters the workflow's history as it is sent, and Temporal fails a workflow task whose payloads pass
 * 2 MB: a command is held to MAX_COMMAND_BYTES (UTF-8 of its JSON) before anything else is checked. No payload of
 * the command table comes near it (a document field is at most 20,000 characters).
 */
export const MAX_COMMAND_BYTES = 512 * 1024;
export function sizeRefusal(input: unknown): Refusal | null {
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch {
    return refuse('invalid-input', 'The command is not JSON.');
  }
  const bytes = utf8Length(json ?? '');
  return bytes > MAX_COMMAND_BYTES ? refuse('invalid-input', `The command is ${bytes} bytes, more than the ${MAX_COMMAND_BYTES} a command may carry; shorten its documents.`) : null;
}
/** UTF-8 length without an encoder (the workflow sandbox need not have one). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i += 1;
    } else n += 3;
  }
  return n;
}

/** The same order for a call's commands (the call's workflow validates with it). */
export function checkCallCommand(state: CallState, input: unknown): { ok: true; command: CallCommand } | { ok: false; refusal: Refusal } {
  const oversize = sizeRefusal(input);
  if (oversize) return { ok: false, refusal: oversize };
  const parsed = CallCommandSchema.safeParse(input);
  if (!parsed.success) return { ok: false, refusal: refuse('invalid-input', `Invalid command: ${describeZodError(parsed.error)}`) };
  const refusal = actorRefusal(parsed.data.type, parsed.data.actor, null) ?? callRefusal(state, parsed.data);
  return refusal ? { ok: false, refusal } : { ok: true, command: parsed.data };
}

/** SPEC §4 query: the commands each role may send now (by state and role; payload checks still apply). */
export function allowedCommands(snapshot: CenterSnapshot): Record<Role, CommandType[]> {
  const handled = handledEventTypes(snapshot);
  const out: Record<Role, CommandType[]> = { commission: [], university: [], expert: [], scheduler: [], auditor: [] };
  for (const type of COMMAND_TYPES) {
    if (!handled.has(type)) continue;
    for (const role of COMMAND_ROLES[type]) out[role].push(type);
  }
  return out;
}
