/**
 * Yearly funding rounds (Art. 13 择优, 14–15) on the time-skipping server with a real SQLite file and real centers:
 * six requests of four centers and a budget for three, scored by experts, decided in one operation by the ranking
 * with one departure and its reason — the centers' grants and declines, and the round's committed sum, checked
 * against sums computed here; two grants racing for the last of the budget, exactly one reserved; a guidance
 * request without external opinions or reserve entries refused before anything is written; a re-run repeats nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundingRoundWorkflowId, reserveRoundBudget, submitToRound } from '../../contract';
import { decideRound, getRound, openRound, roundCsv, scoreInRound, submitToRoundFromCenter } from '../../client/funding-rounds';
import { CommandRefusedError } from '../../client/operations-errors';
import { defaultPolicy } from '../../machines/policy';
import { cmd, commission, guidanceRequest, promotionRequest } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { harnessCliEnv, runCentersCli } from '../helpers/cli';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const YUAN = 100;
const RUBRIC = defaultPolicy.roundRubrics.promotion;
const all = (v: number) => Object.fromEntries(Object.keys(RUBRIC).map((d) => [d, v]));

let h: Harness;
beforeAll(async () => {
  h = await timeSkippingHarness();
}, 120_000);
afterAll(async () => {
  await h?.teardown();
});

async function roundAt(roundId: string, budgetFen: { promotion: number; guidance: number }) {
  const now = await h.env.currentTimeMs();
  return openRound(
    h.ops,
    { roundId, title: `Funding round ${roundId}`, year: 2026, opensAt: new Date(now - HOUR).toISOString(), closesAt: new Date(now + 10 * DAY).toISOString(), budgetFen },
    commission,
  );
}
/** Skips past the round's window and waits (by query, no sleep) until its timer has closed it. */
async function closeWindow(roundId: string) {
  const r = await getRound(h.ops, roundId);
  await h.env.sleep(Date.parse(r.round.closesAt) - (await h.env.currentTimeMs()) + HOUR);
  for (let i = 0; i < 2000; i++) if ((await getRound(h.ops, roundId)).status !== 'open') return;
  throw new Error(`round ${roundId} did not close`);
}

describe('Art. 13 择优: a yearly funding round, ranked across centers', { timeout: 300_000 }, () => {
  const UNIS = ['bjut', 'bjfu', 'buct', 'ustb'] as const;
  const centers = new Map<string, ReturnType<typeof lifecycle>>();
  const centerIds = new Map<string, string>();

  it('decides six requests of four centers with a budget for three by the ranking, one departure with its reason; a re-run repeats nothing', async () => {
    for (const u of UNIS) {
      const c = lifecycle(h, u);
      centers.set(u, c);
      centerIds.set(u, (await c.establish(`call-round-${u}`)).centerId);
    }
    // Six requests of 1 000 000 yuan: bjfu and ustb two each.
    const AMOUNT = 1_000_000 * YUAN;
    const requests: [string, string][] = [];
    for (const u of UNIS) {
      const n = u === 'bjfu' || u === 'ustb' ? 2 : 1;
      for (let i = 1; i <= n; i++) {
        await centers.get(u)!.send(cmd('REQUEST_FUNDING', centers.get(u)!.uni, { request: { ...promotionRequest(AMOUNT), roundId: 'r2026' } }));
        requests.push([u, `c1-y1-f${i}`]);
      }
    }
    expect(requests).toHaveLength(6);
    await roundAt('r2026', { promotion: 3 * AMOUNT, guidance: 0 });
    for (const [u, id] of requests) await submitToRoundFromCenter(h.ops, 'r2026', u, id, centers.get(u)!.uni);

    // Two experts score each request; the mean of their weighted scores ranks it.
    const given: Record<string, [number, number]> = {
      'bjut/c1-y1-f1': [70, 72],
      'bjfu/c1-y1-f1': [90, 92],
      'bjfu/c1-y1-f2': [60, 58],
      'buct/c1-y1-f1': [85, 85],
      'ustb/c1-y1-f1': [80, 84],
      'ustb/c1-y1-f2': [75, 75],
    };
    const key = (u: string, id: string) => `${centerIds.get(u)}/${id}`;
    for (const [k, [a, b]] of Object.entries(given)) {
      const [u, id] = k.split('/') as [string, string];
      await scoreInRound(h.ops, 'r2026', key(u, id), 'exp-a', all(a), { id: 'exp-a', role: 'expert', orgId: 'casted' });
      await scoreInRound(h.ops, 'r2026', key(u, id), 'exp-b', all(b), { id: 'exp-b', role: 'expert', orgId: 'casted' });
    }
    // No expert scores a request of their own university's center.
    await expect(scoreInRound(h.ops, 'r2026', key('bjut', 'c1-y1-f1'), 'exp-c', all(99), { id: 'exp-c', role: 'expert', orgId: 'bjut' })).rejects.toMatchObject({ reason: 'conflict-of-interest' });
    // Deciding while the window is open is refused.
    await expect(decideRound(h.ops, 'r2026', commission)).rejects.toThrow(/is open until/);
    await closeWindow('r2026');

    const progress: string[] = [];
    const reason = 'The only center serving the southern districts';
    const d = await decideRound(h.ops, 'r2026', commission, { departures: [{ requestKey: key('bjut', 'c1-y1-f1'), verdict: 'grant', reason }], progress: (o) => progress.push(`${o.key} ${o.verdict} ${o.outcome}`) });
    expect(progress).toHaveLength(6);
    // By the ranking (means 91, 85, 82, 75, 71, 59): bjfu f1, buct, ustb f1 would be granted; the departure grants bjut
    // (ranked 5), so ustb f1 drops below the budget.
    const expectedGranted = [key('bjfu', 'c1-y1-f1'), key('buct', 'c1-y1-f1'), key('bjut', 'c1-y1-f1')];
    expect(d.outcomes.filter((o) => o.verdict === 'grant').map((o) => o.key)).toEqual(expectedGranted);
    expect(d.outcomes.every((o) => o.outcome === 'accepted')).toBe(true);
    const bjut = d.plan.find((p) => p.key === key('bjut', 'c1-y1-f1'))!;
    expect(bjut).toMatchObject({ rank: 5, departure: true });
    expect(bjut.reason).toContain(reason);

    // The centers, independently: each granted request granted in full, each other declined with its rank and the budget.
    let grantedSum = 0;
    for (const [u, id] of requests) {
      const f = (await centers.get(u)!.view()).funding.find((x) => x.requestId === id)!;
      if (expectedGranted.includes(key(u, id))) {
        expect(f).toMatchObject({ status: 'granted', grantedFen: AMOUNT });
        grantedSum += f.grantedFen!;
      } else {
        expect(f.status).toBe('declined');
        expect(f.reason).toMatch(/ranked \d of 6 promotion requests .*exceed the 0 fen left of the round's promotion budget of 300000000 fen/);
      }
    }
    expect(grantedSum).toBe(3 * AMOUNT);
    const round = await getRound(h.ops, 'r2026');
    expect(round.committedFen.promotion).toBe(grantedSum);
    expect(round.status).toBe('decided');
    const csv = roundCsv(round).trim().split('\r\n');
    expect(csv).toHaveLength(7);
    expect(csv[1]).toMatch(/^r2026,promotion,1,bjfu\.[^,]+,c1-y1-f1,.*,91,2,100000000,grant,100000000,,/);

    // Run again: every center command is the same one (duplicates), nothing more is granted.
    const again = await decideRound(h.ops, 'r2026', commission, { departures: [] });
    expect(again.outcomes.every((o) => o.outcome === 'duplicate')).toBe(true);
    expect((await getRound(h.ops, 'r2026')).committedFen.promotion).toBe(3 * AMOUNT);
  });

  it('two grants racing for the last of the budget: exactly one is reserved, the other refused naming the budget', async () => {
    const AMOUNT = 400_000 * YUAN;
    for (const u of ['buct', 'bjut'] as const) await centers.get(u)!.send(cmd('REQUEST_FUNDING', centers.get(u)!.uni, { request: { ...promotionRequest(AMOUNT), roundId: 'r2026b' } }));
    await roundAt('r2026b', { promotion: 500_000 * YUAN, guidance: 0 });
    // A request that names another round (or none) does not enter this one.
    await expect(submitToRoundFromCenter(h.ops, 'r2026b', 'bjfu', 'c1-y1-f1', commission)).rejects.toThrow(/competes in round "r2026"/);
    for (const u of ['buct', 'bjut']) await submitToRoundFromCenter(h.ops, 'r2026b', u, 'c1-y1-f2', commission);
    // Two grants sent to the two centers at once, directly (no round decision): each center asks the round first.
    const grants = await Promise.allSettled(['buct', 'bjut'].map((u) => centers.get(u)!.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f2', amountFen: AMOUNT }))));
    expect(grants.filter((g) => g.status === 'fulfilled')).toHaveLength(1);
    const lost = grants.find((g) => g.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(CommandRefusedError);
    expect(lost.reason).toMatchObject({ reason: 'over-budget' });
    expect(String(lost.reason.message)).toMatch(/has 10000000 fen \(100,000 yuan\) left of its promotion budget of 50000000 fen/);
    // The centers, independently: one grant of the amount, one request still pending; the round committed exactly it.
    const statuses = await Promise.all(['buct', 'bjut'].map(async (u) => (await centers.get(u)!.view()).funding.find((f) => f.requestId === 'c1-y1-f2')!));
    expect(statuses.map((f) => f.status).sort()).toEqual(['granted', 'pending']);
    expect(statuses.reduce((a, f) => a + (f.grantedFen ?? 0), 0)).toBe(AMOUNT);
    expect((await getRound(h.ops, 'r2026b')).committedFen.promotion).toBe(AMOUNT);
    // And the round's own update, raced for the same last of the budget: the loser is refused again.
    const handle = h.env.client.workflow.getHandle(fundingRoundWorkflowId('r2026b'));
    const loserKey = `${centerIds.get(statuses[0]!.status === 'pending' ? 'buct' : 'bjut')}/c1-y1-f2`;
    const again = await handle.executeUpdate(reserveRoundBudget, { args: [{ actor: commission, requestKey: loserKey, amountFen: AMOUNT, reason: 'race', departure: false }] });
    expect(again).toMatchObject({ granted: false, committedFen: AMOUNT });
  });

  it('a guidance request without external opinions or without reserve entries is refused, and nothing is written', async () => {
    await roundAt('r2026g', { promotion: 0, guidance: 1_000_000 * YUAN });
    const handle = h.env.client.workflow.getHandle(fundingRoundWorkflowId('r2026g'));
    const g = guidanceRequest();
    const submission = { centerId: centerIds.get('bjfu')!, requestId: 'c1-y1-f9', kind: 'guidance' as const, title: g.title, amountFen: g.amountFen, opinions: 1, reserveEntries: ['p-guidance'], ceilingLeftFen: null };
    const before = (await handle.fetchHistory()).events?.length ?? 0;
    // The refusals name their reason; the center itself never holds such a request (Art. 15).
    await expect(handle.executeUpdate(submitToRound, { args: [{ actor: commission, submission: { ...submission, reserveEntries: [] } }] })).rejects.toMatchObject({ cause: { type: 'invalid-input', message: expect.stringMatching(/names no reserve entry/) } });
    await expect(handle.executeUpdate(submitToRound, { args: [{ actor: commission, submission: { ...submission, opinions: 0 } }] })).rejects.toMatchObject({ cause: { type: 'invalid-input', message: expect.stringMatching(/opinions of professional bodies and enterprises \(Art\. 15\).*carries none/) } });
    await expect(centers.get('ustb')!.send(cmd('REQUEST_FUNDING', centers.get('ustb')!.uni, { request: { ...g, reserveEntries: undefined } }))).rejects.toBeInstanceOf(CommandRefusedError);
    const r = await getRound(h.ops, 'r2026g');
    expect(r.submissions).toEqual([]);
    // Refused by the validators: no update was accepted into the history.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.slice(before).some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    // With both, accepted.
    await expect(handle.executeUpdate(submitToRound, { args: [{ actor: commission, submission }] })).resolves.toMatchObject({ submissions: [expect.objectContaining({ requestId: 'c1-y1-f9' })] });
  });

  it('from the CLI: `round show --csv` writes the ranking as CSV, `round decide` again prints each request and repeats nothing', async () => {
    const env = harnessCliEnv(h);
    const centersCli = (...argv: string[]) => runCentersCli(env, ...argv);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-round-'));
    try {
      const file = path.join(dir, 'r2026.csv');
      const shown = await centersCli('round', 'show', 'r2026', '--csv', file);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/Ranking of promotion requests/);
      expect(fs.readFileSync(file, 'utf8')).toBe(roundCsv(await getRound(h.ops, 'r2026')));
      const lines = fs.readFileSync(file, 'utf8').trim().split('\r\n');
      expect(lines[0]).toBe('round,kind,rank,center,request,title,score,experts,requested_fen,decision,granted_fen,departure,reason');
      // The CSV's grants add up to the round's committed sum, summed here.
      const granted = lines.slice(1).map((l) => l.split(',')).filter((c) => c[9] === 'grant');
      expect(granted.reduce((a, c) => a + Number(c[10]), 0)).toBe(3 * 1_000_000 * YUAN);
      const again = await centersCli('round', 'decide', 'r2026');
      expect(again.code, again.stderr + again.stdout).toBe(0);
      expect(again.stderr.split('\n').filter((l) => / (grant|decline) duplicate$/.test(l))).toHaveLength(6);
      const bad = await centersCli('round', 'decide', 'r2026b', '--depart', 'nobody/x=grant:');
      expect(bad.code).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
