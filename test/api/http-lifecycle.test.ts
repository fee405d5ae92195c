/**
 * One center taken from a call to `established` through HTTP only (Art. 7–9, 20), with real identities: the actor
 * of every command is the caller's token, refusals are problem details naming the §3a reason, and a refused
 * command leaves no trace in the workflow history or the database.
 */
import { describe, expect, it } from 'vitest';
import { applicationAsOf, callInfo } from '../helpers/fixtures';
import { rowCounts } from '../helpers/database';
import { useApi } from '../helpers/api';

const api = useApi({ name: 'api-lifecycle' }, 180_000);

async function historyLength(workflowId: string): Promise<number> {
  const history = await api.h.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events?.length ?? 0;
}

describe('Art. 7–9, 20 through HTTP only: from a call to an established center', () => {
  it('opens a call, takes the application, refuses what the caller may not do, and establishes the center', async () => {
    const commission = await api.user('commission', { id: 'wang-fang' });
    const bjut = await api.user('university', { id: 'bjut-office', orgId: 'bjut' });
    const pku = await api.user('university', { id: 'pku-office', orgId: 'pku' });
    const panel = await Promise.all([1, 2, 3].map((i) => api.user('expert', { id: `expert-thu-${i}`, orgId: 'tsinghua' })));
    const now = Date.now();

    const call = await api.http('POST', '/api/v1/calls', { token: commission.token, body: callInfo(now, { callId: 'call-http', quota: 2 }) });
    expect(call.status, JSON.stringify(call.body)).toBe(200);
    expect(call.body).toMatchObject({ callId: 'call-http', status: 'open', quota: 2 });

    // A university cannot open a call: refused before anything is started.
    const notYours = await api.http('POST', '/api/v1/calls', { token: bjut.token, body: callInfo(now, { callId: 'call-by-bjut' }) });
    expect(notYours.status).toBe(403);
    expect(notYours.headers.get('content-type')).toContain('application/problem+json');
    expect(notYours.body).toMatchObject({ reason: 'forbidden-role', status: 403 });

    const submitted = await api.http('POST', '/api/v1/commands/submit-application', {
      token: bjut.token,
      body: { callId: 'call-http', application: applicationAsOf('bjut', now) },
      headers: { 'idempotency-key': 'bjut-application-1' },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    expect(submitted.body).toMatchObject({ type: 'SUBMIT_APPLICATION', state: 'application.eligible' });
    const centerId = 'bjut.call-http';

    // The same request again (a retry) is answered with the first result: nothing is done twice.
    const retried = await api.http('POST', '/api/v1/commands/submit-application', {
      token: bjut.token,
      body: { callId: 'call-http', application: applicationAsOf('bjut', now) },
      headers: { 'idempotency-key': 'bjut-application-1' },
    });
    expect(retried.status).toBe(200);
    expect(retried.body.commandId).toBe(submitted.body.commandId);
    expect(retried.body.seq).toBe(submitted.body.seq);
    // The same key for another payload is a conflict, never the first result.
    const reused = await api.http('POST', '/api/v1/commands/submit-application', {
      token: bjut.token,
      body: { callId: 'call-http', application: { ...applicationAsOf('bjut', now), universityNameEn: 'Beijing University of Technology (amended)' } },
      headers: { 'idempotency-key': 'bjut-application-1' },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.reason).toBe('conflict');

    // The audit row's actor is the token's identity.
    const audit = await api.http('GET', `/api/v1/centers/${centerId}/audit`, { token: bjut.token });
    expect(audit.status).toBe(200);
    expect(audit.body.rows.map((r: { event: string }) => r.event)).toEqual(['SUBMIT_APPLICATION']);
    expect(audit.body.rows[0].actor).toEqual({ id: 'bjut-office', role: 'university', orgId: 'bjut' });

    // Another university cannot read it, nor apply in bjut's name.
    const peek = await api.http('GET', `/api/v1/centers/${centerId}/applications`, { token: pku.token });
    expect(peek.status).toBe(403);
    expect(peek.body.reason).toBe('wrong-organisation');
    const list = await api.http('GET', '/api/v1/centers', { token: pku.token });
    expect(list.body).toMatchObject({ total: 0, centers: [] });

    const before = { history: await historyLength('center-bjut'), rows: await rowCounts(api.h.knex) };
    // The university may not approve its own center: 403, and no trace anywhere.
    const selfApproval = await api.http('POST', `/api/v1/centers/${centerId}/commands/approve`, { token: bjut.token, body: {} });
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body).toMatchObject({ reason: 'forbidden-role', type: 'urn:centers:problem:forbidden-role' });
    // The commission may, but not yet: the application has not been reviewed (409, the state's refusal).
    const early = await api.http('POST', `/api/v1/centers/${centerId}/commands/approve`, { token: commission.token, body: {} });
    expect(early.status).toBe(409);
    expect(early.body.reason).toBe('not-allowed-in-state');
    // A body that breaks the schema: 400 naming the field.
    const bad = await api.http('POST', `/api/v1/centers/${centerId}/commands/assign-experts`, { token: commission.token, body: { experts: 'three' } });
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toBe('invalid-input');
    expect(bad.body.errors[0].path).toBe('body.experts');
    // An expert who is no user of the service cannot be assigned.
    const ghost = await api.http('POST', `/api/v1/centers/${centerId}/commands/assign-experts`, { token: commission.token, body: { experts: [{ id: 'nobody', name: 'Nobody' }] } });
    expect(ghost.status).toBe(422);
    expect({ history: await historyLength('center-bjut'), rows: await rowCounts(api.h.knex) }).toEqual(before);

    // The panel's organisations come from the experts' identities.
    const assigned = await api.http('POST', `/api/v1/centers/${centerId}/commands/assign-experts`, {
      token: commission.token,
      body: { experts: panel.map((e) => ({ id: e.user.id, name: e.user.name })) },
    });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(assigned.body.state).toBe('application.inReview');

    // An expert reads what they were assigned; a university's expert outside the panel does not.
    const outsider = await api.user('expert', { orgId: 'ruc' });
    expect((await api.http('GET', `/api/v1/centers/${centerId}/applications`, { token: panel[0].token })).status).toBe(200);
    const notAssigned = await api.http('GET', `/api/v1/centers/${centerId}/applications`, { token: outsider.token });
    expect(notAssigned.status).toBe(403);
    expect(notAssigned.body.reason).toBe('not-assigned');
    const outsiderReview = await api.http('POST', `/api/v1/centers/${centerId}/commands/submit-review`, { token: outsider.token, body: { review: { score: 99, recommendation: 'approve', opinion: 'Let me in' } } });
    expect(outsiderReview.status).toBe(403);
    expect(outsiderReview.body.reason).toBe('not-assigned');

    for (const e of panel) {
      const r = await api.http('POST', `/api/v1/centers/${centerId}/commands/submit-review`, { token: e.token, body: { review: { score: 90, recommendation: 'approve', opinion: 'Good' } } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const center = await api.http('GET', `/api/v1/centers/${centerId}`, { token: commission.token });
    expect(center.body.state).toBe('application.awaitingDecision');
    expect(center.body.allowedCommands.commission).toEqual(expect.arrayContaining(['APPROVE', 'REJECT']));
    const asUniversity = await api.http('GET', `/api/v1/centers/${centerId}`, { token: bjut.token });
    expect(Object.keys(asUniversity.body.allowedCommands)).toEqual(['university']);
    expect(asUniversity.body.allowedCommands.university).not.toContain('APPROVE');

    const approved = await api.http('POST', `/api/v1/centers/${centerId}/commands/approve`, { token: commission.token, body: { reason: 'Approved by the commission meeting' } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.state).toBe('building.running');

    const listed = await api.http('GET', '/api/v1/centers?state=building', { token: bjut.token });
    expect(listed.body.centers.map((c: { centerId: string }) => c.centerId)).toEqual([centerId]);
    const rows = (await api.http('GET', `/api/v1/centers/${centerId}/audit`, { token: commission.token })).body.rows as { event: string; actor: { id: string } }[];
    expect(rows.map((r) => [r.event, r.actor.id])).toEqual([
      ['SUBMIT_APPLICATION', 'bjut-office'],
      ['ASSIGN_EXPERTS', 'wang-fang'],
      ['SUBMIT_REVIEW', 'expert-thu-1'],
      ['SUBMIT_REVIEW', 'expert-thu-2'],
      ['SUBMIT_REVIEW', 'expert-thu-3'],
      ['APPROVE', 'wang-fang'],
    ]);
  });
});
