/**
 * Commands to a center (SPEC §3a): apply, amend, assign experts, review, approve, reject. Each input file is
 * validated with the command's own zod schema first, so a bad file names its fields before anything is sent.
 */
import { CommandPayloadSchemas, CommandSchema, type Command, type CommandType } from '../../machines/commands';
import { ApplicationSchema, ReviewSchema, SlugSchema, type Actor } from '../../machines/domain';
import { centerIdFor, type CenterView, type CommandResult } from '../../workflows/definitions';
import { DEFAULT_COMMISSION_ACTOR, parseCommandId, readJson, readJsonFile, resolveActor, unwrapKey, validate, zodIssues } from '../args';
import type { CommandContext, Output } from '../commands';
import { warnIfNoWorker } from '../connect';
import { InputError } from '../errors';
import { actorText, fields, section, table, time } from '../format';
import { newCommandId, sendCenterCommand, showCenter, submitApplication } from '../operations';
import { eligibilityTable } from './views';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

interface Send<T extends CommandType> {
  type: T;
  payload: Extract<Command, { type: T }>['payload'];
  /** The CLI command's name and actor example, for the messages. */
  command: string;
  defaultActor: Actor | null;
  actorExample: string;
}

/** Sends one command and reads the center back, so the result shows where the center is now. */
async function send<T extends CommandType>(ctx: CommandContext, ref: string | null, s: Send<T>): Promise<{ result: CommandResult; view: CenterView | null; text: string }> {
  const actor = resolveActor(str(ctx.values.as), ctx.env, s.defaultActor, s.command, s.actorExample);
  const commandId = parseCommandId(str(ctx.values['command-id'])) ?? newCommandId();
  const parsed = CommandSchema.safeParse({ commandId, actor, type: s.type, payload: s.payload });
  if (!parsed.success) {
    const issues = zodIssues(parsed.error).map((i) => ({ ...i, path: i.path.replace(/^payload\.reason$/, '--reason') }));
    throw new InputError(`Invalid ${s.type} command:`, issues);
  }
  const command = parsed.data;

  const t = await ctx.services.temporal();
  await warnIfNoWorker(t, ctx.services.cfg, ctx.warn);
  const target = ref ?? (command.type === 'SUBMIT_APPLICATION' ? centerIdFor(command.payload.application.universityId, command.payload.callId) : '?');
  ctx.warn(`Sending ${command.type} to ${target} as ${actorText(actor)} (command id ${commandId})…`);
  const result = command.type === 'SUBMIT_APPLICATION' ? await submitApplication(t.ops, command) : await sendCenterCommand(t.ops, target, command);

  let view: CenterView | null = null;
  try {
    view = await showCenter(t.ops, target);
  } catch (err) {
    ctx.warn(`Warning: the command was applied, but the center could not be read back: ${(err as Error).message}`);
  }
  const lines = [
    `${result.type} accepted: center ${view?.centerId ?? target} is now ${result.state} (audit seq ${result.seq}, ${time(result.at)}).`,
    `Command id: ${result.commandId}`,
  ];
  if (result.duplicate) lines.push('This command id had already been processed: this is its first result, nothing was done again.');
  return { result, view, text: lines.join('\n') };
}

const output = (sent: { result: CommandResult; view: CenterView | null; text: string }, more: (view: CenterView) => string[] = () => []): Output => ({
  data: { ...sent.result, centerId: sent.view?.centerId ?? null, center: sent.view },
  text: [sent.text, ...(sent.view ? more(sent.view) : [])].join('\n\n'),
});

const eligibilityBlock = (view: CenterView): string[] =>
  view.eligibility
    ? [section(`Eligibility (Art. 8), application version ${view.applicationVersion}`, eligibilityTable(view.eligibility))]
    : [];

const universityActor = 'university:<id>@<universityId>';

export async function applyCommand(ctx: CommandContext): Promise<Output> {
  const callId = validate(str(ctx.values.call), SlugSchema, 'Invalid --call:');
  const application = readJsonFile(str(ctx.values.file)!, ApplicationSchema, 'application');
  const sent = await send(ctx, null, {
    type: 'SUBMIT_APPLICATION',
    payload: { callId, application },
    command: 'apply',
    defaultActor: null,
    actorExample: universityActor,
  });
  return output(sent, eligibilityBlock);
}

export async function amendCommand(ctx: CommandContext): Promise<Output> {
  const application = readJsonFile(str(ctx.values.file)!, ApplicationSchema, 'application');
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'AMEND_APPLICATION',
    payload: { application },
    command: 'amend',
    defaultActor: null,
    actorExample: universityActor,
  });
  return output(sent, eligibilityBlock);
}

export async function assignExpertsCommand(ctx: CommandContext): Promise<Output> {
  const file = str(ctx.values.file)!;
  const experts = unwrapKey(readJson(file), 'experts');
  const payload = validate({ experts }, CommandPayloadSchemas.ASSIGN_EXPERTS, `${file} is not a valid list of experts:`);
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'ASSIGN_EXPERTS',
    payload,
    command: 'assign-experts',
    defaultActor: DEFAULT_COMMISSION_ACTOR,
    actorExample: 'commission:<id>',
  });
  return output(sent, (view) => [section('Experts (Art. 9)', table(['EXPERT', 'NAME', 'ORG'], view.experts.map((e) => [e.id, e.name, e.orgId])))]);
}

export async function reviewCommand(ctx: CommandContext): Promise<Output> {
  const file = str(ctx.values.file)!;
  const review = validate(unwrapKey(readJson(file), 'review'), ReviewSchema, `${file} is not a valid review:`);
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'SUBMIT_REVIEW',
    payload: { review },
    command: 'review',
    defaultActor: null,
    actorExample: 'expert:<id>@<orgId>',
  });
  return output(sent, (view) => {
    const waiting = view.experts.filter((e) => !e.reviewed).map((e) => e.id);
    return [waiting.length ? `Reviews still expected from: ${waiting.join(', ')}` : 'All assigned experts have reviewed: the application awaits the commission\'s decision.'];
  });
}

export async function approveCommand(ctx: CommandContext): Promise<Output> {
  const reason = str(ctx.values.reason);
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'APPROVE',
    payload: reason === undefined ? {} : { reason },
    command: 'approve',
    defaultActor: DEFAULT_COMMISSION_ACTOR,
    actorExample: 'commission:<id>',
  });
  return output(sent, (view) => [
    fields([
      ['Name (zh)', view.names?.zh],
      ['Name (en)', view.names?.en],
      ['Established', time(view.establishedAt)],
      ['Call quota', `${view.call.approvedCount} of ${view.call.quota} approved`],
    ]),
  ]);
}

export async function rejectCommand(ctx: CommandContext): Promise<Output> {
  const reason = str(ctx.values.reason)!;
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'REJECT',
    payload: { reason },
    command: 'reject',
    defaultActor: DEFAULT_COMMISSION_ACTOR,
    actorExample: 'commission:<id>',
  });
  return output(sent);
}
