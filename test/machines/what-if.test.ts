/**
 * The policy what-if simulator (machines/what-if.ts) on the pure statechart: recorded commands re-run under a
 * candidate policy, deadlines derived again from the candidate's numbers (Art. 8(7) staff minimum, Art. 18 summary
 * grace period, Art. 19 rectification), the recorded firings never replayed.
 */
import { describe, expect, it } from 'vitest';
import { compareOutcomes, simulateCenter, type RecordedInput, type WhatIfInput } from '../../machines/what-if';
import { callWindowKey, type CenterInput } from '../../machines/center';
import type { Command } from '../../machines/commands';
import { defaultPolicy, parsePolicy, type Policy } from '../../machines/policy';
import { summaryDueKey, yearEndKey } from '../../machines/stages/summaries';
import { annualSummary, application, callInfo, callView, cmd, commission, expertActor, experts, scores, university } from '../helpers/fixtures';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const CALL = callInfo(T0, { callId: 'call-2026', quota: 10 });

/** `n` full-time staff, each with a qualifying background (Art. 8(7)). */
const withStaff = (universityId: string, n: number) =>
  application(universityId, (a) => {
    const one = a.conditions.staff[0];
    a.conditions.staff = Array.from({ length: n }, (_, i) => ({ ...one, name: `Staff ${i + 1}`, fullTime: true, background: 'techTransfer' }));
  });

const startOf = (universityId: string, policy: Policy): CenterInput => ({
  policy,
  centerId: `${universityId}.call-2026`,
  workflowId: `center-${universityId}`,
  universityId,
  call: callView(CALL),
});

const at = (command: Command, ms: number): RecordedInput => ({ kind: 'command', command, at: iso(ms) });

/** Application on day 1, panel on day 2, three reviews on day 3, approval on day 10 (Art. 8–9). */
function applicationInputs(universityId: string, staff: number): RecordedInput[] {
  const uni = university(universityId);
  const panel = experts('pku');
  return [
    at(cmd('SUBMIT_APPLICATION', uni, { callId: CALL.callId, application: withStaff(universityId, staff) }), T0 + DAY),
    at(cmd('ASSIGN_EXPERTS', commission, { experts: panel }), T0 + 2 * DAY),
    ...panel.map((e) => at(cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'Sound' } }), T0 + 3 * DAY)),
    at(cmd('APPROVE', commission, {}), T0 + 10 * DAY),
  ];
}

const recordedAndCandidate = (input: WhatIfInput, candidate: Policy) => {
  const recorded = simulateCenter(input);
  const next = simulateCenter({ ...input, start: { ...input.start, policy: candidate } });
  return { recorded, candidate: next, changes: compareOutcomes(recorded, next) };
};

describe('policy what-if on the pure statechart', () => {
  it('Art. 8(7): a staff minimum of four makes the three-staff center ineligible and refuses its panel, reviews and approval; four and five stay as recorded', () => {
    const candidate = parsePolicy({ minFullTimeStaff: 4 });
    const until = iso(T0 + 60 * DAY);
    const results = Object.fromEntries(
      [3, 4, 5].map((n) => {
        const u = `uni${n}`;
        return [n, recordedAndCandidate({ start: startOf(u, defaultPolicy), inputs: applicationInputs(u, n), until }, candidate)];
      }),
    );
    for (const n of [3, 4, 5]) {
      expect(results[n].recorded).toMatchObject({ state: 'building.running', eligible: true, refused: [], cycle: 1 });
    }
    expect(results[4].changes).toEqual([]);
    expect(results[5].changes).toEqual([]);

    const three = results[3].candidate;
    expect(three.eligible).toBe(false);
    expect(three.failingConditions).toEqual(['8(7) staff']);
    expect(three.failingReasons[0]).toMatch(/3 full-time staff.*at least 4/);
    expect(three.refused.map((r) => [r.type, r.reason])).toEqual([
      ['ASSIGN_EXPERTS', 'not-allowed-in-state'],
      ['SUBMIT_REVIEW', 'not-allowed-in-state'],
      ['SUBMIT_REVIEW', 'not-allowed-in-state'],
      ['SUBMIT_REVIEW', 'not-allowed-in-state'],
      ['APPROVE', 'not-allowed-in-state'],
    ]);
    // The call window (day 30) closes the ineligible application: a deadline the candidate machine fired itself.
    expect(three.state).toBe('closed.ineligible');
    expect(three.deadlinesFired).toEqual([callWindowKey(CALL.callId)]);
    expect(results[3].changes.map((c) => c.field)).toEqual(['eligibility', 'state', 'refused']);
    expect(results[3].changes[0]).toEqual({ field: 'eligibility', recorded: 'eligible', candidate: 'ineligible: 8(7) staff' });
  });

  it('Art. 18: deadlines are derived from the candidate policy — a summary sent 20 days after the year end is met with 30 days of grace, missed with 10', () => {
    const approvedAt = T0 + 10 * DAY;
    const yearEnd = Date.parse('2027-03-11T00:00:00.000Z');
    const inputs = [...applicationInputs('bjut', 3), at(cmd('SUBMIT_SUMMARY', university('bjut'), { year: 1, summary: annualSummary() }), yearEnd + 20 * DAY)];
    const input: WhatIfInput = { start: startOf('bjut', defaultPolicy), inputs, until: iso(yearEnd + 40 * DAY) };
    const { recorded, candidate, changes } = recordedAndCandidate(input, parsePolicy({ summaryGraceDays: 10 }));
    expect(new Date(approvedAt).toISOString().slice(0, 10)).toBe('2026-03-11');

    expect(recorded.deadlines).toEqual([expect.objectContaining({ key: 'c1:summary1', outcome: 'met', dueAt: iso(yearEnd + 30 * DAY) })]);
    expect(candidate.deadlines).toEqual([expect.objectContaining({ key: 'c1:summary1', outcome: 'missed', dueAt: iso(yearEnd + 10 * DAY) })]);
    // Fired by the simulator at their due times, in due order: the year end, the reminder, the summary's due date.
    expect(candidate.deadlinesFired).toEqual(expect.arrayContaining([yearEndKey(1, 1), summaryDueKey(1, 1)]));
    expect(candidate.deadlinesFired.indexOf(yearEndKey(1, 1))).toBeLessThan(candidate.deadlinesFired.indexOf(summaryDueKey(1, 1)));
    // The late summary is still taken (Art. 18: flagged overdue, never refused).
    expect(candidate.refused).toEqual([]);
    expect(changes).toEqual([{ field: 'deadline', recorded: 'annual summary, cycle 1 year 1 (Art. 18): met', candidate: 'annual summary, cycle 1 year 1 (Art. 18): missed' }]);
  });

  it('Art. 19: a rectification report sent 200 days after the notice meets a 365-day period; under 180 days the deadline fires first, support is stopped and the late report refused', () => {
    const uni = university('bjut');
    // The mid-term after year 2 (the year ends fire by themselves), graded unqualified (Art. 18).
    const m = Date.parse('2028-03-11T00:00:00.000Z') + DAY;
    const panel = experts('tsinghua');
    const assessAt = m + 4 * DAY;
    const inputs = [
      ...applicationInputs('bjut', 3),
      at(cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(40), report: 'Self-evaluation report' }), m),
      at(cmd('RECORD_INSPECTION', commission, { inspectedOn: iso(m).slice(0, 10), inspectors: ['Inspector Liu'], findings: 'Seen' }), m + DAY),
      at(cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: panel }), m + 2 * DAY),
      ...panel.map((e) => at(cmd('SUBMIT_EVALUATION_REVIEW', expertActor(e), { scores: scores(40), opinion: 'Weak' }), m + 3 * DAY)),
      at(cmd('ASSESS', commission, { reason: 'Below the qualified threshold on four dimensions' }), assessAt),
      at(cmd('SUBMIT_RECTIFICATION', uni, { report: 'What we changed' }), assessAt + 200 * DAY),
    ];
    const input: WhatIfInput = { start: startOf('bjut', parsePolicy({ rectificationDays: 365 })), inputs, until: iso(assessAt + 210 * DAY) };
    const { recorded, candidate, changes } = recordedAndCandidate(input, parsePolicy({ rectificationDays: 180 }));

    expect(recorded).toMatchObject({ state: 'building.evaluation.selfEvaluation', supportStopped: null, refused: [] });
    expect(recorded.grades.map((g) => `${g.kind}:${g.grade}`)).toEqual(['midTerm:unqualified']);
    expect(recorded.deadlines.filter((d) => d.what.startsWith('rectification')).map((d) => d.outcome)).toEqual(['met']);

    expect(candidate.state).toBe('supportStopped');
    expect(candidate.supportStopped?.at).toBe(iso(assessAt + 180 * DAY));
    expect(candidate.deadlines.filter((d) => d.what.startsWith('rectification')).map((d) => d.outcome)).toEqual(['missed']);
    expect(candidate.refused).toEqual([expect.objectContaining({ type: 'SUBMIT_RECTIFICATION', reason: 'not-allowed-in-state' })]);
    expect(changes.map((c) => c.field)).toEqual(['deadline', 'supportStopped', 'state', 'refused']);
  });

  it('fires no deadline past the end of the record, and the recorded policy reproduces the recorded path', () => {
    const input: WhatIfInput = { start: startOf('bjut', defaultPolicy), inputs: applicationInputs('bjut', 3), until: iso(T0 + 20 * DAY) };
    const out = simulateCenter(input);
    expect(out.state).toBe('building.running');
    // Six transitions: application, panel, three reviews, approval — and nothing due by day 20 (the year ends in 2027).
    expect(out.transitions).toBe(6);
    expect(out.deadlinesFired).toEqual([]);
  });
});
