/**
 * Commands to a center (SPEC §3a): apply, amend, assign experts, review, approve, reject. Each input file is
 * validated with the command's own zod schema first, so a bad file names its fields before anything is sent.
 */
import { CommandPayloadSchemas } from '../../machines/commands';
import { ApplicationSchema, ReviewSchema, SlugSchema } from '../../machines/domain';
import type { CenterView } from '../../workflows/definitions';
import { DEFAULT_COMMISSION_ACTOR, readJson, readJsonFile, unwrapKey, validate } from '../args';
import type { CommandContext, Output } from '../commands';
import { fields, section, table, time } from '../format';
import { commissionActor, output, send, str, universityActor } from './send';
import { eligibilityTable } from './views';

const eligibilityBlock = (view: CenterView): string[] =>
  view.eligibility
    ? [section(`Eligibility (Art. 8), application version ${view.applicationVersion}`, eligibilityTable(view.eligibility))]
    : [];


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
    actorExample: commissionActor,
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
    actorExample: commissionActor,
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
    actorExample: commissionActor,
  });
  return output(sent);
}
