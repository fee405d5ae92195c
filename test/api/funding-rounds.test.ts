/**
 * Yearly funding rounds through HTTP only (Art. 13 择优, 15), on the dev server: the commission opens a round (a
 * university may not), a university submits its own center's request (not another's), an expert scores it (not as
 * another expert), a university reads only its own requests of the round, the CSV is the commission's and auditors',
 * and a decision while the window is open is a 409 naming the window.
 */
import { describe, expect, it } from 'vitest';
import { establishOverHttp, useApi } from '../helpers/api';
import { promotionRequest } from '../helpers/fixtures';
import { defaultPolicy } from '../../machines/policy';

const api = useApi({ name: 'api-rounds' }, 180_000);
const all = (v: number) => Object.fromEntries(Object.keys(defaultPolicy.roundRubrics.promotion).map((d) => [d, v]));

describe('Art. 13 through HTTP: a funding round', () => {
  it('opens, takes a submission and a score from the right callers only, reads by role, and refuses a decision while open', async () => {
    const commission = await api.user('commission', { id: 'wang-fang' });
    const auditor = await api.user('auditor', { id: 'audit-1' });
    const bjut = await api.user('university', { id: 'bjut-office', orgId: 'bjut' });
    const pku = await api.user('university', { id: 'pku-office', orgId: 'pku' });
    const panel = await Promise.all([1, 2, 3].map((i) => api.user('expert', { id: `expert-rnd-${i}`, orgId: 'tsinghua' })));
    const own = await api.user('expert', { id: 'expert-bjut', orgId: 'bjut' });
    const now = Date.now();
    const post = (token: string, path: string, body: unknown) => api.http('POST', `/api/v1${path}`, { token, body });
    const ok = async (p: Promise<{ status: number; body: unknown }>) => {
      const r = await p;
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r;
    };

    const centerId = await establishOverHttp(api, { callId: 'call-rnd', now, commission, university: bjut, panel });
    const cmd = (token: string, command: string, body: unknown) => post(token, `/centers/${centerId}/commands/${command}`, body);
    await ok(cmd(bjut.token, 'request-funding', { request: { ...promotionRequest(300_000_00), roundId: 'r-http' } }));

    const round = { roundId: 'r-http', title: 'HTTP round', year: 2026, opensAt: new Date(now - 3600_000).toISOString(), closesAt: new Date(now + 7 * 86400_000).toISOString(), budgetFen: { promotion: 500_000_00, guidance: 0 } };
    expect((await post(bjut.token, '/funding-rounds', round)).body).toMatchObject({ type: 'urn:centers:problem:forbidden-role' });
    await ok(post(commission.token, '/funding-rounds', round));

    const other = await post(pku.token, '/funding-rounds/r-http/submissions', { center: centerId, requestId: 'c1-y1-f1' });
    expect(other.status).toBe(403);
    expect(other.body.type).toBe('urn:centers:problem:wrong-organisation');
    await ok(post(bjut.token, '/funding-rounds/r-http/submissions', { center: centerId, requestId: 'c1-y1-f1' }));
    // Submitted again (a retry): the same answer, the request is in the round once.
    expect((await ok(post(bjut.token, '/funding-rounds/r-http/submissions', { center: centerId, requestId: 'c1-y1-f1' }))).body).toMatchObject({ submissions: [expect.objectContaining({ requestId: 'c1-y1-f1' })] });

    const requestKey = `${centerId}/c1-y1-f1`;
    const scored = await ok(post(panel[0]!.token, '/funding-rounds/r-http/scores', { requestKey, scores: all(80) }));
    expect((scored.body as { scores: Record<string, Record<string, { score: number }>> }).scores[requestKey]![panel[0]!.user.id]!.score).toBe(80);
    expect((await post(panel[1]!.token, '/funding-rounds/r-http/scores', { requestKey, expertId: panel[0]!.user.id, scores: all(10) })).status).toBe(403);
    expect((await post(own.token, '/funding-rounds/r-http/scores', { requestKey, scores: all(99) })).body.type).toBe('urn:centers:problem:conflict-of-interest');

    const byPku = await api.http('GET', '/api/v1/funding-rounds/r-http', { token: pku.token });
    expect(byPku.body.submissions).toEqual([]);
    expect((await api.http('GET', '/api/v1/funding-rounds/r-http', { token: bjut.token })).body.submissions).toHaveLength(1);
    expect((await api.http('GET', '/api/v1/funding-rounds/r-http/report.csv', { token: bjut.token })).status).toBe(403);
    const csv = await api.http('GET', '/api/v1/funding-rounds/r-http/report.csv', { token: auditor.token });
    expect(csv.status).toBe(200);
    expect(String(csv.body).split('\r\n')[1]).toMatch(/^r-http,promotion,1,bjut\.call-rnd,c1-y1-f1,.*,80,1,30000000,pending,0,,$/);

    const early = await post(commission.token, '/funding-rounds/r-http/decision', {});
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/is open until/);
    expect((await post(bjut.token, '/funding-rounds/r-http/decision', {})).status).toBe(403);
    expect((await api.http('GET', '/api/v1/funding-rounds/nope', { token: commission.token })).status).toBe(404);
  });
});
