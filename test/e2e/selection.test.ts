/**
 * Art. 9 择优批复立项 end to end: a real dev server, a real SQLite file, the real worker in this process, and the
 * real `centers` CLI as a subprocess. A call of five eligible applicants and a quota of three, each reviewed on the
 * commission's rubric, closed early, then decided from the CLI with `centers call decide`: by ranking, with one
 * manual departure and its reason; a departure without a reason is refused before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { getCall, openCall, sendCallCommand, sendCenterCommand, submitApplication } from '../../client/operations';
import { createRepositories } from '../../db/repositories';
import { defaultPolicy } from '../../machines/policy';
import { callInfo, cmd, commandId, commission, expertActor, experts, university, applicationAsOf } from '../helpers/fixtures';
import { useApi } from '../helpers/api';

const E2E_TIMEOUT = 300_000;
const api = useApi({ name: 'selection' }, E2E_TIMEOUT);
/** The dev server and the CLI (on the operators' direct path unless given the API's address and a token). */
const dev = new Proxy({} as typeof api.h, { get: (_, key) => Reflect.get(api.h, key) });
const CALL_ID = 'call-select';
const rubric = (v: number) => Object.fromEntries(Object.keys(defaultPolicy.applicationRubric).map((d) => [d, v]));
const SCORES = { bnu: 66, ruc: 80, bjut: 91, ustb: 75, buaa: 84 } as const;
const DEPARTURE = 'The only applicant with a clinical-translation platform, a priority of the 2026 call';

/** A call of five applicants (universities with the scores given), each reviewed on the rubric; closed early if asked. */
async function reviewedCall(callId: string, scores: Record<string, number>, { close = true } = {}): Promise<void> {
  await openCall(dev.ops, callInfo(Date.now(), { callId, quota: 3 }), commission);
  const panel = experts('cas');
  for (const [u, score] of Object.entries(scores)) {
    await submitApplication(dev.ops, cmd('SUBMIT_APPLICATION', university(u), { callId, application: applicationAsOf(u, Date.now()) }));
    await sendCenterCommand(dev.ops, u, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
    for (const [i, e] of panel.entries()) {
      // One expert of each panel scores 9 points below the other two: the panel's score is the given one, its spread 9.
      const dims = rubric(i === 2 ? score - 6 : score + 3);
      await sendCenterCommand(dev.ops, u, cmd('SUBMIT_REVIEW', expertActor(e), { review: { scores: dims, recommendation: score >= 70 ? 'approve' : 'reject', opinion: `Rubric review of ${u}` } }));
    }
  }
  if (!close) return;
  // While the call is open, those below the line keep waiting; the commission closes it (Art. 7).
  await sendCallCommand(dev.ops, callId, { commandId: commandId(), actor: commission, type: 'CLOSE_EARLY', payload: { reason: 'All five applications reviewed' } });
  await expect.poll(async () => (await getCall(dev.ops, callId)).status).toBe('closed');
}

describe('centers call decide (Art. 9 择优)', { timeout: E2E_TIMEOUT }, () => {
  it('decides a call of five eligible applicants and a quota of three by ranking, with one departure and its reason', async () => {
    await reviewedCall(CALL_ID, SCORES);
    // The center shows its panel's aggregate: the score (the mean) and the spread (Art. 9).
    const shown = await dev.cli(['show', 'bjut']);
    expect(shown.stdout).toContain('Panel: score 91 (mean of 3), spread 9 (85–94), 3 approve / 0 reject');

    // A departure without its reason is refused before anything is sent (exit 2).
    const noReason = await dev.cli(['call', 'decide', CALL_ID, '--except', 'ustb=approve:'], { json: true });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/a decision against the ranking needs a reason/);
    expect((await getCall(dev.ops, CALL_ID)).approvedCount).toBe(0);

    const run = await dev.cli(['call', 'decide', CALL_ID, '--except', `ustb=approve:${DEPARTURE}`]);
    expect(run.code, run.stderr).toBe(0);
    // For people: the ranking, each decision, its result and its reason.
    expect(run.stdout).toMatch(/RANK +CENTER +SCORE +SPREAD/);
    expect(run.stdout).toMatch(/1 +bjut\.call-select +91 +9 +3\/0 +approve +- +accepted → building\.running/);
    expect(run.stdout).toMatch(/4 +ustb\.call-select +75 +9 +3\/0 +approve +yes +accepted → building\.running/);
    expect(run.stdout).toContain(`ustb.call-select: Art. 9: ranked 4 of 5 (score 75, spread 9); decided against the ranking: ${DEPARTURE}`);
    process.stderr.write(`\n[centers call decide ${CALL_ID}]\n${run.stdout}\n`);

    const call = await getCall(dev.ops, CALL_ID);
    expect(call.approvedCount).toBe(3);
    const repos = createRepositories(dev.knex);
    await expect.poll(async () => (await repos.decision('bnu.call-select'))?.reason).toBe('Art. 9: ranked 5 of 5 (score 66, spread 9), below the quota of 3');
    await expect.poll(async () => (await repos.decision('ustb.call-select'))?.reason).toBe(`Art. 9: ranked 4 of 5 (score 75, spread 9); decided against the ranking: ${DEPARTURE}`);
    expect(await repos.decision('ruc.call-select')).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/^Art\. 9: ranked 3 of 5 .*its slot taken by a decision against the ranking$/) });
    for (const u of ['bjut', 'buaa']) expect(await repos.decision(`${u}.call-select`)).toMatchObject({ outcome: 'approved', decidedBy: 'operator' });

    // Run again: nobody awaits a decision any more, nothing is sent.
    const again = await dev.ok(['call', 'decide', CALL_ID], { json: true });
    expect(again).toMatchObject({ ranking: [], decisions: [] });
    expect((await getCall(dev.ops, CALL_ID)).approvedCount).toBe(3);
  });

  it('through the API as the commission: the three best approved, the two others rejected with their rank; while the call is open they wait', async () => {
    const token = (await api.user('commission', { id: 'zhao-commission' })).token;
    const env = { CENTERS_API_URL: api.url, CENTERS_TOKEN: token };
    await reviewedCall('call-select-api', { cau: 70, bfsu: 88, cupl: 79, bupt: 93, bjfu: 61 }, { close: false });

    // Open call: the best three are approved, the others keep waiting (Art. 7, 9).
    const open = await dev.ok(['call', 'decide', 'call-select-api'], { env, json: true });
    expect(open.holding).toMatch(/^the call is open until/);
    expect(open.ranking.map((r: { universityId: string; verdict: string }) => [r.universityId, r.verdict])).toEqual([['bupt', 'approve'], ['bfsu', 'approve'], ['cupl', 'approve'], ['cau', 'wait'], ['bjfu', 'wait']]);
    expect(open.decisions.map((x: { outcome: string }) => x.outcome)).toEqual(['accepted', 'accepted', 'accepted']);

    await sendCallCommand(dev.ops, 'call-select-api', { commandId: commandId(), actor: commission, type: 'CLOSE_EARLY', payload: { reason: 'The window has served its purpose' } });
    await expect.poll(async () => (await getCall(dev.ops, 'call-select-api')).status).toBe('closed');
    const closed = await dev.ok(['call', 'decide', 'call-select-api'], { env, json: true });
    expect(closed.ranking.map((r: { rank: number; universityId: string; verdict: string }) => [r.rank, r.universityId, r.verdict])).toEqual([[1, 'cau', 'reject'], [2, 'bjfu', 'reject']]);
    const repos = createRepositories(dev.knex);
    await expect.poll(async () => (await repos.decision('cau.call-select-api'))?.reason).toBe('Art. 9: ranked 1 of 2 awaiting a decision, 3 already approved (score 70, spread 9), below the quota of 3');
    expect(await repos.decision('bupt.call-select-api')).toMatchObject({ outcome: 'approved', decidedBy: 'zhao-commission' });
    expect((await getCall(dev.ops, 'call-select-api')).approvedCount).toBe(3);
  });
});
