/**
 * After the first user (made with `centers users add` on the database's machine), commission administrators manage
 * users through the API: add one (their token shown once), disable and enable, issue and revoke tokens. Nobody
 * else may; anyone may revoke a token of their own.
 */
import { describe, expect, it } from 'vitest';
import { useApi } from '../helpers/api';

const api = useApi({ name: 'api-users' }, 120_000);

describe('users through the API (commission administrators)', () => {
  it('an administrator adds, disables, enables and re-tokens a user; a plain commission user and a university may not', async () => {
    const admin = await api.user('commission', { id: 'admin-zhao', admin: true });
    const plain = await api.user('commission', { id: 'plain-qian' });
    const bjut = await api.user('university', { orgId: 'bjut' });

    const added = await api.http('POST', '/api/v1/users', { token: admin.token, body: { id: 'expert-sun', name: 'Sun Li', role: 'expert', orgId: 'tsinghua' } });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.user).toMatchObject({ id: 'expert-sun', role: 'expert', orgId: 'tsinghua', status: 'active' });
    const sunToken: string = added.body.token.token;
    expect((await api.http('GET', '/api/v1/me', { token: sunToken })).body.identity).toMatchObject({ userId: 'expert-sun', role: 'expert', orgId: 'tsinghua' });
    // Listed without any secret.
    const listed = await api.http('GET', '/api/v1/users?role=expert', { token: admin.token });
    expect(listed.body.users.map((u: { id: string }) => u.id)).toEqual(['expert-sun']);
    expect(JSON.stringify(listed.body)).not.toContain(sunToken);
    expect(JSON.stringify((await api.http('GET', '/api/v1/users/expert-sun/tokens', { token: admin.token })).body)).not.toContain(sunToken.split('_').slice(2).join('_'));

    // An expert without an organisation is refused by the schema (400), a duplicate id as a conflict (409).
    expect((await api.http('POST', '/api/v1/users', { token: admin.token, body: { id: 'expert-x', name: 'X', role: 'expert' } })).status).toBe(400);
    expect((await api.http('POST', '/api/v1/users', { token: admin.token, body: { id: 'expert-sun', name: 'Again', role: 'expert', orgId: 'pku' } })).status).toBe(409);

    for (const caller of [plain, bjut]) {
      const refused = await api.http('POST', '/api/v1/users', { token: caller.token, body: { id: 'sneaky', name: 'Sneaky', role: 'commission', admin: true } });
      expect(refused.status).toBe(403);
      expect(refused.body.reason).toBe('forbidden-role');
      expect((await api.http('GET', '/api/v1/users', { token: caller.token })).status).toBe(403);
    }
    expect(await api.identities.getUser('sneaky')).toBeNull();

    expect((await api.http('POST', '/api/v1/users/expert-sun/disable', { token: admin.token })).body.user.status).toBe('disabled');
    const disabled = await api.http('GET', '/api/v1/me', { token: sunToken });
    expect(disabled.status).toBe(401);
    expect(disabled.body.detail).toContain('disabled');
    await api.http('POST', '/api/v1/users/expert-sun/enable', { token: admin.token });
    expect((await api.http('GET', '/api/v1/me', { token: sunToken })).status).toBe(200);

    const issued = await api.http('POST', '/api/v1/users/expert-sun/tokens', { token: admin.token, body: { days: 7, label: 'laptop' } });
    const second: string = issued.body.token.token;
    expect((await api.http('GET', '/api/v1/me', { token: second })).status).toBe(200);
    // The user revokes the token they use themselves (a leaked one); an administrator could too.
    const revoked = await api.http('DELETE', `/api/v1/tokens/${issued.body.token.tokenId}`, { token: second });
    expect(revoked.status).toBe(200);
    expect((await api.http('GET', '/api/v1/me', { token: second })).status).toBe(401);
    // Not someone else's.
    const adminTokenId = admin.issued.tokenId;
    expect((await api.http('DELETE', `/api/v1/tokens/${adminTokenId}`, { token: sunToken })).status).toBe(403);
    expect((await api.http('GET', '/api/v1/me', { token: admin.token })).status).toBe(200);
  });
});
