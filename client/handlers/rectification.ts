/**
 * Art. 19: an unqualified grade publishes a notice and opens a rectification with a deadline (funding suspended);
 * the university reports before it, the commission may extend it with a reason or stop support once it has passed;
 * anyone may list the notices.
 */
import type { RectificationRecord } from '../../db/repositories';
import type { CommandContext, Output } from '../commands';
import { section } from '../format';
import { noticesTable, rectificationBlock } from './build-views';
import { centerIdFromDatabase } from './read';
import { output, str, type Renders } from './send';

export const rectificationRenders: Renders = {
  SUBMIT_RECTIFICATION: (sent) =>
    output(sent, (view) =>
      view.evaluation && !view.evaluation.grade
        ? [`The re-evaluation ${view.evaluation.evaluationId} has started (Art. 19): it runs the same four steps as any evaluation, from the self-evaluation (\`centers evaluation self\`).`]
        : [],
    ),
  EXTEND_RECTIFICATION: (sent) => output(sent, (view) => (view.rectification ? [section('Rectification (Art. 19)', rectificationBlock(view.rectification))] : [])),
  STOP_SUPPORT: (sent) =>
    output(sent, (view) => (view.supportStopped ? [`Support is stopped (Art. 19): ${view.supportStopped.reason}. Open funding requests are cancelled.`] : [])),
};

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
