/**
 * Issue 14 item 4: a deadline on every step that waits for someone (Art. 9, 18, 19), on the pure statechart — each
 * reminded, flagged overdue and escalated through the outbox, its duration the policy's, extended by the commission
 * with a reason; and centers started before step deadlines (their policy has none) keep their deadlines as they were.
 */
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../machines/authorize';
import { stateName, type CenterSnapshot, type Deadline } from '../../machines/center';
import { defaultPolicy, type Policy } from '../../machines/policy';
import type { DomainRecord } from '../../machines/records.types';
import { centerView } from '../../machines/view';
import { advance, fire, send, start } from '../helpers/drive';
import { application, callInfo, callView, cmd, commission, expertActor, experts, scores, university } from '../helpers/fixtures';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const uni = university('bjut');
const days = defaultPolicy.stepDeadlineDays;
const remind = defaultPolicy.reminderDaysBefore;

function submitted(policy: Policy = defaultPolicy): CenterSnapshot {
  const call = callInfo(T0, { callId: 'call-2026' });
  const s = start({ policy, centerId: 'bjut.call-2026', workflowId: 'center-bjut', universityId: 'bjut', call: callView(call) });
  return send(s, cmd('SUBMIT_APPLICATION', uni, { callId: call.callId, application: application('bjut') }), iso(T0 + DAY)).snapshot;
}
const PANEL = experts('pku');
const ASSIGNED_AT = T0 + 2 * DAY;
const inReview = (policy: Policy = defaultPolicy) => send(submitted(policy), cmd('ASSIGN_EXPERTS', commission, { experts: PANEL }), iso(ASSIGNED_AT)).snapshot;
const review = (s: CenterSnapshot, i: number, at: number) =>
  send(s, cmd('SUBMIT_REVIEW', expertActor(PANEL[i]), { review: { score: 90, recommendation: 'approve', opinion: 'A sound plan' } }), iso(at));
const stepOf = (s: CenterSnapshot, status: Deadline['status'] = 'pending') => s.context.deadlines.filter((d) => d.wait && d.status === status);
const keyOf = (expertId: string, kind: 'reminder' | 'due') => `c0:application:applicationReview:${expertId}:${kind}`;
/** The notices of step deadlines (the annual summaries' own, Art. 18, fire alongside as years pass). */
const notices = (records: DomainRecord[]) => records.filter((r) => r.kind === 'notification' && !r.key.includes(':summary'));

describe('Art. 9: each expert review of an application has a deadline', () => {
  it('assigning the panel arms, per expert, a reminder and a deadline at the policy’s days; a review cancels that expert’s', () => {
    const s = inReview();
    const due = iso(ASSIGNED_AT + days.applicationReview * DAY);
    expect(stepOf(s).map((d) => [d.key, d.kind, d.dueAt])).toEqual(
      PANEL.flatMap((e) => [
        [keyOf(e.id, 'reminder'), 'stepReminder', iso(ASSIGNED_AT + (days.applicationReview - remind) * DAY)],
        [keyOf(e.id, 'due'), 'stepDue', due],
      ]),
    );
    const after = review(s, 0, ASSIGNED_AT + DAY).snapshot;
    expect(stepOf(after, 'cancelled').map((d) => d.key)).toEqual([keyOf(PANEL[0].id, 'reminder'), keyOf(PANEL[0].id, 'due')]);
    expect(stepOf(after).map((d) => d.wait!.party)).toEqual([PANEL[1].id, PANEL[1].id, PANEL[2].id, PANEL[2].id]);
  });

  it('reminds the expert who has not reviewed, then flags the review overdue to them and escalates it to the commission', () => {
    let s = review(inReview(), 0, ASSIGNED_AT + DAY).snapshot;
    const reminded = advance(s, iso(ASSIGNED_AT + (days.applicationReview - remind) * DAY));
    expect(notices(reminded.records)).toEqual(
      [1, 2].map((i) =>
        expect.objectContaining({ key: keyOf(PANEL[i].id, 'reminder'), recipientRole: 'expert', recipientId: PANEL[i].id, notice: 'reminder', dueAt: iso(ASSIGNED_AT + days.applicationReview * DAY) }),
      ),
    );
    s = review(reminded.snapshot, 1, ASSIGNED_AT + 25 * DAY).snapshot;
    const overdue = advance(s, iso(ASSIGNED_AT + days.applicationReview * DAY));
    const late = PANEL[2].id;
    expect(notices(overdue.records)).toEqual([
      expect.objectContaining({ key: keyOf(late, 'due'), recipientRole: 'expert', recipientId: late, notice: 'overdue' }),
      expect.objectContaining({ key: keyOf(late, 'due'), recipientRole: 'commission', recipientId: null, notice: 'escalation', subject: expect.stringMatching(/review of the application \(Art\. 9\).*expert/) }),
    ]);
    // The flag: the read model lists the step as overdue until the expert reviews; a late review is still taken.
    expect(centerView(overdue.snapshot, 1).overdueSteps).toEqual([{ key: keyOf(late, 'due'), step: 'applicationReview', scope: 'application', party: late, dueAt: iso(ASSIGNED_AT + days.applicationReview * DAY) }]);
    const done = review(overdue.snapshot, 2, ASSIGNED_AT + 31 * DAY).snapshot;
    expect(stateName(done)).toBe('application.awaitingDecision');
    expect(centerView(done, 2).overdueSteps).toEqual([]);
    expect(stepOf(done)).toEqual([]);
  });

  it('the commission extends an expert’s deadline with a reason, also once passed; the extension is kept with who, when and why', () => {
    const passed = advance(inReview(), iso(ASSIGNED_AT + days.applicationReview * DAY)).snapshot;
    const late = PANEL[0].id;
    const at = ASSIGNED_AT + 32 * DAY;
    const extended = send(passed, cmd('EXTEND_DEADLINE', commission, { key: keyOf(late, 'due'), days: 10, reason: 'Expert abroad until the 20th' }), iso(at)).snapshot;
    // A passed deadline moves from today; the new one has its own key (a key fires once) and its reminder.
    const moved = stepOf(extended).filter((d) => d.wait!.party === late);
    expect(moved.map((d) => [d.key, d.kind, d.dueAt])).toEqual([
      [`${keyOf(late, 'reminder')}:x1`, 'stepReminder', iso(at + (10 - remind) * DAY)],
      [`${keyOf(late, 'due')}:x1`, 'stepDue', iso(at + 10 * DAY)],
    ]);
    expect(moved[1].wait!.extended).toEqual({ from: keyOf(late, 'due'), fromDueAt: iso(ASSIGNED_AT + days.applicationReview * DAY), reason: 'Expert abroad until the 20th', by: commission.id, at: iso(at) });
    expect(centerView(extended, 3).overdueSteps.map((o) => o.party)).toEqual([PANEL[1].id, PANEL[2].id]);
    // The superseded key, the university, no reason, a key that names nothing: refused, each with its reason.
    const refusal = (command: unknown) => {
      const c = checkCommand(extended, command, iso(at + DAY));
      return c.ok ? null : c.refusal;
    };
    expect(refusal(cmd('EXTEND_DEADLINE', commission, { key: keyOf(late, 'due'), days: 5, reason: 'Again' }))).toMatchObject({ reason: 'not-allowed-in-state', message: expect.stringContaining(`${keyOf(late, 'due')}:x1`) });
    expect(refusal(cmd('EXTEND_DEADLINE', uni, { key: `${keyOf(late, 'due')}:x1`, days: 5, reason: 'Please' }))).toMatchObject({ reason: 'forbidden-role' });
    const noReason = { commandId: 'cmd-no-reason-1', actor: commission, type: 'EXTEND_DEADLINE', payload: { key: `${keyOf(late, 'due')}:x1`, days: 5 } };
    expect(refusal(noReason)).toMatchObject({ reason: 'invalid-input', message: expect.stringContaining('reason') });
    expect(refusal(cmd('EXTEND_DEADLINE', commission, { key: 'c0:application:nothing:due', days: 5, reason: 'Typo' }))).toMatchObject({ reason: 'invalid-input', message: expect.stringContaining('centers show') });
    // Once the expert has reviewed, nothing waits: no extension.
    const reviewed = review(extended, 0, at + DAY).snapshot;
    expect(checkCommand(reviewed, cmd('EXTEND_DEADLINE', commission, { key: `${keyOf(late, 'due')}:x1`, days: 5, reason: 'Late anyway' }), iso(at + 2 * DAY))).toMatchObject({
      ok: false,
      refusal: { reason: 'not-allowed-in-state', message: expect.stringContaining('no longer waits') },
    });
  });
});

/** Established, then the mid-term opens at the end of year 2 (Art. 18). */
function atMidTerm(policy: Policy = defaultPolicy): { s: CenterSnapshot; at: number } {
  let s = inReview(policy);
  for (let i = 0; i < PANEL.length; i++) s = review(s, i, T0 + 3 * DAY).snapshot;
  s = send(s, cmd('APPROVE', commission, {}), '2026-03-10T00:00:00.000Z').snapshot;
  const at = Date.parse('2028-03-10T00:00:00.000Z');
  s = advance(s, iso(at)).snapshot;
  expect(stateName(s)).toBe('building.evaluation.selfEvaluation');
  return { s, at };
}
const waitsOf = (s: CenterSnapshot) => stepOf(s).filter((d) => d.kind === 'stepDue').map((d) => [d.wait!.step, d.wait!.party, d.dueAt]);

describe('Art. 17–18: each step of an evaluation has a deadline', () => {
  it('the self-evaluation, inspection, expert assignment, each expert’s scores and the assessment are armed in turn and cancelled as each is done', () => {
    let { s, at } = atMidTerm();
    const panel = experts('tsinghua');
    expect(waitsOf(s)).toEqual([['selfEvaluation', null, iso(at + days.selfEvaluation * DAY)]]);
    s = send(s, cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(80), report: 'Self-evaluation report' }), iso(at + DAY)).snapshot;
    expect(waitsOf(s)).toEqual([['onSiteInspection', null, iso(at + (1 + days.onSiteInspection) * DAY)]]);
    s = send(s, cmd('RECORD_INSPECTION', commission, { inspectedOn: '2028-03-12', inspectors: ['Inspector Liu'], findings: 'Seen' }), iso(at + 2 * DAY)).snapshot;
    expect(waitsOf(s)).toEqual([['expertAssignment', null, iso(at + (2 + days.expertAssignment) * DAY)]]);
    s = send(s, cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: panel }), iso(at + 3 * DAY)).snapshot;
    expect(waitsOf(s)).toEqual(panel.map((e) => ['evaluationReview', e.id, iso(at + (3 + days.evaluationReview) * DAY)]));
    for (const e of panel) s = send(s, cmd('SUBMIT_EVALUATION_REVIEW', expertActor(e), { scores: scores(80), opinion: 'Scored' }), iso(at + 4 * DAY)).snapshot;
    expect(waitsOf(s)).toEqual([['assessment', null, iso(at + (4 + days.assessment) * DAY)]]);
    s = send(s, cmd('ASSESS', commission, {}), iso(at + 5 * DAY)).snapshot;
    expect(stateName(s)).toBe('building.running');
    expect(stepOf(s)).toEqual([]);
    // Nothing was left pending: every step deadline was cancelled when its step was done.
    expect(stepOf(s, 'cancelled').filter((d) => d.kind === 'stepDue' && d.cycle === 1)).toHaveLength(4 + panel.length);
  });

  it('a self-evaluation not submitted is reminded to the university, then overdue to it and escalated; the commission extends it', () => {
    const { s, at } = atMidTerm();
    const r = advance(s, iso(at + days.selfEvaluation * DAY));
    expect(notices(r.records).map((n) => n.kind === 'notification' && [n.notice, n.recipientRole, n.key])).toEqual([
      ['reminder', 'university', 'c1:c1-midTerm:selfEvaluation:reminder'],
      ['overdue', 'university', 'c1:c1-midTerm:selfEvaluation:due'],
      ['escalation', 'commission', 'c1:c1-midTerm:selfEvaluation:due'],
    ]);
    const ext = send(r.snapshot, cmd('EXTEND_DEADLINE', commission, { key: 'c1:c1-midTerm:selfEvaluation:reminder', days: 14, reason: 'The university asked for two more weeks' }), iso(at + 61 * DAY));
    expect(waitsOf(ext.snapshot)).toEqual([['selfEvaluation', null, iso(at + 75 * DAY)]]);
    expect(stateName(ext.snapshot)).toBe('building.evaluation.selfEvaluation');
  });

  it('a step the commission itself owes (the assessment) is flagged overdue to the commission once, with no second escalation', () => {
    let { s, at } = atMidTerm();
    s = send(s, cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(80), report: 'Self-evaluation report' }), iso(at)).snapshot;
    s = send(s, cmd('RECORD_INSPECTION', commission, { inspectedOn: '2028-03-10', inspectors: ['Inspector Liu'], findings: 'Seen' }), iso(at)).snapshot;
    s = send(s, cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: experts('tsinghua') }), iso(at)).snapshot;
    for (const e of experts('tsinghua')) s = send(s, cmd('SUBMIT_EVALUATION_REVIEW', expertActor(e), { scores: scores(80), opinion: 'Scored' }), iso(at)).snapshot;
    const r = advance(s, iso(at + days.assessment * DAY));
    expect(notices(r.records).map((n) => n.kind === 'notification' && [n.notice, n.recipientRole])).toEqual([
      ['reminder', 'commission'],
      ['overdue', 'commission'],
    ]);
  });
});

describe('Art. 19: the rectification report is reminded before its deadline', () => {
  function rectifying() {
    let { s, at } = atMidTerm();
    s = send(s, cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(40), report: 'Self-evaluation report' }), iso(at)).snapshot;
    s = send(s, cmd('RECORD_INSPECTION', commission, { inspectedOn: '2028-03-10', inspectors: ['Inspector Liu'], findings: 'Seen' }), iso(at)).snapshot;
    s = send(s, cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: experts('tsinghua') }), iso(at)).snapshot;
    for (const e of experts('tsinghua')) s = send(s, cmd('SUBMIT_EVALUATION_REVIEW', expertActor(e), { scores: scores(40), opinion: 'Scored' }), iso(at)).snapshot;
    s = send(s, cmd('ASSESS', commission, { reason: 'No transfer activity' }), iso(at)).snapshot;
    expect(stateName(s)).toBe('building.rectification');
    return { s, at };
  }

  it('reminds the university before the rectification deadline, and the reminder moves when the deadline is extended', () => {
    const { s, at } = rectifying();
    const r = s.context.rectification!;
    const reminder = stepOf(s).find((d) => d.wait!.step === 'rectificationReport')!;
    expect(reminder).toMatchObject({ kind: 'stepReminder', dueAt: iso(Date.parse(r.dueAt) - remind * DAY) });
    const extended = send(s, cmd('EXTEND_RECTIFICATION', commission, { days: 30, reason: 'Inspection postponed by the commission' }), iso(at + DAY)).snapshot;
    const moved = extended.context.deadlines.find((d) => d.key === reminder.key)!;
    expect(moved.dueAt).toBe(iso(Date.parse(extended.context.rectification!.dueAt) - remind * DAY));
    const fired = advance(extended, moved.dueAt);
    expect(notices(fired.records)).toEqual([expect.objectContaining({ key: reminder.key, notice: 'reminder', recipientRole: 'university', dueAt: extended.context.rectification!.dueAt })]);
    // Its deadline is the rectification's own: EXTEND_DEADLINE points to the command that extends it.
    expect(checkCommand(extended, cmd('EXTEND_DEADLINE', commission, { key: r.deadlineKey, days: 5, reason: 'More time' }), iso(at + 2 * DAY))).toMatchObject({
      ok: false,
      refusal: { reason: 'not-allowed-in-state' },
    });
  });

  it('the report cancels the reminder and opens the re-evaluation, whose self-evaluation has its own deadline', () => {
    const { s, at } = rectifying();
    const after = send(s, cmd('SUBMIT_RECTIFICATION', uni, { report: 'IP office staffed and running' }), iso(at + 10 * DAY)).snapshot;
    expect(waitsOf(after)).toEqual([['selfEvaluation', null, iso(at + (10 + days.selfEvaluation) * DAY)]]);
    expect(stepOf(after).some((d) => d.wait!.step === 'rectificationReport')).toBe(false);
  });
});

describe('centers started before step deadlines keep their deadlines as they were', () => {
  it('a policy without stepDeadlineDays arms no step deadline, through review, mid-term and every evaluation step', () => {
    const { stepDeadlineDays: _omitted, ...older } = defaultPolicy;
    const policy = older as Policy;
    expect(stepOf(inReview(policy))).toEqual([]);
    let { s, at } = atMidTerm(policy);
    expect(s.context.deadlines.some((d) => d.kind === 'stepDue' || d.kind === 'stepReminder')).toBe(false);
    s = send(s, cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(80), report: 'Self-evaluation report' }), iso(at)).snapshot;
    expect(s.context.deadlines.filter((d) => d.wait)).toEqual([]);
    expect(fire(s, 'c1:c1-midTerm:onSiteInspection:due', iso(at + 365 * DAY))).toBeNull();
  });
});
