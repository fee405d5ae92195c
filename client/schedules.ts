/**
 * The commission's calendar rounds as Temporal Schedules (SPEC §4 "Schedulers"): install (create or update, never
 * a duplicate), list with their next runs, and trigger one now. Each schedule starts calendarRoundWorkflow
 * (workflows/rounds.ts) once a year at the local time the configuration gives (config `rounds`).
 */
import { MONTHS, ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleSpec } from '@temporalio/client';
import type { RoundName, RoundsConfig } from '../config';
import type { CalendarRoundInput, CalendarRoundReport, calendarRoundWorkflow } from '../workflows/rounds';
import { NotFoundError } from './operations';

/** Fixed ids: installing again finds the same schedules, so there is never a second one. */
export const ROUND_SCHEDULE_IDS: Readonly<Record<RoundName, string>> = {
  annualSummary: 'round-annual-summary',
  midTerm: 'round-mid-term',
};

const ROUND_WORKFLOW_TYPE = 'calendarRoundWorkflow';

/**
 * A server down on the day takes the round when it is back, up to a week late (a round is idempotent, so late is
 * harmless; the centers' own timers have fired their deadlines on time anyway).
 */
const CATCHUP_WINDOW = '7 days';

const ROUND_TITLES: Readonly<Record<RoundName, string>> = {
  annualSummary: 'Annual summary round (Art. 18)',
  midTerm: 'Mid-term round (Art. 18)',
};

export interface SchedulesContext {
  client: Client;
  taskQueue: string;
  rounds: RoundsConfig;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const monthName = (m: number) => MONTHS[m - 1].charAt(0) + MONTHS[m - 1].slice(1).toLowerCase();

/** "every 15 April at 09:00 Asia/Shanghai" */
export function calendarText(r: { month: number; day: number; hour: number; minute: number; timezone: string }): string {
  return `every ${r.day} ${monthName(r.month)} at ${pad2(r.hour)}:${pad2(r.minute)} ${r.timezone}`;
}

function desired(ctx: SchedulesContext, round: RoundName) {
  const r = ctx.rounds[round];
  const scheduleId = ROUND_SCHEDULE_IDS[round];
  const spec: ScheduleSpec = {
    calendars: [{ month: MONTHS[r.month - 1], dayOfMonth: r.day, hour: r.hour, minute: r.minute, second: 0, comment: `${ROUND_TITLES[round]}: ${calendarText(r)}` }],
    timezone: r.timezone,
  };
  const args: [CalendarRoundInput] = [{ round, kinds: [...r.kinds] }];
  return {
    scheduleId,
    spec,
    // The server appends the scheduled time to the workflow id: one run per firing, never two at once (SKIP).
    action: { type: 'startWorkflow' as const, workflowType: ROUND_WORKFLOW_TYPE, workflowId: scheduleId, taskQueue: ctx.taskQueue, args },
    policies: { overlap: 'SKIP' as const, catchupWindow: CATCHUP_WINDOW },
  };
}

export interface InstallResult {
  scheduleId: string;
  round: RoundName;
  outcome: 'created' | 'updated';
  calendar: string;
  kinds: string[];
}

/**
 * Creates each round's schedule, or updates it to the configuration when it exists (its paused state and note are
 * kept). Safe to run any number of times, also at the same time: a create that loses the race updates instead.
 */
export async function installSchedules(ctx: SchedulesContext): Promise<InstallResult[]> {
  const out: InstallResult[] = [];
  for (const round of Object.keys(ROUND_SCHEDULE_IDS) as RoundName[]) {
    const want = desired(ctx, round);
    const update = () =>
      ctx.client.schedule.getHandle(want.scheduleId).update<typeof calendarRoundWorkflow>((prev) => ({
        ...prev,
        spec: want.spec,
        action: want.action,
        policies: want.policies,
      }));
    let outcome: InstallResult['outcome'];
    try {
      await ctx.client.schedule.getHandle(want.scheduleId).describe();
      await update();
      outcome = 'updated';
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      try {
        await ctx.client.schedule.create<typeof calendarRoundWorkflow>({
          ...want,
          state: { note: `${ROUND_TITLES[round]}, installed by \`centers schedules install\`` },
        });
        outcome = 'created';
      } catch (e) {
        if (!(e instanceof ScheduleAlreadyRunning)) throw e;
        await update();
        outcome = 'updated';
      }
    }
    out.push({ scheduleId: want.scheduleId, round, outcome, calendar: calendarText(ctx.rounds[round]), kinds: [...ctx.rounds[round].kinds] });
  }
  return out;
}

export interface ScheduleRow {
  scheduleId: string;
  round: string | null;
  installed: boolean;
  /** As installed (which may differ from the configuration until `schedules install` runs again). */
  calendar: string | null;
  kinds: string[];
  paused: boolean;
  note: string | null;
  nextRuns: string[];
  recentRuns: { workflowId: string; scheduledAt: string; takenAt: string }[];
  actionsTaken: number;
}

function rowOf(scheduleId: string, d: ScheduleDescription): ScheduleRow {
  const input = (d.action.args?.[0] ?? null) as CalendarRoundInput | null;
  const cal = d.spec.calendars?.[0];
  const first = <T>(ranges: { start: T }[] | undefined): T | undefined => ranges?.[0]?.start;
  const month = first(cal?.month);
  const calendar =
    cal && month !== undefined
      ? calendarText({
          month: MONTHS.indexOf(month) + 1,
          day: first(cal.dayOfMonth) ?? 1,
          hour: first(cal.hour) ?? 0,
          minute: first(cal.minute) ?? 0,
          timezone: d.spec.timezone ?? 'UTC',
        })
      : null;
  return {
    scheduleId,
    round: input?.round ?? null,
    installed: true,
    calendar,
    kinds: input?.kinds ?? [],
    paused: d.state.paused,
    note: d.state.note ?? null,
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    })),
    actionsTaken: d.info.numActionsTaken,
  };
}

/**
 * The rounds' schedules: the configured ids, described directly (exact, no lag), and any other schedule that
 * starts calendarRoundWorkflow, found through the schedule list (eventually consistent).
 */
export async function listSchedules(ctx: Pick<SchedulesContext, 'client'>): Promise<ScheduleRow[]> {
  const ids = new Set<string>(Object.values(ROUND_SCHEDULE_IDS));
  for await (const s of ctx.client.schedule.list()) {
    if (s.action?.workflowType === ROUND_WORKFLOW_TYPE) ids.add(s.scheduleId);
  }
  const rows: ScheduleRow[] = [];
  for (const scheduleId of [...ids].sort()) {
    try {
      rows.push(rowOf(scheduleId, await ctx.client.schedule.getHandle(scheduleId).describe()));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      rows.push({ scheduleId, round: null, installed: false, calendar: null, kinds: [], paused: false, note: null, nextRuns: [], recentRuns: [], actionsTaken: 0 });
    }
  }
  return rows;
}

export interface TriggerResult {
  scheduleId: string;
  /** The round's workflow the trigger started (null if the server had not reported it yet). */
  workflowId: string | null;
  /** The round's report, when waited for. */
  report: CalendarRoundReport | null;
}

/** How long `trigger` looks for the run it started in the schedule's recent actions. */
const TRIGGER_LOOKUPS = 50;
const TRIGGER_LOOKUP_INTERVAL_MS = 200;

/** Runs a round now (whatever its overlap policy: a round is safe to run alongside another). */
export async function triggerSchedule(ctx: Pick<SchedulesContext, 'client'>, scheduleId: string, opts: { wait?: boolean } = {}): Promise<TriggerResult> {
  const handle = ctx.client.schedule.getHandle(scheduleId);
  let before: ScheduleDescription;
  try {
    before = await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new NotFoundError(`No schedule "${scheduleId}". Install the rounds with \`centers schedules install\`; list them with \`centers schedules list\`.`);
    }
    throw err;
  }
  const seen = new Set(before.info.recentActions.map((a) => a.action.workflow.workflowId));
  await handle.trigger('ALLOW_ALL');
  let workflowId: string | null = null;
  for (let i = 0; i < TRIGGER_LOOKUPS && !workflowId; i++) {
    const now = await handle.describe();
    workflowId = now.info.recentActions.map((a) => a.action.workflow.workflowId).find((id) => !seen.has(id)) ?? null;
    if (!workflowId) await new Promise((r) => setTimeout(r, TRIGGER_LOOKUP_INTERVAL_MS));
  }
  const report = opts.wait && workflowId ? await ctx.client.workflow.getHandle<typeof calendarRoundWorkflow>(workflowId).result() : null;
  return { scheduleId, workflowId, report };
}
