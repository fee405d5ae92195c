/**
 * SPEC §4 "Schedulers", §3 "Time" — against a real dev server: the calendar rounds are Temporal Schedules installed
 * idempotently by the CLI; a round finds the active centers through search attributes and fires their due
 * deadlines; a deadline fired by the center's own timer and by two rounds has one effect; the notices it wrote
 * leave the outbox once.
 *
 * To have a round (not the center's own timer) be the first to fire a deadline, the test holds the database's write
 * lock across a build year's end (a compressed year of a few seconds, policy.compressedYearMs): the center applies
 * the year end and waits on its persistTransition activity; its new summary deadlines come due, but their timers
 * are armed only once that transition is stored. The rounds' signals queue on the center's lock first, the timers
 * after them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVE_CENTERS_QUERY } from '../../activities/rounds';
import { deliveryLogChannel } from '../../activities/outbox';
import { openCall, sendCenterCommand, showCenter, submitApplication, type OperationsContext } from '../../client/operations';
import { listSchedules, ROUND_SCHEDULE_IDS, triggerSchedule } from '../../client/schedules';
import { createKnex } from '../../db/knex';
import { createRepositories, type Repositories } from '../../db/repositories';
import { parsePolicy } from '../../machines/policy';
import { summaryDueKey, summaryReminderKey, yearEndKey } from '../../machines/stages/summaries';
import { fireDeadline, type CenterView } from '../../contract';
import type { calendarRoundWorkflow, CalendarRoundReport } from '../../workflows/rounds';
import { callInfo, cmd, commission, expertActor, experts, university, applicationAsOf } from '../helpers/fixtures';
import { useDevServer } from '../helpers/dev-server';

const TIMEOUT = 240_000;

/** A build year of 8 s: a day is ~22 ms, a summary is due ~0.66 s after its year ends (30 days' grace). */
const YEAR_MS = 8_000;
const policy = parsePolicy({ compressedYearMs: YEAR_MS });
const UNIVERSITY = 'bjut';
const CALL_ID = 'call-rounds';
const CENTER_ID = `${UNIVERSITY}.${CALL_ID}`;
const ANNUAL_ACTOR = 'round-annualSummary';
/** The file the worker's outbox delivers notices to, next to the database. */
const deliveryLogIn = (dir: string) => path.join(dir, 'notifications.jsonl');

const dev = useDevServer(
  {
    name: 'rounds',
    policy,
    // The worker's database: a few connections, so a read is not queued behind a write waiting for the held lock.
    workerPool: { min: 1, max: 4 },
    notificationChannel: (db) => deliveryLogChannel(deliveryLogIn(db.dir)),
  },
  TIMEOUT,
);
let client: Client;
let repos: Repositories;
let ops: OperationsContext;
let taskQueue: string;
let deliveryLog: string;

/** Runs `centers … --json` as the operators do, without blocking this process (the worker polls here). */
const ok = (args: string[]) => dev.ok(args, { json: true });

/** Bounded polling (visibility and the workflow's progress are asynchronous): `check` returns a value when done. */
async function until<T>(what: string, check: () => Promise<T | undefined>, { tries = 100, intervalMs = 100 } = {}): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not reached after ${tries} tries`);
}

const view = (): Promise<CenterView> => showCenter(ops, UNIVERSITY);
const deliveredLines = (): { idempotencyKey: string; centerId: string; notice: string }[] =>
  fs.existsSync(deliveryLog) ? fs.readFileSync(deliveryLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

/** Art. 7–9: a call, an eligible application, three reviews and the approval: the center's build cycle starts. */
async function establish(): Promise<CenterView> {
  const uni = university(UNIVERSITY);
  await openCall(ops, callInfo(Date.now(), { callId: CALL_ID, quota: 3 }), commission);
  await submitApplication(ops, cmd('SUBMIT_APPLICATION', uni, { callId: CALL_ID, application: applicationAsOf(UNIVERSITY, Date.now()) }));
  const panel = experts('pku');
  await sendCenterCommand(ops, UNIVERSITY, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
  for (const e of panel) {
    await sendCenterCommand(ops, UNIVERSITY, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'Good' } }));
  }
  await sendCenterCommand(ops, UNIVERSITY, cmd('APPROVE', commission, {}));
  return view();
}

beforeAll(() => {
  ({ client, ops, taskQueue } = dev);
  repos = createRepositories(dev.knex);
  deliveryLog = deliveryLogIn(dev.dir);
});

describe('SPEC §4 — the calendar rounds are Temporal Schedules, installed by one idempotent command', { timeout: TIMEOUT }, () => {
  it('`centers schedules install` twice: two schedules, created then updated, never a third; `schedules list` shows their next runs', async () => {
    const first = await ok(['schedules', 'install']);
    expect(first.schedules.map((s: { scheduleId: string; outcome: string }) => [s.scheduleId, s.outcome])).toEqual([
      ['round-annual-summary', 'created'],
      ['round-mid-term', 'created'],
    ]);
    const again = await ok(['schedules', 'install']);
    expect(again.schedules.map((s: { outcome: string }) => s.outcome)).toEqual(['updated', 'updated']);

    // The server's own list of schedules (eventually consistent): exactly the two.
    const listed = await until('both schedules listed', async () => {
      const ids: string[] = [];
      for await (const s of client.schedule.list()) ids.push(s.scheduleId);
      return ids.length >= 2 ? ids.sort() : undefined;
    });
    expect(listed).toEqual(['round-annual-summary', 'round-mid-term']);

    const { schedules } = await ok(['schedules', 'list']);
    expect(schedules).toHaveLength(2);
    const annual = schedules.find((s: { scheduleId: string }) => s.scheduleId === 'round-annual-summary');
    expect(annual).toMatchObject({
      installed: true,
      round: 'annualSummary',
      calendar: 'every 15 April at 09:00 Asia/Shanghai',
      kinds: ['yearEnd', 'summaryReminder', 'summaryDue'],
      paused: false,
    });
    // 09:00 in Beijing is 01:00 UTC; the next run is in the future.
    expect(annual.nextRuns[0]).toMatch(/-04-15T01:00:00\.000Z$/);
    expect(Date.parse(annual.nextRuns[0])).toBeGreaterThan(Date.now());
    const midTerm = schedules.find((s: { scheduleId: string }) => s.scheduleId === 'round-mid-term');
    expect(midTerm).toMatchObject({ round: 'midTerm', kinds: ['yearEnd'] });
    expect(midTerm.nextRuns[0]).toMatch(/-05-15T01:00:00\.000Z$/);
  });
});

describe('SPEC §3 "Time" — a round fires due deadlines; a deadline fired twice has one effect', { timeout: TIMEOUT }, () => {
  let established: CenterView;
  const reminderKey = summaryReminderKey(1, 1);
  const dueKey = summaryDueKey(1, 1);
  let reports: CalendarRoundReport[] = [];

  it('the round, triggered through its schedule and run again, signals the due summary deadlines of the center found by search attributes', async () => {
    established = await establish();
    expect(established.state).toBe('building.running');

    // Hold the database's write lock across the end of build year 1.
    const lockKnex = createKnex(dev.db.database);
    const lock = await lockKnex.transaction();
    try {
      await lock.raw('UPDATE notifications SET status = status WHERE 0 = 1');
      // The year has ended in the workflow (its persistence is waiting) and its summary deadlines have come due.
      const blocked = await until(
        'year 1 ended and its summary overdue',
        async () => {
          const v = await view();
          const due = v.openDeadlines.find((d) => d.key === dueKey);
          return v.yearsEnded === 1 && due && Date.parse(due.dueAt) + 250 < Date.now() ? v : undefined;
        },
        { tries: 200 },
      );
      expect(blocked.openDeadlines.map((d) => d.key)).toEqual(expect.arrayContaining([reminderKey, dueKey]));
      await until('the center is listed by visibility as active', async () => {
        for await (const wf of client.workflow.list({ query: ACTIVE_CENTERS_QUERY })) if (wf.workflowId === established.workflowId) return true;
        return undefined;
      });

      // Round 1 through its schedule; round 2 (the same round again) started directly; the mid-term round.
      const viaSchedule = await triggerSchedule({ client }, ROUND_SCHEDULE_IDS.annualSummary, { wait: true });
      expect(viaSchedule.workflowId).toMatch(/^round-annual-summary-/);
      const direct = await client.workflow.execute<typeof calendarRoundWorkflow>('calendarRoundWorkflow', {
        taskQueue,
        workflowId: `round-annual-summary-again-${Date.now()}`,
        args: [{ round: 'annualSummary', kinds: ['yearEnd', 'summaryReminder', 'summaryDue'] }],
      });
      reports = [viaSchedule.report!, direct];
      for (const r of reports) {
        expect(r).toMatchObject({ round: 'annualSummary', centers: 1, failed: [] });
        // The year end was fired by the center's own timer already: only the two summary deadlines are due.
        expect(r.signalled.map((s) => [s.centerId, s.key]).sort()).toEqual([
          [CENTER_ID, dueKey],
          [CENTER_ID, reminderKey],
        ]);
      }
      const midTerm = await triggerSchedule({ client }, ROUND_SCHEDULE_IDS.midTerm, { wait: true });
      expect(midTerm.report).toMatchObject({ round: 'midTerm', centers: 1, signalled: [] });
      expect(midTerm.report!.notYetDue).toBeGreaterThanOrEqual(1); // year 2's end, for its own timer
    } finally {
      await lock.rollback();
      await lockKnex.destroy();
    }
  });

  it('the timer and two rounds fired each summary deadline: one audit row each, in due order; one reminder', async () => {
    const year2Ends = Date.parse(established.cycleStartAt!) + 2 * YEAR_MS;
    const summaryKeys = [reminderKey, dueKey].map((k) => `deadline:${k}`);
    const rows = await until('the summary deadlines persisted', async () => {
      const all = await repos.auditLog(CENTER_ID);
      return summaryKeys.every((k) => all.some((r) => r.commandId === k)) ? all : undefined;
    });
    const deadlines = rows.filter((r) => r.event === 'DEADLINE_REACHED' && Date.parse(r.at) < year2Ends);
    // Each once, in due order. Who fired each is whoever reached the center first once the database answered: since
    // `deadlines-in-due-order` the year end's timer, holding the center, applies the deadlines that came due meanwhile
    // (the rounds' signals, queued behind it, then have no effect); the rounds, had they come first.
    expect(deadlines.map((r) => r.commandId)).toEqual([`deadline:${yearEndKey(1, 1)}`, ...summaryKeys]);
    expect(deadlines[0].actor).toMatchObject({ role: 'scheduler', id: 'workflow-timer' });
    for (const r of deadlines.slice(1)) expect(['workflow-timer', ANNUAL_ACTOR]).toContain(r.actor.id);

    const v = await view();
    const summary = v.summaries.filter((s) => s.cycle === 1 && s.year === 1);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ reminders: 1, overdue: true });
    expect(v.openDeadlines.map((d) => d.key)).not.toEqual(expect.arrayContaining([yearEndKey(1, 1)]));
  });

  it('firing the same deadlines again from outside has no effect', async () => {
    const before = await view();
    const handle = client.workflow.getHandle(before.workflowId);
    const refire = { id: 'test-refire', role: 'scheduler' as const };
    for (const key of [yearEndKey(1, 1), reminderKey, dueKey]) await handle.signal(fireDeadline, { key, actor: refire });
    // An update after the signals is applied after them (one lock, in arrival order): a barrier, not a wait.
    const funding = await sendCenterCommand(ops, UNIVERSITY, cmd('REQUEST_FUNDING', university(UNIVERSITY), {
      request: { kind: 'promotion', title: 'Patent pool', tasks: ['Pool 300 patents'], amountFen: 100_000_00, budgetLines: [], opinions: [] },
    }));
    // Between the two, only the funding request (and year 2's end by its timer, should it have come) was applied.
    const between = (await repos.auditLog(CENTER_ID)).filter((r) => r.seq > before.seq && r.seq <= funding.seq);
    expect(between.map((r) => r.event).filter((e) => e !== 'DEADLINE_REACHED')).toEqual(['REQUEST_FUNDING']);
    expect(between.filter((r) => r.event === 'DEADLINE_REACHED').every((r) => r.actor.id === 'workflow-timer')).toBe(true);
    expect((await repos.auditLog(CENTER_ID)).filter((r) => r.actor.id === refire.id)).toEqual([]);
  });

  it('Art. 18: the reminder, overdue notice and escalation are delivered once each; `centers notifications` lists them', async () => {
    const notices = await until('the three notices delivered', async () => {
      const n = await repos.notifications({ centerId: CENTER_ID });
      return n.length === 3 && n.every((x) => x.status === 'delivered') ? n : undefined;
    });
    expect(notices.map((n) => [n.key, n.notice, n.recipientRole]).sort()).toEqual([
      [dueKey, 'escalation', 'commission'],
      [dueKey, 'overdue', 'university'],
      [`${reminderKey}1`, 'reminder', 'university'],
    ]);
    const lines = deliveredLines().filter((l) => l.centerId === CENTER_ID);
    expect(lines).toHaveLength(3);
    expect(new Set(lines.map((l) => l.idempotencyKey)).size).toBe(3);

    const cli = await ok(['notifications', '--center', UNIVERSITY]);
    expect(cli.notifications.map((n: { notice: string; status: string }) => [n.notice, n.status]).sort()).toEqual([
      ['escalation', 'delivered'],
      ['overdue', 'delivered'],
      ['reminder', 'delivered'],
    ]);
    expect((await ok(['notifications', '--status', 'pending'])).notifications).toEqual([]);
  });

  it('`schedules list` shows the runs the rounds took', async () => {
    const rows = await listSchedules({ client });
    expect(rows.find((r) => r.scheduleId === ROUND_SCHEDULE_IDS.annualSummary)!.recentRuns.length).toBeGreaterThanOrEqual(1);
    expect(rows.find((r) => r.scheduleId === ROUND_SCHEDULE_IDS.midTerm)!.recentRuns.length).toBeGreaterThanOrEqual(1);
  });
});
