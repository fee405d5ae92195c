/** The calendar rounds' schedules (SPEC §4 "Schedulers"): install, list, trigger. */
import type { CalendarRoundReport } from '../../workflows/rounds';
import type { CommandContext, Output } from '../commands';
import { warnIfNoWorker } from '../connect';
import { fields, section, table, time } from '../format';
import { installSchedules, listSchedules, triggerSchedule, type SchedulesContext } from '../schedules';

async function schedulesContext(ctx: CommandContext): Promise<SchedulesContext> {
  const t = await ctx.services.temporal();
  return { client: t.client, taskQueue: ctx.services.cfg.temporal.taskQueue, rounds: ctx.services.cfg.rounds };
}

export async function installSchedulesCommand(ctx: CommandContext): Promise<Output> {
  const installed = await installSchedules(await schedulesContext(ctx));
  return {
    data: { schedules: installed },
    text:
      table(
        ['SCHEDULE', 'ROUND', 'OUTCOME', 'WHEN', 'FIRES'],
        installed.map((s) => [s.scheduleId, s.round, s.outcome, s.calendar, s.kinds.join(', ')]),
      ) + '\n\nThe rounds start calendarRoundWorkflow on the worker\'s task queue; see them with `centers schedules list`.',
  };
}

export async function listSchedulesCommand(ctx: CommandContext): Promise<Output> {
  const schedules = await listSchedules(await schedulesContext(ctx));
  const missing = schedules.filter((s) => !s.installed).map((s) => s.scheduleId);
  return {
    data: { schedules },
    text:
      table(
        ['SCHEDULE', 'ROUND', 'WHEN', 'FIRES', 'PAUSED', 'NEXT RUN', 'LAST RUN', 'RUNS'],
        schedules
          .filter((s) => s.installed)
          .map((s) => [s.scheduleId, s.round, s.calendar, s.kinds.join(', '), s.paused, time(s.nextRuns[0]), time(s.recentRuns.at(-1)?.takenAt), s.actionsTaken]),
        'No round schedules are installed.',
      ) + (missing.length ? `\n\nNot installed: ${missing.join(', ')}. Install them with \`centers schedules install\`.` : ''),
  };
}

export function roundReportText(r: CalendarRoundReport): string {
  const outbox = 'error' in r.outbox ? `failed: ${r.outbox.error}` : `${r.outbox.delivered.length} delivered`;
  const parts = [
    fields([
      ['Round', `${r.round} (fires ${r.kinds.join(', ')})`],
      ['Started', time(r.startedAt)],
      ['Active centers', r.centers],
      ['Deadlines signalled', r.signalled.length],
      ['Not yet due', r.notYetDue],
      ['Outbox sweep', outbox],
    ]),
  ];
  if (r.signalled.length) parts.push(section('Signalled', table(['CENTER', 'DEADLINE', 'KIND', 'DUE'], r.signalled.map((s) => [s.centerId, s.key, s.kind, time(s.dueAt)]))));
  if (r.skipped.length) parts.push(section('Skipped', table(['CENTER', 'WHY'], r.skipped.map((s) => [s.centerId, s.reason]))));
  if (r.failed.length) parts.push(section('Failed', table(['CENTER', 'ERROR'], r.failed.map((s) => [s.centerId, s.error]))));
  return parts.join('\n\n');
}

export async function triggerScheduleCommand(ctx: CommandContext): Promise<Output> {
  const [scheduleId] = ctx.positionals;
  const wait = ctx.values.wait === true;
  const t = await ctx.services.temporal();
  if (wait) await warnIfNoWorker(t, ctx.services.cfg, ctx.warn);
  const result = await triggerSchedule({ client: t.client }, scheduleId, { wait });
  const started = result.workflowId ? `Started round workflow ${result.workflowId}.` : 'Triggered; the server has not reported the run yet (see `centers schedules list`).';
  return {
    data: result,
    text: result.report ? `${started}\n\n${roundReportText(result.report)}` : started,
  };
}
