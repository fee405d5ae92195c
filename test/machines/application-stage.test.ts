import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { callWindowKey, centerMachine, isClosed, stateName } from '../../machines/center';
import { application, understaffed } from '../helpers/fixtures';
import {
  amend,
  approve,
  assign,
  awaitingDecision,
  CALL,
  callStatusEvent,
  DAY,
  deadlineEvent,
  ESTABLISHED,
  eligible,
  expectRefused,
  fire,
  ineligible,
  inReview,
  iso,
  PANEL,
  reject,
  review,
  send,
  start,
  step,
  submit,
} from './drive';

const CLOSES = CALL.closesAt;
const windowOf = (s: ReturnType<typeof start>) => s.context.deadlines.find((d) => d.key === callWindowKey(CALL.callId))!;

describe('Art. 7 — a center starts waiting for its application to the call', () => {
  it('starts in awaitingApplication with the call window as a pending deadline and nothing recorded', () => {
    const s = start();
    expect(stateName(s)).toBe('awaitingApplication');
    expect(s.context).toMatchObject({ application: null, applicationVersion: 0, eligibility: null, cycle: 0, names: null, decision: null });
    expect(s.context.deadlines).toHaveLength(1);
    expect(s.context.deadlines[0]).toMatchObject({ key: 'callWindow:call-2026', kind: 'callWindow', dueAt: CLOSES, status: 'pending', firedAt: null });
    expect(isClosed(s)).toBe(false);
  });
});

describe('Art. 8 — submission and the automatic eligibility check', () => {
  it('SUBMIT_APPLICATION of a complete application → application.eligible, version 1, eligibility stored', () => {
    const s = send(start(), submit());
    expect(stateName(s)).toBe('application.eligible');
    expect(s.context.applicationVersion).toBe(1);
    expect(s.context.application).toEqual(application());
    expect(s.context.eligibility).toHaveLength(7);
    expect(s.context.eligibility!.every((r) => r.passed)).toBe(true);
  });

  it('SUBMIT_APPLICATION failing a condition → application.ineligible, version 1, the failure stored', () => {
    const s = send(start(), submit(understaffed()));
    expect(stateName(s)).toBe('application.ineligible');
    expect(s.context.applicationVersion).toBe(1);
    expect(s.context.eligibility!.filter((r) => !r.passed).map((r) => r.key)).toEqual(['staff']);
  });

  it('a submission at the very moment the call opens is accepted', () => {
    expect(stateName(send(start(), submit(), CALL.opensAt))).toBe('application.eligible');
  });

  it('the eligibility check uses the policy in the machine input (minFullTimeStaff 5 → ineligible)', () => {
    const s = send(start({ policy: { ...start().context.policy, minFullTimeStaff: 5 } }), submit());
    expect(stateName(s)).toBe('application.ineligible');
  });
});

describe('Art. 8 — amendment while the call is open and before review starts', () => {
  it('AMEND_APPLICATION from ineligible that meets all conditions → eligible, version 2', () => {
    const s = send(ineligible(), amend(application()), iso(DAY));
    expect(stateName(s)).toBe('application.eligible');
    expect(s.context.applicationVersion).toBe(2);
    expect(s.context.eligibility!.every((r) => r.passed)).toBe(true);
  });

  it('AMEND_APPLICATION from ineligible that still fails → ineligible, version 2, new reasons', () => {
    const stillShort = understaffed('bjut');
    stillShort.conditions.workplace.officeEquipment = false;
    const s = send(ineligible(), amend(stillShort), iso(DAY));
    expect(stateName(s)).toBe('application.ineligible');
    expect(s.context.applicationVersion).toBe(2);
    expect(s.context.eligibility!.filter((r) => !r.passed).map((r) => r.key)).toEqual(['workplace', 'staff']);
  });

  it('AMEND_APPLICATION from eligible → eligible again, the version increments each time', () => {
    const better = application('bjut', (a) => void (a.conditions.transferRecord.highValueResults = 50));
    let s = send(eligible(), amend(better), iso(DAY));
    expect(stateName(s)).toBe('application.eligible');
    expect(s.context.applicationVersion).toBe(2);
    expect(s.context.application!.conditions.transferRecord.highValueResults).toBe(50);
    s = send(s, amend(application()), iso(2 * DAY));
    expect(s.context.applicationVersion).toBe(3);
  });

  it('AMEND_APPLICATION from eligible that breaks a condition → ineligible', () => {
    expect(stateName(send(eligible(), amend(understaffed()), iso(DAY)))).toBe('application.ineligible');
  });

  it('AMEND_APPLICATION after review has started is refused (not-allowed-in-state)', () => {
    expectRefused(inReview(), amend(), 'not-allowed-in-state', /AMEND_APPLICATION .*application\.inReview/, iso(3 * DAY));
  });
});

describe('Art. 9 — expert review', () => {
  it('ASSIGN_EXPERTS from eligible → inReview, the panel stored, no reviews yet', () => {
    const s = send(eligible(), assign(PANEL), iso(2 * DAY));
    expect(stateName(s)).toBe('application.inReview');
    expect(s.context.experts).toEqual(PANEL);
    expect(s.context.reviews).toEqual({});
  });

  it('experts may be assigned after the call has closed', () => {
    expect(stateName(send(eligible(), assign(PANEL), iso(40 * DAY)))).toBe('application.inReview');
  });

  it('each SUBMIT_REVIEW is recorded and the center stays inReview until the last assigned expert has reviewed', () => {
    let s = inReview();
    s = send(s, review(PANEL[0]!, 80), iso(3 * DAY));
    expect(stateName(s)).toBe('application.inReview');
    s = send(s, review(PANEL[2]!, 70, 'reject'), iso(4 * DAY));
    expect(stateName(s)).toBe('application.inReview');
    expect(Object.keys(s.context.reviews).sort()).toEqual([PANEL[0]!.id, PANEL[2]!.id]);
    s = send(s, review(PANEL[1]!, 90), iso(5 * DAY));
    expect(stateName(s)).toBe('application.awaitingDecision');
    expect(s.context.reviews[PANEL[2]!.id]).toEqual({
      score: 70,
      recommendation: 'reject',
      opinion: `Opinion of ${PANEL[2]!.id}`,
      submittedAt: iso(4 * DAY),
    });
  });
});

describe('Art. 9, 20 — the commission approves the best, within the quota; the center is named', () => {
  it('APPROVE from awaitingDecision → established (building) with names, establishedAt = approval time, cycle 1, approvedCount + 1', () => {
    const at = iso(10 * DAY);
    const s = send(awaitingDecision(), approve(), at);
    expect(s.matches('building')).toBe(true);
    expect(stateName(s)).toBe(ESTABLISHED);
    expect(s.context.names).toEqual({
      zh: '北京工业大学北京高校科技成果转移转化促进中心',
      en: 'Beijing University Science and Technology Transfer Promotion Center of Beijing University of Technology',
    });
    expect(s.context.establishedAt).toBe(at);
    expect(s.context.cycle).toBe(1);
    // SPEC §3 "Time": the cycle starts on the approval date.
    expect(s.context.cycleStartAt).toBe(at);
    expect(s.context.call.approvedCount).toBe(1);
    expect(s.context.decision).toEqual({ outcome: 'approved', reason: 'Best of the 2026 call', at, by: 'operator-1' });
    expect(isClosed(s)).toBe(false);
  });

  it('APPROVE without a reason records an empty reason', () => {
    const { after } = step(awaitingDecision(), { ...approve(), payload: {} }, iso(10 * DAY));
    expect(after.context.decision!.reason).toBe('');
  });

  it('REJECT from awaitingDecision → closed.rejected, a final state, the reason recorded', () => {
    const at = iso(10 * DAY);
    const s = send(awaitingDecision(), reject(), at);
    expect(stateName(s)).toBe('closed.rejected');
    expect(isClosed(s)).toBe(true);
    expect(s.context.decision).toEqual({ outcome: 'rejected', reason: 'Weaker than the approved applications', at, by: 'operator-1' });
    expect(s.context.names).toBeNull();
    expect(s.context.call.approvedCount).toBe(0);
  });
});

describe('Art. 7–8 — the call window closes (deadline callWindow:<callId>)', () => {
  it('in awaitingApplication → closed.lapsed, the deadline marked fired', () => {
    const s = fire(start(), deadlineEvent(CLOSES));
    expect(stateName(s)).toBe('closed.lapsed');
    expect(isClosed(s)).toBe(true);
    expect(windowOf(s)).toMatchObject({ status: 'fired', firedAt: CLOSES });
  });

  it('in ineligible → closed.ineligible, the deadline marked fired', () => {
    const s = fire(ineligible(), deadlineEvent(CLOSES));
    expect(stateName(s)).toBe('closed.ineligible');
    expect(isClosed(s)).toBe(true);
    expect(windowOf(s)).toMatchObject({ status: 'fired', firedAt: CLOSES });
  });

  it('in eligible it only marks the deadline fired; AMEND is then refused deadline-passed', () => {
    const before = eligible();
    const s = fire(before, deadlineEvent(CLOSES));
    expect(stateName(s)).toBe('application.eligible');
    expect(windowOf(s)).toMatchObject({ status: 'fired', firedAt: CLOSES });
    expect(s.context.application).toBe(before.context.application);
    // Even at a time before closesAt: the window is over once its deadline fired.
    expectRefused(s, amend(), 'deadline-passed', /call "call-2026" is not open/, iso(DAY));
    // Review still proceeds.
    expect(stateName(send(s, assign(PANEL), iso(31 * DAY)))).toBe('application.inReview');
  });

  it('in inReview it only marks the deadline fired; the review continues', () => {
    let s = fire(inReview(), deadlineEvent(CLOSES));
    expect(stateName(s)).toBe('application.inReview');
    expect(windowOf(s).status).toBe('fired');
    for (const e of PANEL) s = send(s, review(e), iso(31 * DAY));
    expect(stateName(s)).toBe('application.awaitingDecision');
  });

  it('in awaitingDecision it only marks the deadline fired; an established center no longer has it', () => {
    const a = fire(awaitingDecision(), deadlineEvent(CLOSES));
    expect(stateName(a)).toBe('application.awaitingDecision');
    expect(windowOf(a).status).toBe('fired');
    const established = send(awaitingDecision(), approve(), iso(10 * DAY));
    expect(windowOf(established).status).toBe('cancelled');
    expect(established.can(deadlineEvent(CLOSES))).toBe(false);
    expect(stateName(established)).toBe(ESTABLISHED);
  });

  it('firing the same deadline key twice has no second effect (snapshot.can is false the second time)', () => {
    const once = fire(eligible(), deadlineEvent(CLOSES));
    const again = deadlineEvent(iso(31 * DAY));
    expect(once.can(again)).toBe(false);
    const [twice] = transition(centerMachine, once, again);
    expect(stateName(twice)).toBe('application.eligible');
    expect(windowOf(twice)).toEqual(windowOf(once));
    expect(twice.context).toEqual(once.context);
  });

  it('a deadline key the center does not have has no effect', () => {
    const s = eligible();
    const other = deadlineEvent(CLOSES, callWindowKey('call-2027'));
    expect(s.can(other)).toBe(false);
    expect(transition(centerMachine, s, other)[0].context).toEqual(s.context);
  });

  it('a lapsed center does not take its (already fired) call-window deadline again', () => {
    const s = fire(start(), deadlineEvent(CLOSES));
    expect(s.can(deadlineEvent(iso(31 * DAY)))).toBe(false);
  });
});

describe('Art. 7, 9 — the call reports its quota, approvals and early closing (CALL_STATUS)', () => {
  it('CALL_STATUS updates quota, approvedCount and closedEarlyAt without changing state', () => {
    const s = fire(eligible(), callStatusEvent({ quota: 5, approvedCount: 3, closedEarlyAt: null }));
    expect(stateName(s)).toBe('application.eligible');
    expect(s.context.call).toMatchObject({ callId: CALL.callId, quota: 5, approvedCount: 3, closedEarlyAt: null });
  });

  it('a call closed early makes AMEND refused deadline-passed, naming the early close', () => {
    const closedAt = iso(DAY);
    const s = fire(ineligible(), callStatusEvent({ quota: 2, approvedCount: 0, closedEarlyAt: closedAt }));
    expect(stateName(s)).toBe('application.ineligible');
    expectRefused(s, amend(), 'deadline-passed', new RegExp(`closed early at ${closedAt}`), iso(2 * DAY));
  });

  it('a call closed early makes SUBMIT refused deadline-passed', () => {
    const s = fire(start(), callStatusEvent({ quota: 2, approvedCount: 0, closedEarlyAt: iso(DAY) }));
    expectRefused(s, submit(), 'deadline-passed', /closed early/, iso(2 * DAY));
  });

  it('a raised quota lets the commission approve again', () => {
    const full = awaitingDecision({ call: { approvedCount: 2 } });
    expectRefused(full, approve(), 'quota-exceeded', /2 of 2 approved/, iso(10 * DAY));
    const raised = fire(full, callStatusEvent({ quota: 3, approvedCount: 2, closedEarlyAt: null }));
    const s = send(raised, approve(), iso(10 * DAY));
    expect(stateName(s)).toBe(ESTABLISHED);
    expect(s.context.call.approvedCount).toBe(3);
  });
});

/**
 * The closed.* states are final children of `closed`: the statechart takes nothing more in them (the root
 * handlers are guarded), and isClosed() is what the workflow and the query read as "final".
 */
describe('SPEC §3 — closed:ineligible | closed:rejected are final', () => {
  it('a rejected center is closed', () => {
    expect(isClosed(send(awaitingDecision(), reject(), iso(10 * DAY)))).toBe(true);
  });

  it('a lapsed center is closed', () => {
    expect(isClosed(fire(start(), deadlineEvent(CLOSES)))).toBe(true);
  });

  it('a closed center takes no CALL_STATUS', () => {
    const s = fire(ineligible(), deadlineEvent(CLOSES));
    expect(s.can(callStatusEvent({ quota: 3, approvedCount: 0, closedEarlyAt: null }))).toBe(false);
  });

  it('a rejected center takes no call-window deadline (it is still pending in its context)', () => {
    const s = send(awaitingDecision(), reject(), iso(10 * DAY));
    expect(s.can(deadlineEvent(CLOSES))).toBe(false);
  });
});
