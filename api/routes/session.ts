/**
 * Logging in and out (the console's session cookie, HTTP-only and SameSite=Strict, with a CSRF token for writes),
 * who the caller is, and — for commission administrators — the users and their API tokens. The first user is made
 * with `centers users add` on the machine that holds the database.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SlugSchema } from '../../machines/domain';
import { ROLES } from '../../machines/vocabulary';
import type { ApiDeps } from '../app';
import { requireIdentity, SESSION_COOKIE } from '../auth';
import { IdentityError, NewUserSchema, type Identity } from '../identities';
import { ProblemError, ProblemSchema } from '../problem';

/** The answer's shape is the record types of db/ and the view of machines/; documented by its summary. */
const Any = z.unknown();
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 429: ProblemSchema };

function requireAdmin(identity: Identity): void {
  if (identity.role !== 'commission' || !identity.admin) {
    throw new ProblemError('forbidden-role', 'Managing users is for commission administrators.');
  }
}

/** An IdentityError as a problem: a duplicate is a conflict, an unknown user not found, the rest invalid input. */
function asProblem(err: unknown): never {
  if (err instanceof IdentityError) {
    const code = (err as { code?: string }).code;
    throw new ProblemError(code === 'not-found' ? 'not-found' : code === 'exists' ? 'not-allowed-in-state' : 'invalid-input', err.message);
  }
  throw err;
}

export async function sessionRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { identities, cfg } = deps;

  const setSession = (reply: FastifyReply, cookie: string, expiresAt: string) =>
    reply.setCookie(SESSION_COOKIE, cookie, { path: '/', httpOnly: true, sameSite: 'strict', secure: cfg.api.secureCookies, expires: new Date(expiresAt) });

  api.post('/session', {
    schema: {
      operationId: 'login',
      tags: ['Session and users'],
      summary: 'Log in with a password: sets the session cookie and returns the CSRF token writes must carry',
      security: [],
      body: z.object({ userId: SlugSchema, password: z.string().min(1).max(1024) }).strict(),
      response: { 200: Any, ...errors },
    },
    config: { access: 'public', rateLimit: { max: cfg.api.loginAttemptsPerMinute, timeWindow: '1 minute', keyGenerator: (request) => `login:${request.ip}` } },
  }, async (request, reply) => {
    const result = await identities.login(request.body.userId, request.body.password);
    if (!result.ok) throw new ProblemError('unauthenticated', result.failure === 'disabled' ? 'This user is disabled.' : 'Wrong user or password.');
    setSession(reply, result.session.cookie, result.session.expiresAt);
    return { identity: result.identity, csrfToken: result.session.csrfToken, expiresAt: result.session.expiresAt };
  });

  api.delete('/session', { schema: { operationId: 'logout', tags: ['Session and users'], summary: 'Log out: ends the session', response: { 200: Any } }, config: { access: 'public' } }, async (request, reply) => {
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) await identities.logout(cookie);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { loggedOut: true };
  });

  api.get('/me', { schema: { operationId: 'me', tags: ['Session and users'], summary: 'Who the caller is: user, role, organisation', response: { 200: Any, ...errors } } }, async (request) => ({ identity: requireIdentity(request) }));

  api.get('/users', {
    schema: { operationId: 'listUsers', tags: ['Session and users'], summary: 'Users (commission administrators)', querystring: z.object({ role: z.enum(ROLES).optional(), status: z.enum(['active', 'disabled']).optional() }).strict(), response: { 200: Any, ...errors } },
  }, async (request) => {
    requireAdmin(requireIdentity(request));
    return { users: await identities.listUsers(request.query) };
  });

  api.post('/users', { schema: { operationId: 'addUser', tags: ['Session and users'], summary: 'Add a user; the answer holds their API token, shown once', body: NewUserSchema, response: { 200: Any, ...errors } } }, async (request) => {
    requireAdmin(requireIdentity(request));
    return identities.addUser(request.body).catch(asProblem);
  });

  const UserParams = z.object({ id: SlugSchema });
  api.post('/users/:id/disable', { schema: { operationId: 'disableUser', tags: ['Session and users'], summary: 'Disable a user: their tokens and sessions stop working', params: UserParams, response: { 200: Any, ...errors } } }, async (request) => {
    requireAdmin(requireIdentity(request));
    return { user: await identities.setStatus(request.params.id, 'disabled').catch(asProblem) };
  });
  api.post('/users/:id/enable', { schema: { operationId: 'enableUser', tags: ['Session and users'], summary: 'Enable a disabled user', params: UserParams, response: { 200: Any, ...errors } } }, async (request) => {
    requireAdmin(requireIdentity(request));
    return { user: await identities.setStatus(request.params.id, 'active').catch(asProblem) };
  });
  api.get('/users/:id/tokens', { schema: { operationId: 'listTokens', tags: ['Session and users'], summary: "A user's API tokens (never their secrets)", params: UserParams, response: { 200: Any, ...errors } } }, async (request) => {
    requireAdmin(requireIdentity(request));
    return { tokens: await identities.listTokens(request.params.id) };
  });
  api.post('/users/:id/tokens', {
    schema: { operationId: 'issueToken', tags: ['Session and users'], summary: 'Issue a new API token for a user (shown once)', params: UserParams, body: z.object({ days: z.number().int().min(1).max(3650).optional(), label: z.string().max(200).optional() }).strict(), response: { 200: Any, ...errors } },
  }, async (request) => {
    requireAdmin(requireIdentity(request));
    return { token: await identities.issueToken(request.params.id, request.body).catch(asProblem) };
  });
  api.delete('/tokens/:tokenId', { schema: { operationId: 'revokeToken', tags: ['Session and users'], summary: 'Revoke an API token', params: z.object({ tokenId: z.string().min(1).max(64) }), response: { 200: Any, ...errors } } }, async (request) => {
    const identity = requireIdentity(request);
    // Anyone may revoke a token of their own (a leaked one); administrators any token.
    const mine = (await identities.listTokens(identity.userId)).some((t) => t.tokenId === request.params.tokenId);
    if (!mine) requireAdmin(identity);
    return { token: await identities.revokeToken(request.params.tokenId).catch(asProblem) };
  });
}
