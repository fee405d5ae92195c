/**
 * Art. 19: an unqualified grade publishes a notice and opens a rectification with a deadline (funding suspended);
 * the university reports before it, the commission may extend it with a reason or stop support once it has passed;
 * anyone may list the notices.
 */
import type { Repositories } from '../../db/repositories';
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
  const ref = str(ctx.values.center);
  let centerId: string | undefined;
  let rows: Awaited<ReturnType<Repositories['noticesWithRectifications']>>;
  if (ctx.services.api) {
    // Public: no token needed to read the notices.
    ({ centerId, notices: rows } = await ctx.services.api.request('GET', '/notices', { query: { center: ref }, anonymous: true }));
  } else {
    const repos = await ctx.services.repos();
    centerId = ref === undefined ? undefined : await centerIdFromDatabase(repos, ref);
    rows = await repos.noticesWithRectifications(centerId === undefined ? {} : { centerId });
  }
  return {
    data: { centerId: centerId ?? null, notices: rows },
    text: [
      `Notices of unqualified grades${centerId ? ` of ${centerId}` : ''} (Art. 19): ${rows.length}.`,
      noticesTable(rows),
    ].join('\n\n'),
  };
}
