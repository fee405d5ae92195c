/**
 * Art. 9 择优批复立项 ("approve the best"), pure: the rubric's weighted score of a review, the panel's aggregate and
 * spread, the ranking of a call's applicants and the decision of a call, and the reason an approval against the
 * panel needs.
 */
import { describe, expect, it } from 'vitest';
import { stateName } from '../../machines/center';
import { centerView } from '../../machines/view';
import { defaultPolicy, parsePolicy, type Policy } from '../../machines/policy';
import { panelOf, planDecision, rankApplicants, reviewScore, type Applicant } from '../../machines/stages/selection';
import { cmd, expertActor } from '../helpers/fixtures';
import { approve, assign, awaitingDecision, DAY, ESTABLISHED, expectRefused, inReview, iso, PANEL, review, send, start, submit } from './drive';
import type { Expert } from '../../machines/domain';

const RUBRIC = defaultPolicy.applicationRubric;
const all = (v: number) => Object.fromEntries(Object.keys(RUBRIC).map((d) => [d, v]));
const scored = (e: Expert, scores: Record<string, number>, recommendation: 'approve' | 'reject' = 'approve') =>
  cmd('SUBMIT_REVIEW', expertActor(e), { review: { scores, recommendation, opinion: `Opinion of ${e.id}` } });

describe('Art. 9 — the application rubric (policy applicationRubric)', () => {
  it('defaults to the seven conditions of Art. 8, weights adding up to 1; a rubric whose weights do not is refused', () => {
    expect(Object.keys(RUBRIC)).toEqual(['reformIntegration', 'policies', 'mechanisms', 'transferRecord', 'support', 'workplace', 'staff']);
    expect(Object.values(RUBRIC).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(() => parsePolicy({ applicationRubric: { merit: 0.5, impact: 0.4 } })).toThrow(/rubric weights must add up to 1/);
    expect(parsePolicy({ applicationRubric: { merit: 0.6, impact: 0.4 } }).applicationRubric).toEqual({ merit: 0.6, impact: 0.4 });
  });

  it("a review's score is the weighted sum of its dimension scores; a review with one score keeps it", () => {
    expect(reviewScore({ scores: { ...all(80), transferRecord: 100 }, recommendation: 'approve', opinion: 'x' }, RUBRIC)).toBe(85);
    expect(reviewScore({ score: 72, recommendation: 'approve', opinion: 'x' }, RUBRIC)).toBe(72);
  });

  it('SUBMIT_REVIEW with dimension scores records the computed score and the scores', () => {
    const s = send(inReview(), scored(PANEL[0]!, { ...all(80), transferRecord: 100 }), iso(3 * DAY));
    expect(s.context.reviews[PANEL[0]!.id]).toMatchObject({ score: 85, scores: { transferRecord: 100, staff: 80 } });
  });

  it('SUBMIT_REVIEW refuses scores that miss or add a dimension of the rubric, and a review with both score and scores', () => {
    const { staff: _omitted, ...missing } = all(80);
    expectRefused(inReview(), scored(PANEL[0]!, missing), 'invalid-input', /missing: staff/);
    expectRefused(inReview(), scored(PANEL[0]!, { ...all(80), charm: 90 }), 'invalid-input', /not in the rubric: charm/);
    expectRefused(inReview(), cmd('SUBMIT_REVIEW', expertActor(PANEL[0]!), { review: { score: 80, scores: all(80), recommendation: 'approve', opinion: 'x' } } as never), 'invalid-input', /either score .* or scores/);
  });

  it("the center's view shows the panel's aggregate: the mean score and the spread (max − min)", () => {
    let s = inReview();
    s = send(s, review(PANEL[0]!, 90), iso(3 * DAY));
    s = send(s, review(PANEL[1]!, 70, 'reject'), iso(3 * DAY));
    s = send(s, scored(PANEL[2]!, all(80)), iso(3 * DAY));
    expect(centerView(s, 0).panel).toEqual({ reviews: 3, score: 80, spread: 20, min: 70, max: 90, approve: 2, reject: 1 });
    expect(panelOf([])).toBeNull();
  });
});

describe('Art. 9 — an approval against the panel needs a reason', () => {
  const rejectedByPanel = (policy: Policy = defaultPolicy) => {
    let s = send(send(start({ policy }), submit()), assign(PANEL), iso(2 * DAY));
    s = send(s, review(PANEL[0]!, 50, 'reject'), iso(3 * DAY));
    s = send(s, review(PANEL[1]!, 55, 'reject'), iso(3 * DAY));
    return send(s, review(PANEL[2]!, 80), iso(3 * DAY));
  };

  it('APPROVE of an application most of whose panel recommends rejecting it is refused without a reason, accepted with one', () => {
    const s = rejectedByPanel();
    expectRefused(s, cmd('APPROVE', approve().actor, {}), 'invalid-input', /2 of the 3 experts recommend rejecting "bjut".*needs a reason/);
    expectRefused(s, approve(undefined, '  '), 'invalid-input', /needs a reason/);
    expect(stateName(send(s, approve(undefined, 'Art. 9: the only application from the north'), iso(10 * DAY)))).toBe(ESTABLISHED);
  });

  it('APPROVE needs no reason when the panel recommends approval, nor for a center started before the rule', () => {
    expect(stateName(send(awaitingDecision(), cmd('APPROVE', approve().actor, {}), iso(10 * DAY)))).toBe(ESTABLISHED);
    const { approvalAgainstPanelNeedsReason: _absent, ...before } = defaultPolicy;
    expect(stateName(send(rejectedByPanel(before as Policy), cmd('APPROVE', approve().actor, {}), iso(10 * DAY)))).toBe(ESTABLISHED);
  });
});

const applicant = (universityId: string, score: number, approve = 3): Applicant => ({
  centerId: `${universityId}.call-2026`,
  universityId,
  panel: { reviews: 3, score, spread: 10, min: score - 5, max: score + 5, approve, reject: 3 - approve },
});
const FIVE = [applicant('pku', 78), applicant('bjut', 91), applicant('buaa', 84), applicant('ruc', 84, 2), applicant('bnu', 66, 1)];

describe('Art. 9 — ranking a call and deciding it within the quota', () => {
  it('ranks by the panel score, ties by more approve recommendations, then by university id', () => {
    expect(rankApplicants(FIVE).map((r) => [r.rank, r.universityId])).toEqual([[1, 'bjut'], [2, 'buaa'], [3, 'ruc'], [4, 'pku'], [5, 'bnu']]);
    expect(rankApplicants([applicant('b', 80), applicant('a', 80)]).map((r) => r.universityId)).toEqual(['a', 'b']);
  });

  it('a closed call of five and a quota of three: the three best approved, the two others rejected with their rank as reason', () => {
    const plan = planDecision(rankApplicants(FIVE), { openSlots: 3, quota: 3, callOpen: false });
    expect(plan.map((p) => [p.universityId, p.verdict])).toEqual([['bjut', 'approve'], ['buaa', 'approve'], ['ruc', 'approve'], ['pku', 'reject'], ['bnu', 'reject']]);
    expect(plan[3]!.reason).toBe('Art. 9: ranked 4 of 5 (score 78, spread 10), below the quota of 3');
    expect(plan.every((p) => !p.departure)).toBe(true);
  });

  it('while the call is open, those below the line are kept waiting; slots already used count', () => {
    const plan = planDecision(rankApplicants(FIVE), { openSlots: 1, quota: 3, callOpen: true });
    expect(plan.map((p) => p.verdict)).toEqual(['approve', 'wait', 'wait', 'wait', 'wait']);
    expect(plan[0]!.reason).toBe('Art. 9: ranked 1 of 5 awaiting a decision, 2 already approved (score 91, spread 10), within the quota of 3');
  });

  it('a departure approving the fourth takes the third slot; its reason is recorded, and the displaced third is rejected', () => {
    const plan = planDecision(rankApplicants(FIVE), { openSlots: 3, quota: 3, callOpen: false, departures: [{ universityId: 'pku', verdict: 'approve', reason: 'Only applicant with a medical-device pipeline' }] });
    expect(plan.map((p) => [p.universityId, p.verdict, p.departure])).toEqual([
      ['bjut', 'approve', false],
      ['buaa', 'approve', false],
      ['ruc', 'reject', false],
      ['pku', 'approve', true],
      ['bnu', 'reject', false],
    ]);
    expect(plan[3]!.reason).toBe('Art. 9: ranked 4 of 5 (score 78, spread 10); decided against the ranking: Only applicant with a medical-device pipeline');
    expect(plan[2]!.reason).toMatch(/its slot taken by a decision against the ranking/);
  });

  it('refuses a departure without a reason, naming no applicant awaiting a decision, or approving beyond the open slots', () => {
    const ranked = rankApplicants(FIVE);
    expect(() => planDecision(ranked, { openSlots: 3, quota: 3, callOpen: false, departures: [{ universityId: 'pku', verdict: 'approve', reason: '' }] })).toThrow(/needs a reason/);
    expect(() => planDecision(ranked, { openSlots: 3, quota: 3, callOpen: false, departures: [{ universityId: 'tsinghua', verdict: 'reject', reason: 'Not an applicant' }] })).toThrow(/no applicant .* "tsinghua"/);
    expect(() => planDecision(ranked, { openSlots: 1, quota: 3, callOpen: false, departures: ['pku', 'bnu'].map((u) => ({ universityId: u, verdict: 'approve' as const, reason: 'Regional balance' })) })).toThrow(/raise the quota first/);
  });
});
