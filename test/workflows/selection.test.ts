/**
 * Art. 9 择优批复立项 on a real Temporal server (the time-skipping test server) with a real SQLite file: a call of
 * five eligible applicants and a quota of three, each reviewed on the commission's rubric (policy
 * applicationRubric), the window closed by skipping time, then decided by ranking (client/selection.ts, what
 * `centers call decide` runs) with one decision against the ranking and its reason; a second run repeats nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCall, openCall, sendCenterCommand, showCenter, submitApplication } from '../../client/operations';
import { decideCall, type DecideIo } from '../../client/selection';
import { createRepositories } from '../../db/repositories';
import { CommandSchema } from '../../machines/commands';
import { defaultPolicy } from '../../machines/policy';
import { callInfo, cmd, commission, expertActor, experts, university, applicationFor } from '../helpers/fixtures';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

let h: Harness;
let repos: ReturnType<typeof createRepositories>;
const DAY = 24 * 3600_000;

beforeAll(async () => {
  h = await timeSkippingHarness();
  repos = createRepositories(h.knex);
});
afterAll(async () => {
  await h?.teardown();
});

const now = async () => (await h.env.currentTimeMs?.()) ?? Date.now();
const rubric = (v: number) => Object.fromEntries(Object.keys(defaultPolicy.applicationRubric).map((d) => [d, v]));
const io = (): DecideIo => ({
  call: (callId) => getCall(h.ops, callId),
  center: (centerId) => showCenter(h.ops, centerId),
  send: (centerId, type, payload, id) => sendCenterCommand(h.ops, centerId, CommandSchema.parse({ commandId: id, actor: commission, type, payload })),
});

/** Five applicants and the score each panel gives (on every dimension of the rubric). */
const APPLICANTS = [
  ['bnu', 66],
  ['ruc', 80],
  ['bjut', 91],
  ['ustb', 75],
  ['buaa', 84],
] as const;
const DEPARTURE = 'The only applicant with a clinical-translation platform, which the 2026 call names as a priority';

describe('Art. 9 择优: a call with more applicants than its quota, decided by ranking', () => {
  it('approves the best within the quota of three, rejects the others with their rank, and records a departure with its reason', async () => {
    const call = callInfo(await now(), { callId: 'call-rank', quota: 3, closesAt: new Date((await now()) + 10 * DAY).toISOString() });
    await openCall(h.ops, call, commission);
    const panel = experts('cas');
    for (const [u, score] of APPLICANTS) {
      await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university(u), { callId: call.callId, application: applicationFor(u, call) }));
      await sendCenterCommand(h.ops, u, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
      for (const [i, e] of panel.entries()) {
        // One expert of each panel scores 9 points below the other two: the panel's score is the given one, its spread 9.
        const scores = rubric(i === 2 ? score - 6 : score + 3);
        await sendCenterCommand(h.ops, u, cmd('SUBMIT_REVIEW', expertActor(e), { review: { scores, recommendation: score >= 70 ? 'approve' : 'reject', opinion: `Rubric review of ${u}` } }));
      }
    }
    const bjut = await showCenter(h.ops, 'bjut');
    expect(bjut.state).toBe('application.awaitingDecision');
    expect(bjut.panel).toEqual({ reviews: 3, score: 91, spread: 9, min: 85, max: 94, approve: 3, reject: 0 });

    // While the window is open, decide would only approve: those below the line keep waiting (Art. 7, 9).
    // The window closes (time skipped): the call is decided.
    await h.env.sleep(11 * DAY);
    await expect.poll(async () => (await getCall(h.ops, call.callId)).status).toBe('closed');

    const d = await decideCall(io(), call.callId, { departures: [{ universityId: 'ustb', verdict: 'approve', reason: DEPARTURE }] });
    expect(d.holding).toBeNull();
    expect(d.ranking.map((r) => [r.rank, r.universityId, r.panel.score, r.verdict, r.departure])).toEqual([
      [1, 'bjut', 91, 'approve', false],
      [2, 'buaa', 84, 'approve', false],
      [3, 'ruc', 80, 'reject', false],
      [4, 'ustb', 75, 'approve', true],
      [5, 'bnu', 66, 'reject', false],
    ]);
    expect(d.decisions.map((x) => [x.universityId, x.verdict, x.outcome, x.state])).toEqual([
      ['bjut', 'approve', 'accepted', 'building.running'],
      ['buaa', 'approve', 'accepted', 'building.running'],
      ['ustb', 'approve', 'accepted', 'building.running'],
      ['ruc', 'reject', 'accepted', 'closed.rejected'],
      ['bnu', 'reject', 'accepted', 'closed.rejected'],
    ]);

    // Every center's usual side effects: the call's quota used, each decision row with its reason, each audit row.
    const after = await getCall(h.ops, call.callId);
    expect(after.approvedCount).toBe(3);
    expect([...after.approved].sort()).toEqual(['bjut.call-rank', 'buaa.call-rank', 'ustb.call-rank']);
    await expect.poll(async () => (await repos.decision('ustb.call-rank'))?.reason).toBe(`Art. 9: ranked 4 of 5 (score 75, spread 9); decided against the ranking: ${DEPARTURE}`);
    await expect.poll(async () => (await repos.decision('bnu.call-rank'))?.reason).toBe('Art. 9: ranked 5 of 5 (score 66, spread 9), below the quota of 3');
    expect((await repos.decision('ruc.call-rank'))).toMatchObject({ outcome: 'rejected', reason: 'Art. 9: ranked 3 of 5 (score 80, spread 9), within the quota of 3, but its slot taken by a decision against the ranking' });
    expect((await repos.decision('bjut.call-rank'))).toMatchObject({ outcome: 'approved', reason: 'Art. 9: ranked 1 of 5 (score 91, spread 9), within the quota of 3', decidedBy: commission.id });
    // Art. 9: each review's row keeps its dimension scores beside the computed score.
    const rows = await repos.reviews('bjut.call-rank', 'application');
    expect(rows.map((r) => r.review.score).sort()).toEqual([85, 94, 94]);
    expect(rows.find((r) => r.review.score === 85)!.review.scores).toEqual(rubric(85));
    const audit = await repos.auditLog('ustb.call-rank');
    expect(audit.at(-1)).toMatchObject({ event: 'APPROVE', fromState: 'application.awaitingDecision', toState: 'building.running', commandId: 'decide.call-rank.ustb.approve' });

    // A second run: nobody awaits a decision, nothing is sent, nothing doubles.
    const again = await decideCall(io(), call.callId);
    expect(again.ranking).toEqual([]);
    expect(again.decisions).toEqual([]);
    expect((await getCall(h.ops, call.callId)).approvedCount).toBe(3);
    // The same decision sent again with its derived id is answered with its first result (SPEC §3).
    const reason = d.ranking.find((r) => r.universityId === 'ustb')!.reason!;
    expect(await io().send('ustb.call-rank', 'APPROVE', { reason }, 'decide.call-rank.ustb.approve')).toMatchObject({ duplicate: true, state: 'building.running' });
    // …and the id cannot be reused for another decision.
    await expect(io().send('ustb.call-rank', 'APPROVE', { reason: 'another reason' }, 'decide.call-rank.ustb.approve')).rejects.toMatchObject({ reason: 'conflict' });
  });
});
