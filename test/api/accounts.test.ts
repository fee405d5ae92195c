/**
 * Art. 16 through HTTP only, with real identities: a grant with budget lines, spending recorded against them by the
 * center's university, an overspend refused as a problem naming `over-budget` with no trace in the workflow history
 * or the database, and the money read back from GET /centers/:center/accounts by those who may read accounts.
 */
import { describe, expect, it } from 'vitest';
import { promotionRequest } from '../helpers/fixtures';
import { rowCounts } from '../helpers/database';
import { establishOverHttp, useApi } from '../helpers/api';

const api = useApi({ name: 'api-accounts' }, 180_000);

async function historyLength(workflowId: string): Promise<number> {
  const history = await api.h.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events?.length ?? 0;
}

describe('Art. 16 through HTTP: spending against budget lines, and the money read back', () => {
  it('records spending, refuses an overspend (422 over-budget) with no trace, and answers the money per line', async () => {
    const commission = await api.user('commission', { id: 'wang-fang' });
    const bjut = await api.user('university', { id: 'bjut-office', orgId: 'bjut' });
    const pku = await api.user('university', { id: 'pku-office', orgId: 'pku' });
    const panel = await Promise.all([1, 2, 3].map((i) => api.user('expert', { id: `expert-acc-${i}`, orgId: 'tsinghua' })));
    const now = Date.now();
    const post = (token: string, path: string, body: unknown) => api.http('POST', `/api/v1${path}`, { token, body });
    const ok = async (p: Promise<{ status: number; body: unknown }>) => {
      const r = await p;
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r;
    };

    const centerId = await establishOverHttp(api, { callId: 'call-acc', now, commission, university: bjut, panel });
    const cmd = (token: string, command: string, body: unknown) => post(token, `/centers/${centerId}/commands/${command}`, body);
    await ok(cmd(bjut.token, 'request-funding', { request: promotionRequest(300_000_00) }));
    const lines = [
      { line: 'equipment', amountFen: 100_000_00 },
      { line: 'travel', amountFen: 20_000_00 },
      { line: 'labour', amountFen: 180_000_00 },
    ];
    // Lines that do not add up to the grant are refused, naming both sums.
    const unequal = await cmd(commission.token, 'grant-funding', { requestId: 'c1-y1-f1', amountFen: 300_000_00, budgetLines: lines.slice(1) });
    expect(unequal.status).toBe(422);
    expect(unequal.body).toMatchObject({ reason: 'invalid-input' });
    expect(unequal.body.detail).toMatch(/The budget lines add up to 20000000 fen, not the 30000000 fen granted/);
    await ok(cmd(commission.token, 'grant-funding', { requestId: 'c1-y1-f1', amountFen: 300_000_00, budgetLines: lines }));

    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const spend = (token: string, line: string, amountFen: number) => cmd(token, 'record-spending', { requestId: 'c1-y1-f1', line, amountFen, spentOn: today, description: `${line} invoice` });
    await ok(spend(bjut.token, 'travel', 15_000_00));
    await ok(spend(bjut.token, 'equipment', 64_321_00));

    // Another university, or the commission, may not record bjut's spending; an overspend is refused by its reason.
    expect((await spend(pku.token, 'travel', 1)).body).toMatchObject({ reason: 'wrong-organisation', status: 403 });
    expect((await spend(commission.token, 'travel', 1)).body).toMatchObject({ reason: 'forbidden-role', status: 403 });
    const before = { history: await historyLength('center-bjut'), rows: await rowCounts(api.h.knex) };
    const over = await spend(bjut.token, 'travel', 5_000_01);
    expect(over.status).toBe(422);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(over.body).toMatchObject({ reason: 'over-budget', type: 'urn:centers:problem:over-budget' });
    expect(over.body.detail).toMatch(/at most 500000 fen can still be spent on it/);
    expect({ history: await historyLength('center-bjut'), rows: await rowCounts(api.h.knex) }).toEqual(before);

    // The money, summed here: granted per line, spent as sent, the rest unspent.
    const money = await api.http('GET', `/api/v1/centers/${centerId}/accounts`, { token: bjut.token });
    expect(money.status).toBe(200);
    expect(money.body).toMatchObject({ centerId, grantedFen: 300_000_00, spentFen: 15_000_00 + 64_321_00, unspentFen: 300_000_00 - 15_000_00 - 64_321_00 });
    expect(money.body.grants[0].lines).toEqual([
      { line: 'equipment', grantedFen: 100_000_00, spentFen: 64_321_00, unspentFen: 100_000_00 - 64_321_00 },
      { line: 'travel', grantedFen: 20_000_00, spentFen: 15_000_00, unspentFen: 5_000_00 },
      { line: 'labour', grantedFen: 180_000_00, spentFen: 0, unspentFen: 180_000_00 },
    ]);
    expect((await api.http('GET', `/api/v1/centers/${centerId}/accounts`, { token: commission.token })).status).toBe(200);
    expect((await api.http('GET', `/api/v1/centers/${centerId}/accounts`, { token: pku.token })).body).toMatchObject({ reason: 'wrong-organisation' });
    expect((await api.http('GET', `/api/v1/centers/${centerId}/accounts`, { token: panel[0].token })).body).toMatchObject({ reason: 'forbidden-role' });

    // Final accounts wait for the year's end (409).
    const early = await cmd(bjut.token, 'submit-final-accounts', { requestId: 'c1-y1-f1' });
    expect(early.status).toBe(409);
    expect(early.body.reason).toBe('not-allowed-in-state');
  }, 180_000);
});
