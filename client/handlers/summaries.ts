/** Art. 18: the annual summary of each build year as a command leaves it, and the list with due dates and reminders. */
import type { AnnualSummaryRecord, NotificationRecord } from '../../db/repositories';
import type { CenterView } from '../../contract';
import { parseWholeNumber } from '../args';
import type { CommandContext, Output } from '../commands';
import { section, table, time } from '../format';
import { summariesTable } from './build-views';
import { centerIdFromDatabase } from './read';
import { output, str, type Renders } from './send';

const theSummary = (ref: { year: number; cycle?: number }) => (view: CenterView) => [
  section('Annual summary (Art. 18)', summariesTable(view.summaries.filter((s) => s.year === ref.year && s.cycle === (ref.cycle ?? view.cycle)))),
];

export const summaryRenders: Renders = {
  SUBMIT_SUMMARY: (sent, ref) => output(sent, theSummary(ref)),
  ACCEPT_SUMMARY: (sent, ref) => output(sent, theSummary(ref)),
  RETURN_SUMMARY: (sent, ref) => output(sent, (view) => [...theSummary(ref)(view), 'The university resubmits it with `centers summary submit`.']),
};

/** From the database: every summary with its due date and overdue flag, and the reminders and escalations sent. */
export async function listSummariesCommand(ctx: CommandContext): Promise<Output> {
  const cycle = parseWholeNumber(str(ctx.values.cycle), '--cycle');
  let centerId: string, summaries: AnnualSummaryRecord[], notifications: NotificationRecord[];
  if (ctx.services.api) {
    ({ centerId, summaries, notifications } = await ctx.services.api.request('GET', `/centers/${encodeURIComponent(ctx.positionals[0])}/summaries`));
    summaries = summaries.filter((s) => cycle === undefined || s.cycle === cycle);
  } else {
    const repos = await ctx.services.repos();
    centerId = await centerIdFromDatabase(repos, ctx.positionals[0]);
    [summaries, notifications] = await Promise.all([repos.summaries(centerId, cycle === undefined ? {} : { cycle }), repos.notifications({ centerId })]);
  }
  const overdue = summaries.filter((s) => s.overdue && s.status !== 'accepted');
  return {
    data: { centerId, summaries, overdue: overdue.map((s) => ({ cycle: s.cycle, year: s.year, dueAt: s.dueAt })), notifications },
    text: [
      `Annual summaries of ${centerId}${cycle === undefined ? '' : ` (cycle ${cycle})`}: ${summaries.length}, of which ${overdue.length} overdue and not yet accepted.`,
      section('Summaries (Art. 18)', summariesTable(summaries)),
      section(
        'Reminders, overdue notices and escalations',
        table(
          ['KEY', 'NOTICE', 'TO', 'SUBJECT', 'DUE', 'CREATED', 'STATUS'],
          notifications.map((n) => [n.key, n.notice, n.recipientRole, n.subject, time(n.dueAt), time(n.createdAt), n.status]),
        ),
      ),
    ].join('\n\n'),
  };
}
