/**
 * The five-year build cycle on the pure statechart (Art. 6, 13–19): funding, summaries, evaluations, next cycle.
 */
import { describe, expect, it } from 'vitest';
import { restoreSnapshot, stateName, type CenterSnapshot } from '../../machines/center';
import { defaultPolicy, parsePolicy, type Policy } from '../../machines/policy';
import { centerView } from '../../machines/view';
import { summaryDueKey, yearEndKey } from '../../machines/stages/summaries';
import { advance, send, start } from '../helpers/drive';
import {
  annualSummary,
  application,
  callInfo,
  callView,
  cmd,
  commission,
  expertActor,
  experts,
  guidanceRequest,
  promotionRequest,
  reserveResult,
  scores,
  university,
} from '../helpers/fixtures';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 24 * 3600_000;
const uni = university('bjut');

/** An established center: approved at `approvedAt`. */
function established(approvedAt = iso(T0 + 10 * DAY), policy: Policy = defaultPolicy): CenterSnapshot {
  const call = callInfo(T0, { callId: 'call-2026' });
  let s = start({ policy, centerId: 'bjut.call-2026', workflowId: 'center-bjut', universityId: 'bjut', call: callView(call) });
  s = send(s, cmd('SUBMIT_APPLICATION', uni, { callId: call.callId, application: application('bjut') }), iso(T0 + DAY)).snapshot;
  const panel = experts('pku');
  s = send(s, cmd('ASSIGN_EXPERTS', commission, { experts: panel }), iso(T0 + 2 * DAY)).snapshot;
  for (const e of panel) s = send(s, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'ok' } }), iso(T0 + 3 * DAY)).snapshot;
  return send(s, cmd('APPROVE', commission, {}), approvedAt).snapshot;
}

/** Runs the evaluation sub-process with every expert scoring `score` on each dimension. */
function evaluate(s: CenterSnapshot, at: number, score: number, assess: { grade?: 'excellent' | 'qualified' | 'unqualified'; reason?: string } = {}) {
  s = send(s, cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(score), report: 'Self-evaluation report' }), iso(at)).snapshot;
  s = send(s, cmd('RECORD_INSPECTION', commission, { inspectedOn: iso(at).slice(0, 10), inspectors: ['Inspector Liu'], findings: 'Workplace and records seen' }), iso(at + DAY)).snapshot;
  const panel = experts('tsinghua');
  s = send(s, cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: panel }), iso(at + 2 * DAY)).snapshot;
  for (const e of panel) s = send(s, cmd('SUBMIT_EVALUATION_REVIEW', expertActor(e), { scores: scores(score), opinion: 'Scored' }), iso(at + 3 * DAY)).snapshot;
  return send(s, cmd('ASSESS', commission, assess), iso(at + 4 * DAY));
}

describe('Art. 6 and SPEC §3 "Time": the cycle starts on the approval date; year k ends on the k-th anniversary', () => {
  it('arms five year-end deadlines on the anniversaries of the approval', () => {
    const s = established('2026-03-10T08:00:00.000Z');
    expect(stateName(s)).toBe('building.running');
    const ends = s.context.deadlines.filter((d) => d.kind === 'yearEnd').map((d) => [d.key, d.dueAt]);
    expect(ends).toEqual([1, 2, 3, 4, 5].map((k) => [yearEndKey(1, k), `${2026 + k}-03-10T08:00:00.000Z`]));
  });
});

describe('Art. 13–16: yearly funding', () => {
  it('requests promotion and guidance projects; grants a lower amount with a reason, declines with a reason', () => {
    let s = established();
    const req = send(s, cmd('REQUEST_FUNDING', uni, { request: promotionRequest(500_000_00) }), iso(T0 + 20 * DAY));
    s = req.snapshot;
    expect(req.records.map((r) => r.kind)).toContain('fundingRequest');
    s = send(s, cmd('RECORD_RESULT', uni, { result: reserveResult() }), iso(T0 + 21 * DAY)).snapshot;
    s = send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest() }), iso(T0 + 21 * DAY)).snapshot;
    const [p, g] = s.context.funding;
    expect([p.requestId, p.year, g.requestId]).toEqual(['c1-y1-f1', 1, 'c1-y1-f2']);
    expect(() => send(s, cmd('GRANT_FUNDING', commission, { requestId: p.requestId, amountFen: 400_000_00 }), iso(T0 + 22 * DAY))).toThrow(/needs a reason/);
    expect(() => send(s, cmd('GRANT_FUNDING', commission, { requestId: p.requestId, amountFen: 600_000_00 }), iso(T0 + 22 * DAY))).toThrow(/may not exceed/);
    const grant = send(s, cmd('GRANT_FUNDING', commission, { requestId: p.requestId, amountFen: 400_000_00, reason: 'Budget line 3 not justified' }), iso(T0 + 22 * DAY));
    s = grant.snapshot;
    expect(grant.records).toContainEqual(expect.objectContaining({ kind: 'fundingDecision', status: 'granted', grantedFen: 400_000_00 }));
    s = send(s, cmd('DECLINE_FUNDING', commission, { requestId: g.requestId, reason: 'No enterprise co-funding' }), iso(T0 + 23 * DAY)).snapshot;
    expect(s.context.funding.map((f) => f.status)).toEqual(['granted', 'declined']);
    expect(() => send(s, cmd('GRANT_FUNDING', commission, { requestId: p.requestId, amountFen: 1 , reason: 'again'}), iso(T0 + 24 * DAY))).toThrow(/not-allowed-in-state: .*already granted/);
  });
});

describe('Art. 18: annual summaries, reminders, overdue and escalation', () => {
  it('opens a summary at each year end, due after the grace period; reminds, flags overdue and escalates a missing one', () => {
    let s = established('2026-03-10T00:00:00.000Z');
    const y1 = advance(s, '2027-03-10T00:00:00.000Z');
    s = y1.snapshot;
    const summary = s.context.summaries[0];
    expect(summary).toMatchObject({ cycle: 1, year: 1, status: 'open', dueAt: '2027-04-09T00:00:00.000Z' });
    const late = advance(s, '2027-04-09T00:00:00.000Z');
    s = late.snapshot;
    expect(late.records.filter((r) => r.kind === 'notification').map((r) => r.kind === 'notification' && [r.notice, r.recipientRole])).toEqual([
      ['reminder', 'university'],
      ['overdue', 'university'],
      ['escalation', 'commission'],
    ]);
    expect(s.context.summaries[0]).toMatchObject({ overdue: true, reminders: 1 });
    // Still accepted late: never dropped.
    s = send(s, cmd('SUBMIT_SUMMARY', uni, { year: 1, summary: annualSummary() }), '2027-04-20T00:00:00.000Z').snapshot;
    s = send(s, cmd('RETURN_SUMMARY', commission, { year: 1, reason: 'Spin-off figures missing' }), '2027-04-21T00:00:00.000Z').snapshot;
    s = send(s, cmd('SUBMIT_SUMMARY', uni, { year: 1, summary: annualSummary() }), '2027-04-22T00:00:00.000Z').snapshot;
    s = send(s, cmd('ACCEPT_SUMMARY', commission, { year: 1 }), '2027-04-23T00:00:00.000Z').snapshot;
    expect(s.context.summaries[0]).toMatchObject({ status: 'accepted', submissions: 2, overdue: true });
  });

  it('sends no reminder and no escalation for a summary submitted in time', () => {
    let s = advance(established('2026-03-10T00:00:00.000Z'), '2027-03-10T00:00:00.000Z').snapshot;
    s = send(s, cmd('SUBMIT_SUMMARY', uni, { year: 1, summary: annualSummary() }), '2027-03-15T00:00:00.000Z').snapshot;
    const after = advance(s, '2027-05-01T00:00:00.000Z');
    expect(after.records.filter((r) => r.kind === 'notification')).toEqual([]);
    expect(after.snapshot.context.deadlines.find((d) => d.key === summaryDueKey(1, 1))?.status).toBe('fired');
  });
});

describe('Art. 17–19: mid-term evaluation, acceptance and the next cycle', () => {
  it('starts the mid-term after year 2; qualified continues building; acceptance excellent → cycle 2 at tier A', () => {
    let s = advance(established('2026-03-10T00:00:00.000Z'), '2028-03-10T00:00:00.000Z').snapshot;
    expect(stateName(s)).toBe('building.evaluation.selfEvaluation');
    expect(s.context.evaluation).toMatchObject({ kind: 'midTerm', evaluationId: 'c1-midTerm' });
    const mid = evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 75);
    s = mid.snapshot;
    expect(stateName(s)).toBe('building.running');
    expect(s.context.evaluations.at(-1)).toMatchObject({ kind: 'midTerm', grade: 'qualified', score: 75 });
    s = advance(s, '2031-03-10T00:00:00.000Z').snapshot;
    expect(stateName(s)).toBe('building.evaluation.selfEvaluation');
    expect(s.context.evaluation?.kind).toBe('acceptance');
    const acc = evaluate(s, Date.parse('2031-04-01T00:00:00Z'), 93);
    s = acc.snapshot;
    expect(stateName(s)).toBe('building.running');
    expect(s.context).toMatchObject({ cycle: 2, tier: 'A', yearsEnded: 0, cycleStartAt: '2031-04-05T00:00:00.000Z' });
    expect(acc.records).toContainEqual(expect.objectContaining({ kind: 'cycle', cycle: 2, tier: 'A' }));
    expect(s.context.deadlines.filter((d) => d.kind === 'yearEnd' && d.status === 'pending').map((d) => d.key)).toEqual([1, 2, 3, 4, 5].map((k) => yearEndKey(2, k)));
  });

  it('acceptance qualified → tier B; an override needs a written reason, which is recorded', () => {
    let s = advance(established('2026-03-10T00:00:00.000Z'), '2028-03-10T00:00:00.000Z').snapshot;
    s = evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 80).snapshot;
    s = advance(s, '2031-03-10T00:00:00.000Z').snapshot;
    expect(() => evaluate(s, Date.parse('2031-04-01T00:00:00Z'), 93, { grade: 'qualified' })).toThrow(/needs a written reason/);
    const r = evaluate(s, Date.parse('2031-04-01T00:00:00Z'), 93, { grade: 'qualified', reason: 'Integrity incident of 2030 weighs on the grade' });
    expect(r.snapshot.context).toMatchObject({ cycle: 2, tier: 'B' });
    expect(r.records).toContainEqual(expect.objectContaining({ kind: 'evaluation', computedGrade: 'excellent', grade: 'qualified', overrideReason: 'Integrity incident of 2030 weighs on the grade' }));
  });

  it('refuses funding once the five build years have ended (Art. 13)', () => {
    let s = advance(established('2026-03-10T00:00:00.000Z'), '2028-03-10T00:00:00.000Z').snapshot;
    s = evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 80).snapshot;
    s = advance(s, '2031-03-10T00:00:00.000Z').snapshot;
    expect(() => send(s, cmd('REQUEST_FUNDING', uni, { request: promotionRequest() }), '2031-03-11T00:00:00.000Z')).toThrow(/build years have ended/);
  });
});

describe('Art. 12: integrity incidents', () => {
  it('are recorded by the commission and kept with the center', () => {
    const r = send(established(), cmd('RECORD_INTEGRITY_INCIDENT', commission, { incident: { occurredOn: '2026-05-01', category: 'credit', description: 'False figures in a report' } }), iso(T0 + 40 * DAY));
    expect(r.snapshot.context.incidents).toHaveLength(1);
    expect(r.records).toContainEqual(expect.objectContaining({ kind: 'integrityIncident', incidentId: 'incident-1' }));
  });

  const incident = (severity: 'minor' | 'serious' | 'severe', occurredOn = '2027-06-01') =>
    cmd('RECORD_INTEGRITY_INCIDENT', commission, { incident: { occurredOn, category: 'credit', severity, description: 'A licence figure overstated in a summary' } });
  /** At the mid-term, with the incidents recorded in year 2, every expert scoring 95 (computed: excellent). */
  const atMidTerm = (severities: ('minor' | 'serious' | 'severe')[], policy: Policy = defaultPolicy) => {
    let s = established('2026-03-10T00:00:00.000Z', policy);
    for (const sev of severities) s = send(s, incident(sev), '2027-06-02T00:00:00.000Z').snapshot;
    return advance(s, '2028-03-10T00:00:00.000Z').snapshot;
  };

  it('a severe incident in the cycle makes an "excellent" grade need a written reason, even when the scores compute it', () => {
    const s = atMidTerm(['minor', 'severe']);
    expect(() => evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 95)).toThrow(
      /^invalid-input: Cannot assess: grading "excellent" a center with a severe integrity incident in this cycle \(incident-2, 2027-06-01\) needs a written reason \(Art\. 12\)\.$/,
    );
    const graded = evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 95, { reason: 'The incident was corrected within a month and reported openly' }).snapshot;
    expect(graded.context.evaluations.at(-1)).toMatchObject({ grade: 'excellent' });
    // Without the override reason the commission may still grade it qualified.
    expect(evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 95, { grade: 'qualified', reason: 'A severe integrity incident in year 2' }).snapshot.context.evaluations.at(-1)).toMatchObject({ grade: 'qualified' });
  });

  it('minor and serious incidents, and a policy that does not ask for it, grade "excellent" with no reason', () => {
    expect(evaluate(atMidTerm(['minor', 'serious']), Date.parse('2028-04-01T00:00:00Z'), 95).snapshot.context.evaluations.at(-1)).toMatchObject({ grade: 'excellent' });
    const lenient = atMidTerm(['severe'], parsePolicy({ severeIncidentExcellentNeedsReason: false }));
    expect(evaluate(lenient, Date.parse('2028-04-01T00:00:00Z'), 95).snapshot.context.evaluations.at(-1)).toMatchObject({ grade: 'excellent' });
  });

  it('an incident without a severity (as recorded before severities existed) counts as minor', () => {
    let s = established('2026-03-10T00:00:00.000Z');
    s = send(s, cmd('RECORD_INTEGRITY_INCIDENT', commission, { incident: { occurredOn: '2027-06-01', category: 'credit', description: 'No severity given' } }), '2027-06-02T00:00:00.000Z').snapshot;
    s = advance(s, '2028-03-10T00:00:00.000Z').snapshot;
    expect(evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 95).snapshot.context.evaluations.at(-1)).toMatchObject({ grade: 'excellent' });
  });
});

describe('Art. 19: unqualified → notice, rectification, re-evaluation', () => {
  it('mid-term unqualified publishes a notice, suspends funding, and a passed re-evaluation resumes building', () => {
    let s = advance(established('2026-03-10T00:00:00.000Z'), '2027-03-10T00:00:00.000Z').snapshot;
    s = send(s, cmd('REQUEST_FUNDING', uni, { request: promotionRequest() }), '2027-03-11T00:00:00.000Z').snapshot;
    s = advance(s, '2028-03-10T00:00:00.000Z').snapshot;
    expect(() => evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 50)).toThrow(/give a reason/);
    const failed = evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 50, { reason: 'IP management not running' });
    s = failed.snapshot;
    expect(stateName(s)).toBe('building.rectification');
    expect(failed.records).toContainEqual(expect.objectContaining({ kind: 'notice', grade: 'unqualified', reasons: 'IP management not running' }));
    expect(s.context.funding[0].status).toBe('held');
    expect(() => send(s, cmd('GRANT_FUNDING', commission, { requestId: 'c1-y2-f1', amountFen: promotionRequest().amountFen }), '2028-04-06T00:00:00.000Z')).toThrow(/^suspended/);
    expect(() => send(s, cmd('REQUEST_FUNDING', uni, { request: promotionRequest() }), '2028-04-06T00:00:00.000Z')).toThrow(/^suspended/);
    s = send(s, cmd('SUBMIT_RECTIFICATION', uni, { report: 'IP office staffed and running' }), '2028-06-01T00:00:00.000Z').snapshot;
    expect(s.context.evaluation).toMatchObject({ kind: 'reEvaluation', repeats: 'midTerm' });
    s = evaluate(s, Date.parse('2028-07-01T00:00:00Z'), 70).snapshot;
    expect(stateName(s)).toBe('building.running');
    expect(s.context.rectification).toBeNull();
    expect(s.context.funding[0].status).toBe('pending');
  });

  it('a missed rectification deadline stops support: final, pending funding cancelled', () => {
    let s = advance(established('2026-03-10T00:00:00.000Z'), '2028-03-10T00:00:00.000Z').snapshot;
    s = evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 40, { reason: 'No transfer activity' }).snapshot;
    const dueAt = s.context.rectification!.dueAt;
    expect(dueAt).toBe(new Date(Date.parse('2028-04-05T00:00:00Z') + defaultPolicy.rectificationDays * DAY).toISOString());
    const stopped = advance(s, dueAt);
    expect(stateName(stopped.snapshot)).toBe('supportStopped');
    expect(stopped.snapshot.status).toBe('done');
    expect(stopped.records).toContainEqual(expect.objectContaining({ kind: 'rectification', status: 'lapsed' }));
    expect(stopped.records).toContainEqual(expect.objectContaining({ kind: 'supportStopped' }));
  });
});

describe('Art. 19: the commission stops support (STOP_SUPPORT) only after a missed rectification deadline', () => {
  const rectifying = () => {
    const s = advance(established('2026-03-10T00:00:00.000Z'), '2028-03-10T00:00:00.000Z').snapshot;
    return evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 40, { reason: 'No transfer activity' }).snapshot;
  };
  const stop = cmd('STOP_SUPPORT', commission, { reason: 'No rectification report by the deadline' });

  it('is refused, with the reason in words, while the deadline has not passed; and refused to a university', () => {
    const s = rectifying();
    const before = iso(Date.parse(s.context.rectification!.dueAt) - DAY);
    expect(() => send(s, stop, before)).toThrow(/^not-allowed-in-state: The rectification deadline .* has not passed: support stops only after a failed re-evaluation or a missed deadline \(Art\. 19\)/);
    expect(() => send(s, cmd('STOP_SUPPORT', uni, { reason: 'We give up' }), before)).toThrow(/^forbidden-role/);
  });

  it("stops support once the deadline has passed (before its timer fires): final, with the commission's reason, funding cancelled", () => {
    let s = rectifying();
    const after = iso(Date.parse(s.context.rectification!.dueAt) + 60_000);
    const stopped = send(s, stop, after);
    s = stopped.snapshot;
    expect(stateName(s)).toBe('supportStopped');
    expect(s.status).toBe('done');
    expect(s.context.supportStopped!.reason).toMatch(/passed with no rectification report: No rectification report by the deadline$/);
    expect(stopped.records).toContainEqual(expect.objectContaining({ kind: 'rectification', status: 'lapsed', closedAt: after }));
    expect(stopped.records).toContainEqual(expect.objectContaining({ kind: 'supportStopped', stoppedAt: after }));
    expect(s.context.deadlines.filter((d) => d.status === 'pending')).toEqual([]);
  });
});

describe('Art. 6, 8(7): director and staff changes are recorded events', () => {
  it('records a new director, and a staff change that falls below the minimum is flagged', () => {
    let s = established();
    expect(s.context.director?.name).toBe('Wang Li');
    const d = send(s, cmd('RECORD_DIRECTOR_CHANGE', uni, { director: { name: 'Zhou Min', title: 'Director', department: 'Office of Technology Transfer' }, effectiveOn: '2026-06-01', reason: 'Wang Li retired' }), iso(T0 + 60 * DAY));
    s = d.snapshot;
    expect(s.context.director?.name).toBe('Zhou Min');
    expect(d.records).toContainEqual(expect.objectContaining({ kind: 'organisationChange', change: 'director', changeId: 'org-1', belowStaffMinimum: false }));
    const staff = s.context.staff.slice(0, 2);
    const c = send(s, cmd('RECORD_STAFF_CHANGE', uni, { staff, effectiveOn: '2026-07-01', reason: 'Sun Mei left' }), iso(T0 + 70 * DAY));
    expect(c.records).toContainEqual(expect.objectContaining({ kind: 'organisationChange', change: 'staff', changeId: 'org-2', belowStaffMinimum: true }));
    expect(() => send(c.snapshot, cmd('RECORD_STAFF_CHANGE', university('pku'), { staff, effectiveOn: '2026-07-01', reason: 'Not ours to say' }), iso(T0 + 71 * DAY))).toThrow(/^wrong-organisation/);
  });
});

describe('SPEC §3 "Next cycle": a snapshot carried across continue-as-new', () => {
  it('is restored to the same state and context, and one from older code gets defaults for newer fields', () => {
    const s = advance(established('2026-03-10T00:00:00.000Z'), '2027-03-10T00:00:00.000Z').snapshot;
    const persisted = JSON.parse(JSON.stringify({ value: s.value, context: s.context }));
    const restored = restoreSnapshot(persisted);
    expect(stateName(restored)).toBe(stateName(s));
    expect(restored.context).toEqual(s.context);
    const { director: _d, staff: _s, organisationChanges: _o, ...older } = persisted.context;
    const upgraded = restoreSnapshot({ value: persisted.value, context: older });
    expect(upgraded.context).toMatchObject({ director: null, staff: [], organisationChanges: 0 });
    expect(() => send(upgraded, cmd('RECORD_STAFF_CHANGE', uni, { staff: [], effectiveOn: '2027-04-01', reason: 'All staff left' }), '2027-04-02T00:00:00.000Z')).not.toThrow();
  });
});

describe('Art. 19 分级给予支持: the tier sets the yearly funding ceiling per project kind', () => {
  const policy = parsePolicy({
    fundingCeilingsFen: { untiered: { promotion: 1_000_000_00, guidance: 800_000_00 }, A: { promotion: 3_000_000_00, guidance: 2_000_000_00 }, B: { promotion: 1_000_000_00, guidance: 800_000_00 } },
  });
  const grant = (s: CenterSnapshot, requestId: string, amountFen: number, at: number, reason?: string) =>
    send(s, cmd('GRANT_FUNDING', commission, { requestId, amountFen, ...(reason ? { reason } : {}) }), iso(at)).snapshot;
  let results = 0;
  const request = (s: CenterSnapshot, amountFen: number, at: number, kind: 'promotion' | 'guidance' = 'promotion') => {
    if (kind === 'promotion') return send(s, cmd('REQUEST_FUNDING', uni, { request: promotionRequest(amountFen) }), iso(at)).snapshot;
    // Art. 15: each guidance project transfers its own result of the reserve.
    const resultId = `p-${++results}`;
    s = send(s, cmd('RECORD_RESULT', uni, { result: reserveResult(resultId) }), iso(at)).snapshot;
    return send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(amountFen, [resultId]) }), iso(at)).snapshot;
  };

  it("in the first cycle (no tier yet) the year's grants of one kind stop at the untiered ceiling; the other kind and the next year have their own", () => {
    let s = established(iso(T0 + 10 * DAY), policy);
    s = request(s, 700_000_00, T0 + 20 * DAY);
    s = request(s, 500_000_00, T0 + 21 * DAY);
    s = request(s, 800_000_00, T0 + 22 * DAY, 'guidance');
    s = grant(s, 'c1-y1-f1', 700_000_00, T0 + 23 * DAY);
    // 700,000 + 500,000 yuan > 1,000,000 yuan: refused, naming the tier, the ceiling and what is left.
    expect(() => grant(s, 'c1-y1-f2', 500_000_00, T0 + 24 * DAY)).toThrow(
      /^over-ceiling: The promotion grants of cycle 1 year 1 would reach 120000000 fen \(1,200,000 yuan\), over the ceiling of 100000000 fen \(1,000,000 yuan\) for the first cycle \(no tier yet\) \(Art\. 19\); at most 30000000 fen can still be granted this year\.$/,
    );
    // What is left of the ceiling can still be granted (less than requested, so with a reason).
    s = grant(s, 'c1-y1-f2', 300_000_00, T0 + 24 * DAY, 'The rest of the year 1 promotion ceiling');
    // Guidance projects have their own ceiling: the whole 800,000 yuan fits.
    s = grant(s, 'c1-y1-f3', 800_000_00, T0 + 25 * DAY);
    expect(s.context.funding.map((f) => [f.requestId, f.status, f.grantedFen])).toEqual([
      ['c1-y1-f1', 'granted', 700_000_00],
      ['c1-y1-f2', 'granted', 300_000_00],
      ['c1-y1-f3', 'granted', 800_000_00],
    ]);
    // The view tells the commission what is granted and what the ceiling is, for the year under way.
    expect(centerView(s, 0).fundingYear).toEqual({
      cycle: 1,
      year: 1,
      tier: null,
      kinds: { promotion: { grantedFen: 1_000_000_00, ceilingFen: 1_000_000_00 }, guidance: { grantedFen: 800_000_00, ceilingFen: 800_000_00 } },
    });
    // Year 2 starts afresh.
    s = advance(s, '2027-03-12T00:00:00.000Z').snapshot;
    expect(centerView(s, 0).fundingYear?.kinds.promotion).toEqual({ grantedFen: 0, ceilingFen: 1_000_000_00 });
    s = request(s, 1_000_000_00, Date.parse('2027-03-13T00:00:00Z'));
    s = grant(s, 'c1-y2-f1', 1_000_000_00, Date.parse('2027-03-14T00:00:00Z'));
    expect(s.context.funding.at(-1)).toMatchObject({ requestId: 'c1-y2-f1', status: 'granted', grantedFen: 1_000_000_00 });
  });

  it('a mid-term graded excellent moves the center to tier A for the rest of the cycle: a grant refused before is within the new ceiling', () => {
    let s = advance(established('2026-03-10T00:00:00.000Z', policy), '2028-03-10T00:00:00.000Z').snapshot;
    s = request(s, 2_000_000_00, Date.parse('2028-03-11T00:00:00Z'));
    expect(() => grant(s, 'c1-y3-f1', 2_000_000_00, Date.parse('2028-03-12T00:00:00Z'))).toThrow(/^over-ceiling: .* for the first cycle \(no tier yet\)/);
    s = evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 95).snapshot;
    expect(s.context).toMatchObject({ tier: 'A', cycle: 1 });
    s = grant(s, 'c1-y3-f1', 2_000_000_00, Date.parse('2028-04-10T00:00:00Z'));
    expect(s.context.funding.at(-1)).toMatchObject({ status: 'granted', grantedFen: 2_000_000_00 });
    // Tier A's own ceiling still holds.
    s = request(s, 1_500_000_00, Date.parse('2028-04-11T00:00:00Z'));
    expect(() => grant(s, 'c1-y3-f2', 1_500_000_00, Date.parse('2028-04-12T00:00:00Z'))).toThrow(/^over-ceiling: .*over the ceiling of 300000000 fen \(3,000,000 yuan\) for tier A/);
  });

  it('the next cycle starts with the tier its acceptance earned, whatever the mid-term gave (excellent mid-term, qualified acceptance → B)', () => {
    let s = advance(established('2026-03-10T00:00:00.000Z', policy), '2028-03-10T00:00:00.000Z').snapshot;
    s = evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 95).snapshot;
    expect(s.context.tier).toBe('A');
    s = advance(s, '2031-03-10T00:00:00.000Z').snapshot;
    const acc = evaluate(s, Date.parse('2031-04-01T00:00:00Z'), 75);
    expect(acc.snapshot.context).toMatchObject({ cycle: 2, tier: 'B' });
    expect(acc.records).toContainEqual(expect.objectContaining({ kind: 'cycle', cycle: 2, tier: 'B' }));
    s = request(acc.snapshot, 1_200_000_00, Date.parse('2031-04-10T00:00:00Z'));
    expect(() => grant(s, 'c2-y1-f1', 1_200_000_00, Date.parse('2031-04-11T00:00:00Z'))).toThrow(/^over-ceiling: .*for tier B/);
  });

  it('with midTermSetsTier false the mid-term leaves the tier as the cycle started', () => {
    const s = advance(established('2026-03-10T00:00:00.000Z', { ...policy, midTermSetsTier: false }), '2028-03-10T00:00:00.000Z').snapshot;
    expect(evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 95).snapshot.context.tier).toBeNull();
  });

  it('a center started before the ceilings existed (its policy has none) keeps the rules it started under: no ceiling, no mid-term tier', () => {
    const { fundingCeilingsFen: _c, midTermSetsTier: _m, ...older } = defaultPolicy;
    let s = established(iso(T0 + 10 * DAY), older as typeof defaultPolicy);
    s = request(s, 9_000_000_00, T0 + 20 * DAY);
    s = grant(s, 'c1-y1-f1', 9_000_000_00, T0 + 21 * DAY);
    expect(s.context.funding[0]).toMatchObject({ status: 'granted', grantedFen: 9_000_000_00 });
  });

  it('the policy refuses a tier A ceiling below tier B (Art. 19: excellent is supported at least as much)', () => {
    expect(() => parsePolicy({ fundingCeilingsFen: { A: { promotion: 1 } } })).toThrow(/tier A \(excellent\) must be supported at least as much as tier B/);
  });
});

describe("Art. 18–19: the shortest reason that overrides a grade is the policy's (minReasonLength)", () => {
  it('a reason shorter than the policy asks is refused; one as long is accepted', () => {
    const policy = parsePolicy({ minReasonLength: 12 });
    const s = advance(established('2026-03-10T00:00:00.000Z', policy), '2028-03-10T00:00:00.000Z').snapshot;
    expect(() => evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 75, { grade: 'excellent', reason: 'Strong year' })).toThrow(/needs a written reason \(Art\. 18\)/);
    expect(evaluate(s, Date.parse('2028-04-01T00:00:00Z'), 75, { grade: 'excellent', reason: 'Strong year 3' }).snapshot.context.evaluations.at(-1)).toMatchObject({ grade: 'excellent' });
  });
});
