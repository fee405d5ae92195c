/**
 * Issue 14 item 4 on the time-skipping server and SQLite: the deadlines of the steps that wait for someone are
 * durable timers — an expert's review of an application (Art. 9) reminded, flagged overdue and escalated through the
 * outbox as the weeks pass, extended by the commission with a reason (an audit row), a refused extension leaving no
 * trace; and a mid-term's self-evaluation (Art. 18) reminded to the university.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCall, submitApplication } from '../../client/operations';
import { createRepositories } from '../../db/repositories';
import { defaultPolicy } from '../../machines/policy';
import { applicationAsOf, callInfo, cmd, commission, expertActor, experts } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

let h: Harness;
let repos: ReturnType<typeof createRepositories>;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const days = defaultPolicy.stepDeadlineDays;

beforeAll(async () => {
  h = await timeSkippingHarness();
  repos = createRepositories(h.knex);
});
afterAll(async () => {
  await h?.teardown();
});

describe('Art. 9, 18: a deadline on every step that waits, on durable timers', () => {
  it('an expert who has not reviewed is reminded, then overdue and escalated; the commission extends it with a reason; the late review is taken', async () => {
    const c = lifecycle(h, 'bift');
    const centerId = 'bift.call-sd1';
    const now = await h.env.currentTimeMs();
    await openCall(h.ops, callInfo(now, { callId: 'call-sd1', quota: 5 }), commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', c.uni, { callId: 'call-sd1', application: applicationAsOf('bift', now) }));
    const panel = experts('pku');
    await c.send(cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
    const assigned = await c.view();
    const due = assigned.openDeadlines.filter((d) => d.kind === 'stepDue');
    expect(due.map((d) => d.wait!.party)).toEqual(panel.map((e) => e.id));
    const assignedAt = Date.parse(due[0].wait!.armedAt);
    expect(Date.parse(due[0].dueAt) - assignedAt).toBe(days.applicationReview * DAY);
    await c.send(cmd('SUBMIT_REVIEW', expertActor(panel[0]), { review: { score: 90, recommendation: 'approve', opinion: 'Good' } }));

    // The reminders fire on their timers: one to each expert who still owes a review, by name.
    await c.skipTo(assignedAt + (days.applicationReview - defaultPolicy.reminderDaysBefore) * DAY + HOUR, (v) => !v.openDeadlines.some((d) => d.kind === 'stepReminder'));
    await expect
      .poll(async () => (await repos.notifications({ centerId })).map((n) => [n.notice, n.recipientRole, n.recipientId, n.status]))
      .toEqual([
        ['reminder', 'expert', panel[1].id, 'delivered'],
        ['reminder', 'expert', panel[2].id, 'delivered'],
      ]);
    await c.send(cmd('SUBMIT_REVIEW', expertActor(panel[1]), { review: { score: 85, recommendation: 'approve', opinion: 'Sound' } }));

    // The deadline: the last expert's review is overdue (the flag) and escalated to the commission.
    const late = await c.skipTo(assignedAt + days.applicationReview * DAY + HOUR, (v) => v.overdueSteps.length === 1);
    expect(late.overdueSteps).toEqual([expect.objectContaining({ step: 'applicationReview', party: panel[2].id })]);
    await expect
      .poll(async () => (await repos.notifications({ centerId })).filter((n) => n.key.endsWith(':due')).map((n) => [n.notice, n.recipientRole, n.recipientId]))
      .toEqual([
        ['escalation', 'commission', null],
        ['overdue', 'expert', panel[2].id],
      ]);

    // A refusal leaves no trace; the commission's extension, with its reason, is an audit row and a new timer.
    const audited = (await repos.auditLog(centerId)).length;
    const key = late.overdueSteps[0].key;
    await expect(c.send(cmd('EXTEND_DEADLINE', c.uni, { key, days: 10, reason: 'Please' }))).rejects.toMatchObject({ reason: 'forbidden-role' });
    await expect(c.send(cmd('EXTEND_DEADLINE', commission, { key: 'c0:application:nothing:due', days: 10, reason: 'Typo' }))).rejects.toMatchObject({ reason: 'invalid-input' });
    expect(await repos.auditLog(centerId)).toHaveLength(audited);
    await c.send(cmd('EXTEND_DEADLINE', commission, { key, days: 10, reason: 'Expert abroad until the 20th' }));
    const audit = await repos.auditLog(centerId);
    expect(audit.slice(audited).map((a) => [a.event, a.actor.id])).toEqual([['EXTEND_DEADLINE', commission.id]]);
    const extended = await c.view();
    expect(extended.overdueSteps).toEqual([]);
    expect(extended.openDeadlines.find((d) => d.key === `${key}:x1`)).toMatchObject({ kind: 'stepDue', wait: { extended: { from: key, reason: 'Expert abroad until the 20th' } } });

    await c.send(cmd('SUBMIT_REVIEW', expertActor(panel[2]), { review: { score: 80, recommendation: 'approve', opinion: 'Late but sound' } }));
    const done = await c.view();
    expect(done.state).toBe('application.awaitingDecision');
    expect(done.openDeadlines.filter((d) => d.wait)).toEqual([]);
  });

  it("a mid-term's self-evaluation not submitted is reminded to the university and escalated at its deadline", async () => {
    const c = lifecycle(h, 'bjfu');
    const centerId = 'bjfu.call-sd2';
    const start = (await c.establish('call-sd2')).cycleStartAt!;
    const midTerm = c.anniversary(start, defaultPolicy.midTermAfterYears);
    await c.skipTo(midTerm + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
    await c.skipTo(midTerm + (days.selfEvaluation * DAY) + 2 * HOUR, (v) => v.overdueSteps.some((o) => o.step === 'selfEvaluation'));
    await expect
      .poll(async () => (await repos.notifications({ centerId })).filter((n) => n.key.includes(':selfEvaluation:')).map((n) => [n.notice, n.recipientRole]))
      .toEqual([
        ['reminder', 'university'],
        ['escalation', 'commission'],
        ['overdue', 'university'],
      ]);
  });
});
