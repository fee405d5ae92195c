/**
 * Art. 19: an unqualified grade publishes a notice and opens a rectification with a deadline (funding suspended);
 * the university reports before it, the commission may extend it with a reason; anyone may list the notices.
 */
import type { RectificationRecord } from '../../db/repositories';
import { DEFAULT_COMMISSION_ACTOR, parseWholeNumber } from '../args';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { section } from '../format';
import { parseInput, readInput } from '../inputs';
import { noticesTable, rectificationBlock } from './build-views';
import { centerIdFromDatabase } from './read';
import { commissionActor, output, send, str, universityActor } from './send';

export async function submitRectificationCommand(ctx: CommandContext): Promise<Output> {
  const file = str(ctx.values.file);
  const report = str(ctx.values.report);
  if ((file === undefined) === (report === undefined)) {
    throw new UsageError('Give the rectification report with --file FILE or with --report TEXT (one of them).', 'rectification submit');
  }
  const payload = file !== undefined ? readInput('rectification', file) : parseInput('rectification', { report }, '--report');
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'SUBMIT_RECTIFICATION',
    payload,
    command: 'rectification submit',
    defaultActor: null,
    actorExample: universityActor,
  });
  return output(sent, (view) => [
    view.evaluation && !view.evaluation.grade
      ? `The re-evaluation ${view.evaluation.evaluationId} has started (Art. 19): it runs the same four steps as any evaluation, from the self-evaluation (\`centers evaluation self\`).`
      : '',
  ].filter(Boolean));
}

export async function extendRectificationCommand(ctx: CommandContext): Promise<Output> {
  const days = parseWholeNumber(str(ctx.values.days), '--days')!;
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'EXTEND_RECTIFICATION',
    payload: { days, reason: str(ctx.values.reason)! },
    command: 'rectification extend',
    defaultActor: DEFAULT_COMMISSION_ACTOR,
    actorExample: commissionActor,
    flags: { days: '--days' },
  });
  return output(sent, (view) => (view.rectification ? [section('Rectification (Art. 19)', rectificationBlock(view.rectification))] : []));
}

/** From the database: the public notices (Art. 19), each with the rectification it opened. */
export async function listNoticesCommand(ctx: CommandContext): Promise<Output> {
  const repos = await ctx.services.repos();
  const ref = str(ctx.values.center);
  const centerId = ref === undefined ? undefined : await centerIdFromDatabase(repos, ref);
  const notices = await repos.notices(centerId === undefined ? {} : { centerId });
  const rectifications = new Map<string, RectificationRecord>();
  for (const id of new Set(notices.map((n) => n.centerId))) {
    for (const r of await repos.rectifications(id)) rectifications.set(`${r.centerId}/${r.noticeId}`, r);
  }
  const rows = notices.map((n) => ({ ...n, rectification: rectifications.get(`${n.centerId}/${n.noticeId}`) ?? null }));
  return {
    data: { centerId: centerId ?? null, notices: rows },
    text: [
      `Notices of unqualified grades${centerId ? ` of ${centerId}` : ''} (Art. 19): ${rows.length}.`,
      noticesTable(rows),
    ].join('\n\n'),
  };
}
