/**
 * Who is calling: an API token (`Authorization: Bearer ctc_…`), an OIDC bearer JWT from the configured issuer, or
 * the console's session cookie (with its CSRF token on every write). The identity found is the actor of every
 * command; nothing in a request can choose its own role or organisation (docs/security.md).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../machines/domain';
import type { AuthFailure, Identity, createIdentities } from './identities';
import type { createOidcVerifier } from './oidc';
import { ProblemError } from './problem';

export type Identities = ReturnType<typeof createIdentities>;
export type OidcVerifier = ReturnType<typeof createOidcVerifier>;

export const SESSION_COOKIE = 'centers_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null for an anonymous request (public reads only). */
    identity: Identity | null;
    /** How the caller authenticated: a session cookie needs a CSRF token on writes. */
    viaCookie: boolean;
  }
  interface FastifyContextConfig {
    /** "public": anyone, without logging in (the published notices, health, the login itself). */
    access?: 'public' | 'authenticated';
  }
}

const FAILURE_TEXT: Record<AuthFailure, string> = {
  unknown: 'This token is not known. Ask a commission administrator for a token (`centers users token <id>`).',
  expired: 'This token has expired. Ask a commission administrator for a new one (`centers users token <id>`).',
  revoked: 'This token was revoked. Ask a commission administrator for a new one (`centers users token <id>`).',
  disabled: 'This user is disabled. Ask a commission administrator to enable the user.',
  'bad-password': 'Wrong user or password.',
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The actor a command carries: the caller's identity, never anything the request says. */
export function actorOf(identity: Identity): Actor {
  return identity.orgId ? { id: identity.userId, role: identity.role, orgId: identity.orgId } : { id: identity.userId, role: identity.role };
}

export function requireIdentity(request: FastifyRequest): Identity {
  if (!request.identity) {
    throw new ProblemError('unauthenticated', 'Sign in first: send `Authorization: Bearer <token>` (an API token or an OIDC access token), or log in with POST /api/v1/session.');
  }
  return request.identity;
}

/** The onRequest hook: finds the caller's identity; refuses a bad credential, a write by cookie without its CSRF token. */
export function authenticator(identities: Identities, oidc: OidcVerifier | null) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    request.identity = null;
    request.viaCookie = false;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new ProblemError('unauthenticated', 'The Authorization header must be `Bearer <token>`.');
      const token = match[1];
      if (token.startsWith('ctc_')) {
        const result = await identities.authenticateToken(token);
        if (!result.ok) throw new ProblemError('unauthenticated', FAILURE_TEXT[result.failure]);
        request.identity = result.identity;
      } else if (token.split('.').length === 3 && oidc) {
        const result = await oidc.verify(token);
        if (!result.ok) throw new ProblemError('unauthenticated', `The OIDC token was refused (${result.failure}): ${result.message}`);
        request.identity = result.identity;
      } else {
        throw new ProblemError('unauthenticated', oidc ? 'The bearer token is neither an API token nor a JWT of the configured issuer.' : 'The bearer token is not an API token (they start with ctc_).');
      }
      return;
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (cookie) {
      const result = await identities.authenticateSession(cookie);
      if (!result.ok) {
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        throw new ProblemError('unauthenticated', result.failure === 'disabled' ? FAILURE_TEXT.disabled : 'The session has ended. Log in again.');
      }
      // Logging in again or out needs no CSRF token: neither acts on anything but the session itself.
      if (UNSAFE.has(request.method) && !request.url.startsWith('/api/v1/session')) {
        const csrf = request.headers[CSRF_HEADER];
        if (typeof csrf !== 'string' || !(await identities.checkCsrf(cookie, csrf))) {
          throw new ProblemError('csrf', `A write with the session cookie needs the session's CSRF token in the ${CSRF_HEADER} header (returned by the login).`);
        }
      }
      request.identity = result.identity;
      request.viaCookie = true;
    }
  };
}
