/** Art. 18: the annual summary of each build year — submitted (or resubmitted), accepted or returned; overdue flagged. */
import type { CenterView } from '../../workflows/definitions';
import { DEFAULT_COMMISSION_ACTOR, parseWholeNumber } from '../args';
import type { CommandContext, Output } from '../commands';
import { section, table, time } from '../format';
import { readInput } from '../inputs';
import { summariesTable } from './build-views';
import { centerIdFromDatabase } from './read';
import { commissionActor, output, send, str, universityActor } from './send';

/** `--year N [--cycle C]`: the summary a command is about (the cycle defaults to the center's current one). */
function summaryRef(ctx: CommandContext): { year: number; cycle?: number } {
  const year = parseWholeNumber(str(ctx.values.year), '--year')!;
  const cycle = parseWholeNumber(str(ctx.values.cycle), '--cycle');
  return cycle === undefined ? { year } : { year, cycle };
}

const flags = { year: '--year', cycle: '--cycle' };

const theSummary = (ref: { year: number; cycle?: number }) => (view: CenterView) => [
  section('Annual summary (Art. 18)', summariesTable(view.summaries.filter((s) => s.year === ref.year && s.cycle === (ref.cycle ?? view.cycle)))),
];

export async function submitSummaryCommand(ctx: CommandContext): Promise<Output> {
  const ref = summaryRef(ctx);
  const summary = readInput('annualSummary', str(ctx.values.file)!);
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'SUBMIT_SUMMARY',
    payload: { ...ref, summary },
    command: 'summary submit',
    defaultActor: null,
    actorExample: universityActor,
    flags,
  });
  return output(sent, theSummary(ref));
}

export async function acceptSummaryCommand(ctx: CommandContext): Promise<Output> {
  const ref = summaryRef(ctx);
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'ACCEPT_SUMMARY',
    payload: ref,
    command: 'summary accept',
    defaultActor: DEFAULT_COMMISSION_ACTOR,
    actorExample: commissionActor,
    flags,
  });
  return output(sent, theSummary(ref));
}

export async function returnSummaryCommand(ctx: CommandContext): Promise<Output> {
  const ref = summaryRef(ctx);
  const sent = await send(ctx, ctx.positionals[0], {
    type: 'RETURN_SUMMARY',
    payload: { ...ref, reason: str(ctx.values.reason)! },
    command: 'summary return',
    defaultActor: DEFAULT_COMMISSION_ACTOR,
    actorExample: commissionActor,
    flags,
  });
  return output(sent, (view) => [...theSummary(ref)(view), 'The university resubmits it with `centers summary submit`.']);
}

/** From the database: every summary with its due date and overdue flag, and the reminders and escalations sent. */
export async function listSummariesCommand(ctx: CommandContext): Promise<Output> {
  const cycle = parseWholeNumber(str(ctx.values.cycle), '--cycle');
  const repos = await ctx.services.repos();
  const centerId = await centerIdFromDatabase(repos, ctx.positionals[0]);
  const [summaries, notifications] = await Promise.all([repos.summaries(centerId, cycle === undefined ? {} : { cycle }), repos.notifications({ centerId })]);
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
