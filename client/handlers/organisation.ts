/** Art. 6, 8(7): the director and the staff of a center change over the years; each change is a recorded event. */
import { z } from 'zod';
import { qualifiedStaffCount } from '../../machines/rules';
import { validateOption } from '../args';
import type { CommandContext, Output } from '../commands';
import { readInput } from '../inputs';
import { output, send, str, universityActor } from './send';

const effectiveOn = (ctx: CommandContext): string => validateOption(str(ctx.values['effective-on']), z.string().date(), '--effective-on');

export async function directorChangeCommand(ctx: CommandContext): Promise<Output> {
  const director = readInput('director', str(ctx.values.file)!);
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'RECORD_DIRECTOR_CHANGE',
    payload: { director, effectiveOn: effectiveOn(ctx), reason: str(ctx.values.reason)! },
    command: 'director change',
    defaultActor: null,
    actorExample: universityActor,
  });
  return output(sent, () => [`Director from ${str(ctx.values['effective-on'])}: ${director.name}, ${director.title}, ${director.department}.`]);
}

export async function staffChangeCommand(ctx: CommandContext): Promise<Output> {
  const staff = readInput('staff', str(ctx.values.file)!);
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'RECORD_STAFF_CHANGE',
    payload: { staff, effectiveOn: effectiveOn(ctx), reason: str(ctx.values.reason)! },
    command: 'staff change',
    defaultActor: null,
    actorExample: universityActor,
  });
  const fullTime = qualifiedStaffCount(staff);
  return output(sent, () => [`Staff from ${str(ctx.values['effective-on'])}: ${staff.length}, of whom ${fullTime} full-time with a tech-transfer, IP, law or finance background (Art. 8(7)).`]);
}
