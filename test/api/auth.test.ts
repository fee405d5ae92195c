/**
 * Who the caller is, through real HTTP (docs/security.md): API tokens that expire or are revoked, a disabled user,
 * password logins with their HttpOnly SameSite=Strict session cookie and the CSRF token every write needs, the login
 * and general rate limits, the body limit, OIDC bearer tokens from a real provider, and logs that never hold a secret.
 */
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, BODY_LIMIT, type ApiDeps } from '../../api/app';
import { createIdentities } from '../../api/identities';
import { createOidcVerifier } from '../../api/oidc';
import { loadConfig, type AppConfig } from '../../config';
import { createRepositories } from '../../db/repositories';
import { http as request, useApi, type HttpAnswer } from '../helpers/api';
import { callInfo } from '../helpers/fixtures';
import { startTestOidcProvider, type TestOidcProvider } from '../helpers/oidc';

const DAY = 86_400_000;
const PASSWORD = 'correct horse battery staple';

// The OIDC verifier is made once the provider listens (a hook registered before the harness's own).
const deps: Partial<ApiDeps> = {};
let idp: TestOidcProvider;
beforeAll(async () => {
  idp = await startTestOidcProvider();
  deps.oidc = createOidcVerifier(idp.config());
});
afterAll(() => idp?.close());

const api = useApi({ name: 'api-auth', config: (cfg) => ({ ...cfg, api: { ...cfg.api, loginAttemptsPerMinute: 3 } }), deps }, 180_000);

/** More APIs over the harness's server and database, with their own configuration (rate limits, a logger). */
const others: FastifyInstance[] = [];
async function otherApi(opts: { config?: (cfg: AppConfig) => AppConfig; logger?: ApiDeps['logger'] }): Promise<string> {
  const base = loadConfig({ env: {} });
  const app = await buildApi({
    cfg: opts.config ? opts.config(base) : base,
    ops: api.h.ops,
    knex: api.h.knex,
    repos: createRepositories(api.h.knex),
    identities: api.identities,
    logger: opts.logger,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  others.push(app);
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}
afterAll(async () => {
  for (const app of others.splice(0)) await app.close();
});

function expectProblem(res: HttpAnswer, status: number, reason: string, detail?: RegExp): void {
  expect({ status: res.status, reason: res.body?.reason }, JSON.stringify(res.body)).toEqual({ status, reason });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `urn:centers:problem:${reason}`, title: expect.any(String), status, detail: expect.any(String) });
  if (detail) expect(res.body.detail).toMatch(detail);
}

/** A request from a chosen loopback address (the login limit is per address). */
function fromAddress(localAddress: string, url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; setCookie: string[]; contentType: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${url}${path}`, { method, localAddress, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, setCookie: res.headers['set-cookie'] ?? [], contentType: res.headers['content-type'] ?? '' }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Logs in from a loopback address of its own, so that the tests do not share the login limit. */
const login = (from: string, userId: string, password: string, url = api.url) => fromAddress(from, url, 'POST', '/api/v1/session', { userId, password });

const cookieOf = (res: { setCookie: string[] }): string => {
  const set = res.setCookie.find((c) => c.startsWith('centers_session='));
  expect(set, 'a session cookie is set').toBeDefined();
  return set!.split(';')[0].slice('centers_session='.length);
};
const withCookie = (cookie: string, csrf?: string) => ({ cookie: `centers_session=${cookie}`, ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) });

describe('API tokens through HTTP', () => {
  it('an expired token is refused with 401 and told to ask for a new one', async () => {
    const past = createIdentities(api.h.knex, { tokenDays: 1, sessionHours: 12, now: () => new Date(Date.now() - 2 * DAY) });
    const { token } = await past.addUser({ id: 'auth-expired', name: 'Expired', role: 'commission', admin: true, tokenDays: 1 });
    expectProblem(await api.http('GET', '/api/v1/me', { token: token.token }), 401, 'unauthenticated', /expired\. Ask a commission administrator for a new one \(`centers users token <id>`\)/);
    expectProblem(await api.http('POST', '/api/v1/calls', { token: token.token, body: callInfo(Date.now(), { callId: 'call-expired' }) }), 401, 'unauthenticated', /expired/);
  });

  it('a token revoked by its owner, or by an administrator, is refused with 401; the user\u2019s other tokens still work', async () => {
    const admin = await api.user('commission', { id: 'auth-admin', admin: true });
    const alice = await api.user('university', { id: 'auth-alice', orgId: 'bjut' });
    expect((await api.http('GET', '/api/v1/me', { token: alice.token })).body.identity).toMatchObject({ userId: 'auth-alice', role: 'university', orgId: 'bjut', via: 'token' });

    const second = await api.http('POST', '/api/v1/users/auth-alice/tokens', { token: admin.token, body: { days: 7, label: 'laptop' } });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const laptop = second.body.token as { tokenId: string; token: string };

    // Alice revokes her own first token (a leaked one); she may not revoke another user's.
    expect((await api.http('DELETE', `/api/v1/tokens/${alice.issued.tokenId}`, { token: alice.token })).status).toBe(200);
    expectProblem(await api.http('GET', '/api/v1/me', { token: alice.token }), 401, 'unauthenticated', /revoked\. Ask a commission administrator for a new one/);
    expectProblem(await api.http('DELETE', `/api/v1/tokens/${admin.issued.tokenId}`, { token: laptop.token }), 403, 'forbidden-role', /administrators/);
    expect((await api.http('GET', '/api/v1/me', { token: laptop.token })).status).toBe(200);

    // The administrator revokes her second one.
    expect((await api.http('DELETE', `/api/v1/tokens/${laptop.tokenId}`, { token: admin.token })).body.token.revokedAt).toEqual(expect.any(String));
    expectProblem(await api.http('GET', '/api/v1/me', { token: laptop.token }), 401, 'unauthenticated', /revoked/);
  });

  it('an unknown token, a wrong secret, or a header that is not Bearer: 401 saying what is wrong', async () => {
    const bob = await api.user('auditor', { id: 'auth-bob' });
    const wrongSecret = `${bob.token.slice(0, -4)}AAAA`;
    expectProblem(await api.http('GET', '/api/v1/me', { token: wrongSecret }), 401, 'unauthenticated', /not known/);
    expectProblem(await api.http('GET', '/api/v1/me', { token: 'ctc_000000000000_' + 'A'.repeat(43) }), 401, 'unauthenticated', /not known/);
    expectProblem(await api.http('GET', '/api/v1/me', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }), 401, 'unauthenticated', /must be `Bearer <token>`/);
    expectProblem(await api.http('GET', '/api/v1/me'), 401, 'unauthenticated', /Sign in first/);
  });
});

describe('a disabled user', () => {
  it("stops working at once: the token and the session; the login says so; enabling restores the token, not the session", async () => {
    const admin = await api.user('commission', { id: 'auth-admin-2', admin: true });
    const carol = await api.user('university', { id: 'auth-carol', orgId: 'pku', password: PASSWORD });
    const session = await login('127.0.0.4', 'auth-carol', PASSWORD);
    expect(session.status, JSON.stringify(session.body)).toBe(200);
    const cookie = cookieOf(session);
    expect((await api.http('GET', '/api/v1/me', { headers: withCookie(cookie) })).status).toBe(200);
    expect((await api.http('GET', '/api/v1/me', { token: carol.token })).status).toBe(200);

    expect((await api.http('POST', '/api/v1/users/auth-carol/disable', { token: admin.token })).body.user.status).toBe('disabled');
    expectProblem(await api.http('GET', '/api/v1/me', { token: carol.token }), 401, 'unauthenticated', /This user is disabled\. Ask a commission administrator to enable the user\./);
    const ended = await api.http('GET', '/api/v1/me', { headers: withCookie(cookie) });
    expectProblem(ended, 401, 'unauthenticated', /disabled/);
    expect(ended.headers.getSetCookie().some((c) => /^centers_session=;/.test(c)), 'the dead cookie is cleared').toBe(true);
    expectProblem(await api.http('POST', '/api/v1/commands/submit-application', { token: carol.token, body: {} }), 401, 'unauthenticated', /disabled/);
    const again = await login('127.0.0.4', 'auth-carol', PASSWORD);
    expect(again).toMatchObject({ status: 401, body: { reason: 'unauthenticated', detail: 'This user is disabled.' } });

    expect((await api.http('POST', '/api/v1/users/auth-carol/enable', { token: admin.token })).body.user.status).toBe('active');
    expect((await api.http('GET', '/api/v1/me', { token: carol.token })).status).toBe(200);
    expectProblem(await api.http('GET', '/api/v1/me', { headers: withCookie(cookie) }), 401, 'unauthenticated', /The session has ended\. Log in again\./);
  });
});

describe('password login, the session cookie and CSRF', () => {
  it('sets an HttpOnly SameSite=Strict cookie, needs the CSRF token on writes, and logs out', async () => {
    await api.user('commission', { id: 'auth-dave', password: PASSWORD });
    const session = await login('127.0.0.6', 'auth-dave', PASSWORD);
    expect(session.status, JSON.stringify(session.body)).toBe(200);
    const set = session.setCookie.find((c) => c.startsWith('centers_session='))!;
    expect(set).toMatch(/;\s*HttpOnly/i);
    expect(set).toMatch(/;\s*SameSite=Strict/i);
    expect(set).toMatch(/;\s*Path=\//i);
    const cookie = cookieOf(session);
    const csrf = session.body.csrfToken as string;
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf).not.toBe(cookie);
    expect(session.body.identity).toMatchObject({ userId: 'auth-dave', role: 'commission', via: 'session' });
    expect(JSON.stringify(session.body)).not.toContain(cookie);

    expect((await api.http('GET', '/api/v1/me', { headers: withCookie(cookie) })).body.identity).toMatchObject({ userId: 'auth-dave', via: 'session' });

    // A write by cookie: no CSRF token, or a wrong one, is refused before anything happens.
    const call = callInfo(Date.now(), { callId: 'call-by-session' });
    expectProblem(await api.http('POST', '/api/v1/calls', { body: call, headers: withCookie(cookie) }), 403, 'csrf', /X-CSRF-Token|x-csrf-token/i);
    expectProblem(await api.http('POST', '/api/v1/calls', { body: call, headers: withCookie(cookie, `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`) }), 403, 'csrf');
    expectProblem(await api.http('POST', '/api/v1/calls', { body: call, headers: withCookie(cookie, cookie) }), 403, 'csrf');
    expectProblem(await api.http('GET', '/api/v1/calls/call-by-session', { headers: withCookie(cookie) }), 404, 'not-found');

    // With the right one the command meets its own checks: the schema, then it is done.
    expectProblem(await api.http('POST', '/api/v1/calls', { body: { ...call, quota: 0 }, headers: withCookie(cookie, csrf) }), 400, 'invalid-input', /quota/);
    const opened = await api.http('POST', '/api/v1/calls', { body: call, headers: withCookie(cookie, csrf) });
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    expect(opened.body).toMatchObject({ callId: 'call-by-session', status: 'open' });
    // …and a university's session is refused by the command's own role check, not by CSRF.
    await api.user('university', { id: 'auth-erin', orgId: 'bjut', password: PASSWORD });
    const erin = await login('127.0.0.6', 'auth-erin', PASSWORD);
    expectProblem(await api.http('POST', '/api/v1/calls', { body: callInfo(Date.now(), { callId: 'call-by-erin' }), headers: withCookie(cookieOf(erin), erin.body.csrfToken) }), 403, 'forbidden-role');

    // Logging out ends the session: the cookie is cleared and no longer works, for reads or writes.
    const out = await api.http('DELETE', '/api/v1/session', { headers: withCookie(cookie) });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ loggedOut: true });
    expect(out.headers.getSetCookie().some((c) => /^centers_session=;/.test(c))).toBe(true);
    expectProblem(await api.http('GET', '/api/v1/me', { headers: withCookie(cookie) }), 401, 'unauthenticated', /The session has ended\. Log in again\./);
    expectProblem(await api.http('POST', '/api/v1/calls', { body: callInfo(Date.now(), { callId: 'call-after-logout' }), headers: withCookie(cookie, csrf) }), 401, 'unauthenticated');
  });

  it('a wrong password and an unknown user hear the same sentence', async () => {
    await api.user('auditor', { id: 'auth-frank', password: PASSWORD });
    const wrong = await login('127.0.0.5', 'auth-frank', 'not the password at all');
    const unknown = await login('127.0.0.5', 'nobody-at-all', PASSWORD);
    expect(wrong).toMatchObject({ status: 401, body: { reason: 'unauthenticated', detail: 'Wrong user or password.' } });
    expect(unknown).toMatchObject({ status: 401, body: { reason: 'unauthenticated', detail: 'Wrong user or password.' } });
  });
});

describe('limits', () => {
  it('the 4th login attempt from one address within the minute is 429 rate-limited; another address is not limited', async () => {
    await api.user('auditor', { id: 'auth-grace', password: PASSWORD });
    for (let i = 1; i <= 3; i++) {
      const res = await login('127.0.0.2', 'auth-grace', `wrong password ${i}`);
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const fourth = await login('127.0.0.2', 'auth-grace', 'wrong password 4');
    expect(fourth.status).toBe(429);
    expect(fourth.contentType).toMatch(/^application\/problem\+json/);
    expect(fourth.body).toMatchObject({ type: 'urn:centers:problem:rate-limited', reason: 'rate-limited', status: 429, detail: expect.stringMatching(/at most 3 per minute\. Try again in \d+ s\./) });
    // Even the right password waits out the minute from that address.
    expect((await login('127.0.0.2', 'auth-grace', PASSWORD)).status).toBe(429);
    expect((await login('127.0.0.3', 'auth-grace', PASSWORD)).status).toBe(200);
  });

  it('the general limit is per identity: the caller over rateLimitPerMinute hears 429, another caller does not', async () => {
    const url = await otherApi({ config: (cfg) => ({ ...cfg, api: { ...cfg.api, rateLimitPerMinute: 5 } }) });
    const heidi = await api.user('auditor', { id: 'auth-heidi' });
    const ivan = await api.user('auditor', { id: 'auth-ivan' });
    for (let i = 1; i <= 5; i++) expect((await request(url, 'GET', '/api/v1/me', { token: heidi.token })).status, `request ${i}`).toBe(200);
    const over = await request(url, 'GET', '/api/v1/me', { token: heidi.token });
    expectProblem(over, 429, 'rate-limited', /at most 5 per minute\. Try again in \d+ s\./);
    expect((await request(url, 'GET', '/api/v1/me', { token: ivan.token })).status).toBe(200);
    // Anonymous callers share their address's budget (here: the public notices).
    for (let i = 1; i <= 5; i++) expect((await request(url, 'GET', '/api/v1/notices')).status).toBe(200);
    expectProblem(await request(url, 'GET', '/api/v1/notices'), 429, 'rate-limited');
  });

  it('a body above 1 MB is refused with a 413 problem', async () => {
    const admin = await api.user('commission', { id: 'auth-judy' });
    const big = { ...callInfo(Date.now(), { callId: 'call-too-big' }), title: 'x'.repeat(BODY_LIMIT + 1) };
    const res = await api.http('POST', '/api/v1/calls', { token: admin.token, body: big });
    expectProblem(res, 413, 'invalid-input', new RegExp(`larger than ${BODY_LIMIT} bytes`));
    expectProblem(await api.http('GET', '/api/v1/calls/call-too-big', { token: admin.token }), 404, 'not-found');
  });
});

describe('OIDC bearer tokens from a real provider, through the API', () => {
  it('a commission token opens a call; a university token may not approve; a token for another audience is 401', async () => {
    const commission = await idp.token('commission', null, { sub: 'oidc-kate', name: 'Kate' });
    const me = await api.http('GET', '/api/v1/me', { token: commission });
    expect(me.body.identity).toEqual({ userId: 'oidc-kate', name: 'Kate', role: 'commission', orgId: null, admin: false, via: 'oidc' });
    const opened = await api.http('POST', '/api/v1/calls', { token: commission, body: callInfo(Date.now(), { callId: 'call-by-oidc' }) });
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    expect(opened.body).toMatchObject({ callId: 'call-by-oidc', status: 'open' });

    const bjut = await idp.token('university', 'bjut', { sub: 'oidc-bjut-office' });
    expectProblem(await api.http('POST', '/api/v1/centers/bjut/commands/approve', { token: bjut, body: {} }), 403, 'forbidden-role', /APPROVE is for commission, not a university/);

    const elsewhere = await idp.token('commission', null, { audience: 'https://another.test/api' });
    expectProblem(await api.http('POST', '/api/v1/calls', { token: elsewhere, body: callInfo(Date.now(), { callId: 'call-elsewhere' }) }), 401, 'unauthenticated', /not meant for this API/);
    expectProblem(await api.http('GET', '/api/v1/calls/call-elsewhere', { token: commission }), 404, 'not-found');
  });
});

describe('logs', () => {
  it.each(['info', 'trace'])('at level %s, no token, cookie, CSRF token or password is ever written to the log', async (level) => {
    const lines: string[] = [];
    const url = await otherApi({ logger: { level, stream: { write: (line: string) => void lines.push(line) } } });
    const id = `auth-logged-${level}`;
    const { token } = await api.user('commission', { id, password: PASSWORD });

    expect((await request(url, 'GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await login('127.0.0.1', id, `${PASSWORD}!`, url)).status).toBe(401);
    const session = await login('127.0.0.1', id, PASSWORD, url);
    expect(session.status).toBe(200);
    const cookie = cookieOf(session);
    const csrf = session.body.csrfToken as string;
    expect((await request(url, 'GET', '/api/v1/me', { headers: withCookie(cookie) })).status).toBe(200);
    expect((await request(url, 'POST', '/api/v1/calls', { body: { nonsense: true }, headers: withCookie(cookie, csrf) })).status).toBe(400);
    expect((await request(url, 'POST', '/api/v1/calls', { body: {}, headers: withCookie(cookie, 'a-wrong-csrf-token') })).status).toBe(403);
    expect((await request(url, 'GET', '/api/v1/me', { token: `${token.slice(0, -3)}xyz` })).status).toBe(401);
    expect((await request(url, 'DELETE', '/api/v1/session', { headers: withCookie(cookie) })).status).toBe(200);

    const log = lines.join('');
    // The log was written, one JSON line per event, for every request.
    expect(lines.length).toBeGreaterThanOrEqual(16);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(log).toContain('/api/v1/session');
    const secrets = { token, tokenSecret: token.split('_').slice(2).join('_'), cookie, csrf, password: PASSWORD };
    for (const [name, secret] of Object.entries(secrets)) expect(log.includes(secret), `the ${name} is not in the log`).toBe(false);
  });
});
