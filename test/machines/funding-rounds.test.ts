/**
 * Art. 13 择优, 14–15, 19, pure: a yearly funding round — submissions within the window, a guidance request carrying
 * external opinions and reserve entries, scores on the kind's rubric, the ranking, the decision within the budget
 * and the tier ceilings with one departure and its reason, and the budget reserved one grant at a time.
 */
import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../../machines/policy';
import {
  checkScore,
  checkSubmission,
  newRoundState,
  planRound,
  rankRound,
  requestKey,
  reserveBudget,
  RoundDecisionError,
  weightedScore,
  type FundingRound,
  type RoundState,
  type RoundSubmission,
} from '../../machines/funding-rounds';

const ROUND: FundingRound = { roundId: 'r2026', title: 'Funding round 2026', year: 2026, opensAt: '2026-03-01T00:00:00.000Z', closesAt: '2026-04-01T00:00:00.000Z', budgetFen: { promotion: 300_000_00, guidance: 200_000_00 } };
const IN = '2026-03-10T00:00:00.000Z';
const RUBRICS = defaultPolicy.roundRubrics;
const sub = (centerId: string, requestId: string, amountFen: number, over: Partial<RoundSubmission> = {}): RoundSubmission => ({
  centerId,
  requestId,
  kind: 'promotion',
  title: `${centerId} ${requestId}`,
  amountFen,
  opinions: 0,
  reserveEntries: [],
  ceilingLeftFen: null,
  ...over,
});
const all = (kind: 'promotion' | 'guidance', v: number) => Object.fromEntries(Object.keys(RUBRICS[kind]).map((d) => [d, v]));

function roundOf(subs: [RoundSubmission, number][]): RoundState {
  const state = newRoundState(ROUND, RUBRICS);
  for (const [s, score] of subs) {
    expect(checkSubmission(state, s, IN)).toBeNull();
    state.submissions.push({ ...s, submittedAt: IN });
    const scores = all(s.kind, score);
    state.scores[requestKey(s)] = { e1: { scores, score: weightedScore(RUBRICS[s.kind], scores) } };
  }
  return state;
}

describe('Art. 13–15 — the round rubrics (policy roundRubrics)', () => {
  it('default to the tasks of Art. 14 and the opinions of Art. 15, weights adding up to 1; weights that do not are refused', () => {
    for (const kind of ['promotion', 'guidance'] as const) expect(Object.values(RUBRICS[kind]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(RUBRICS.guidance).toHaveProperty('externalOpinions');
    expect(() => parsePolicy({ roundRubrics: { promotion: { merit: 0.5 } } })).toThrow(/rubric weights must add up to 1/);
  });
  it('a score misses or adds a dimension: refused', () => {
    const state = roundOf([[sub('a', 'c1-y1-f1', 100_00), 80]]);
    const { services: _s, ...missing } = all('promotion', 80);
    expect(checkScore(state, { requestKey: 'a/c1-y1-f1', expertId: 'e2', scores: missing })).toMatchObject({ reason: 'invalid-input', message: expect.stringMatching(/missing: services/) });
    expect(checkScore(state, { requestKey: 'a/c1-y1-f1', expertId: 'e2', scores: { ...all('promotion', 80), charm: 1 } })?.message).toMatch(/not in the rubric: charm/);
  });
});

describe('Art. 13, 15 — submitting into a round', () => {
  it('refuses a guidance request without external opinions or without reserve entries, and one outside the window', () => {
    const state = newRoundState(ROUND, RUBRICS);
    expect(checkSubmission(state, sub('a', 'f1', 100_00, { kind: 'guidance', reserveEntries: ['p1'] }), IN)).toMatchObject({ reason: 'invalid-input', message: expect.stringMatching(/opinions of professional bodies and enterprises \(Art\. 15\).*carries none/) });
    expect(checkSubmission(state, sub('a', 'f1', 100_00, { kind: 'guidance', opinions: 2 }), IN)).toMatchObject({ reason: 'invalid-input', message: expect.stringMatching(/names no reserve entry/) });
    expect(checkSubmission(state, sub('a', 'f1', 100_00, { kind: 'guidance', opinions: 2, reserveEntries: ['p1'] }), IN)).toBeNull();
    expect(checkSubmission(state, sub('a', 'f1', 100_00), '2026-04-01T00:00:00.000Z')).toMatchObject({ reason: 'deadline-passed' });
    expect(checkSubmission(state, sub('a', 'f1', 100_00), '2026-02-01T00:00:00.000Z')).toMatchObject({ reason: 'not-allowed-in-state' });
  });
});

describe('Art. 13 择优 — ranking and the decision of a round', () => {
  // Six promotion requests of four centers, 100 000 yuan each, a budget of 300 000 yuan: three fit.
  const six = () =>
    roundOf([
      [sub('bjut', 'c1-y1-f1', 100_000_00), 70],
      [sub('pku', 'c1-y1-f1', 100_000_00), 90],
      [sub('pku', 'c1-y1-f2', 100_000_00), 60],
      [sub('thu', 'c1-y1-f1', 100_000_00), 85],
      [sub('ustb', 'c1-y1-f1', 100_000_00), 80],
      [sub('ustb', 'c1-y1-f2', 100_000_00), 80],
    ]);

  it('ranks by score, ties by the smaller amount then by center and id', () => {
    expect(rankRound(six()).promotion.map((r) => [r.rank, r.key, r.score])).toEqual([
      [1, 'pku/c1-y1-f1', 90],
      [2, 'thu/c1-y1-f1', 85],
      [3, 'ustb/c1-y1-f1', 80],
      [4, 'ustb/c1-y1-f2', 80],
      [5, 'bjut/c1-y1-f1', 70],
      [6, 'pku/c1-y1-f2', 60],
    ]);
  });

  it('grants the best within the budget and declines the rest naming rank and budget; a departure takes its reason', () => {
    const plan = planRound(six(), { departures: [{ requestKey: 'bjut/c1-y1-f1', verdict: 'grant', reason: 'The only center serving the southern districts' }] });
    const granted = plan.filter((p) => p.verdict === 'grant');
    expect(granted.map((p) => p.key)).toEqual(['pku/c1-y1-f1', 'thu/c1-y1-f1', 'bjut/c1-y1-f1']);
    expect(granted.reduce((a, p) => a + p.amountFen, 0)).toBe(300_000_00);
    expect(plan.find((p) => p.key === 'bjut/c1-y1-f1')).toMatchObject({ departure: true, reason: expect.stringMatching(/ranked 5 of 6 .*against the ranking: The only center serving/) });
    expect(plan.find((p) => p.key === 'ustb/c1-y1-f1')).toMatchObject({ verdict: 'decline', departure: false, reason: expect.stringMatching(/ranked 3 of 6 .*its place taken by a decision against the ranking; the 10000000 fen requested exceed the 0 fen left of the round's promotion budget of 30000000 fen/) });
    expect(plan.find((p) => p.key === 'ustb/c1-y1-f2')!.reason).not.toMatch(/place taken/);
  });

  it("declines a request over its center's tier ceiling and gives its place to the next", () => {
    const state = six();
    state.submissions.find((s) => s.centerId === 'thu')!.ceilingLeftFen = 50_000_00;
    const plan = planRound(state);
    expect(plan.filter((p) => p.verdict === 'grant').map((p) => p.key)).toEqual(['pku/c1-y1-f1', 'ustb/c1-y1-f1', 'ustb/c1-y1-f2']);
    expect(plan.find((p) => p.key === 'thu/c1-y1-f1')!.reason).toMatch(/Art\. 13, 19: ranked 2 of 6.*tier still allows/);
  });

  it('refuses a departure without a reason, one naming no request, and an unscored request', () => {
    expect(() => planRound(six(), { departures: [{ requestKey: 'bjut/c1-y1-f1', verdict: 'grant', reason: ' ' }] })).toThrow(RoundDecisionError);
    expect(() => planRound(six(), { departures: [{ requestKey: 'nobody/x', verdict: 'grant', reason: 'Because' }] })).toThrow(/no request of round/);
    const state = six();
    delete state.scores['pku/c1-y1-f2'];
    expect(() => planRound(state)).toThrow(/Not scored yet: pku\/c1-y1-f2/);
  });

  it('reserves the budget one grant at a time: the last of it goes to one request, the other is refused naming the budget', () => {
    const state = six();
    expect(reserveBudget(state, 'pku/c1-y1-f1', 100_000_00, 'r', false, IN).granted).toBe(true);
    expect(reserveBudget(state, 'thu/c1-y1-f1', 100_000_00, 'r', false, IN).granted).toBe(true);
    state.round = { ...state.round, budgetFen: { ...state.round.budgetFen, promotion: 250_000_00 } };
    const last = reserveBudget(state, 'ustb/c1-y1-f1', 100_000_00, 'r', false, IN);
    expect(last).toMatchObject({ granted: false, committedFen: 200_000_00, message: expect.stringMatching(/has 5000000 fen .* left of its promotion budget of 25000000 fen/) });
    // A retry of a grant is answered as before, counted once.
    expect(reserveBudget(state, 'pku/c1-y1-f1', 100_000_00, 'r', false, IN)).toMatchObject({ granted: true, committedFen: 200_000_00 });
  });
});
