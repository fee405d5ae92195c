/**
 * OIDC bearer tokens: an access token (a JWT) issued by the configured identity provider (`api.oidc`) is verified
 * against the provider's published keys and mapped to an Identity — role from `roleClaim` (through `roles`), the
 * organisation from `orgClaim`, the user from `sub`. Nothing else in the token is trusted.
 *
 * Keys: the discovery document (`<issuer>/.well-known/openid-configuration`) is read once, lazily, and names the
 * JWKS; jose's remote JWKS caches the keys and refetches them when a token names a key it does not know (rotation).
 * Only asymmetric signatures are accepted: a token signed with `none` or a shared secret (HS*) is refused.
 *
 * A token is refused with a result ('invalid', 'expired', 'unmapped'); when the provider itself cannot be reached
 * (discovery or JWKS fetch fails), `verify` throws ProblemError('unavailable') — a 503, not the caller's fault.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { AppConfig } from '../config';
import { ROLES, SlugSchema, type Role } from '../machines/domain';
import type { Identity } from './identities';
import { ProblemError } from './problem';

export type OidcConfig = NonNullable<AppConfig['api']['oidc']>;
export type OidcResult = { ok: true; identity: Identity } | { ok: false; failure: 'invalid' | 'expired' | 'unmapped'; message: string };

/** Asymmetric signatures only ("Ed25519" is RFC 9864's fully-specified name of EdDSA over Ed25519). */
export const OIDC_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'] as const;
/** Seconds of clock skew tolerated on exp/nbf. */
export const OIDC_CLOCK_TOLERANCE = 30;
const DISCOVERY_TIMEOUT_MS = 5000;

/** Roles that act for an organisation: their token must carry it. */
const ORG_ROLES: ReadonlySet<Role> = new Set<Role>(['university', 'expert']);

/** jose errors that mean "this token is not acceptable" (anything else is the provider or the network). */
const INVALID_CODES = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
  'ERR_JWK_INVALID',
]);

const refuse = (failure: 'invalid' | 'expired' | 'unmapped', message: string): OidcResult => ({ ok: false, failure, message });

export function createOidcVerifier(
  cfg: OidcConfig,
  opts: {
    fetch?: typeof fetch;
    /** The time tokens are checked against (tests). Default: now. */
    currentDate?: () => Date;
  } = {},
): { verify(jwt: string): Promise<OidcResult>; issuer: string } {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const issuer = cfg.issuer;
  const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | null = null;

  async function discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    let doc: unknown;
    try {
      const res = await doFetch(discoveryUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = await res.json();
    } catch (e) {
      throw new ProblemError('unavailable', `The identity provider's discovery document ${discoveryUrl} could not be read (${(e as Error).message}); try again later.`);
    }
    const d = (doc ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
    if (d.issuer !== issuer) {
      throw new ProblemError('unavailable', `The discovery document at ${discoveryUrl} names the issuer ${JSON.stringify(d.issuer)}, not ${JSON.stringify(issuer)}: fix api.oidc.issuer.`);
    }
    let jwksUri: URL;
    try {
      jwksUri = new URL(String(d.jwks_uri));
    } catch {
      throw new ProblemError('unavailable', `The discovery document at ${discoveryUrl} has no valid jwks_uri.`);
    }
    return createRemoteJWKSet(jwksUri, opts.fetch ? { [customFetch]: opts.fetch } : {});
  }

  /** The JWKS, discovered once; a failed discovery is forgotten so that the next call tries again. */
  function jwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!keys) {
      keys = discover();
      keys.catch(() => {
        keys = null;
      });
    }
    return keys;
  }

  async function verify(jwt: string): Promise<OidcResult> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(jwt).alg;
    } catch {
      return refuse('invalid', 'The bearer token is not a signed JWT.');
    }
    if (typeof alg !== 'string' || !(OIDC_ALGORITHMS as readonly string[]).includes(alg)) {
      return refuse('invalid', `The token is signed with ${JSON.stringify(alg)}; only ${OIDC_ALGORITHMS.join(', ')} are accepted.`);
    }
    const getKey = await jwks();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, getKey, {
        issuer,
        audience: cfg.audience,
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: OIDC_CLOCK_TOLERANCE,
        requiredClaims: ['sub', 'exp'],
        ...(opts.currentDate ? { currentDate: opts.currentDate() } : {}),
      }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) return refuse('expired', 'The token has expired: get a new one from the identity provider.');
      if (e instanceof errors.JOSEError && INVALID_CODES.has(e.code)) return refuse('invalid', invalidSentence(e, cfg.audience));
      throw new ProblemError('unavailable', `The identity provider's keys could not be read (${(e as Error).message}); try again later.`);
    }
    return mapClaims(cfg, payload);
  }

  return { verify, issuer };
}

function invalidSentence(e: errors.JOSEError, audience: string): string {
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return `The token is not meant for this API (its audience is not ${JSON.stringify(audience)}).`;
    if (e.claim === 'iss') return 'The token was issued by another issuer.';
    if (e.claim === 'nbf') return 'The token is not valid yet.';
    return `The token's "${e.claim}" claim is missing or wrong.`;
  }
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWSSignatureVerificationFailed) {
    return "The token's signature does not match any key of the identity provider.";
  }
  return `The token is malformed or not acceptable (${e.message}).`;
}

/** The identity a verified token stands for, or 'unmapped' when its claims do not name a role (and organisation). */
export function mapClaims(cfg: OidcConfig, claims: JWTPayload): OidcResult {
  const raw = claims[cfg.roleClaim];
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : [];
  if (values.length === 0) {
    return refuse('unmapped', `The token has no "${cfg.roleClaim}" claim (a string or a list of strings) naming the caller's role.`);
  }
  const mapping = Object.keys(cfg.roles).length > 0;
  const roleOf = (v: string): Role | undefined =>
    mapping ? (Object.hasOwn(cfg.roles, v) ? cfg.roles[v] : undefined) : (ROLES as readonly string[]).includes(v) ? (v as Role) : undefined;
  const roles = [...new Set(values.map(roleOf).filter((r): r is Role => r !== undefined))];
  if (roles.length === 0) {
    return refuse(
      'unmapped',
      `The token's "${cfg.roleClaim}" claim (${values.map((v) => JSON.stringify(v)).join(', ')}) names no role of this service` +
        (mapping ? ` (api.oidc.roles maps ${Object.keys(cfg.roles).map((k) => JSON.stringify(k)).join(', ')}).` : ` (expected one of ${ROLES.join(', ')}).`),
    );
  }
  if (roles.length > 1) {
    return refuse('unmapped', `The token's "${cfg.roleClaim}" claim names several roles (${roles.join(', ')}); a caller has exactly one.`);
  }
  const role = roles[0];

  const org = claims[cfg.orgClaim];
  const orgId = typeof org === 'string' && SlugSchema.safeParse(org).success ? org : null;
  if (ORG_ROLES.has(role) && orgId === null) {
    return refuse(
      'unmapped',
      org === undefined
        ? `A ${role} acts for an organisation, but the token has no "${cfg.orgClaim}" claim.`
        : `A ${role} acts for an organisation, but the token's "${cfg.orgClaim}" claim is not an organisation id (letters, digits, "-" or "_").`,
    );
  }

  const sub = String(claims.sub);
  const userId = SlugSchema.safeParse(sub).success ? sub : `oidc-${createHash('sha256').update(sub).digest('hex').slice(0, 24)}`;
  const name = [claims.name, claims.preferred_username].find((v): v is string => typeof v === 'string' && v.trim() !== '')?.trim() ?? sub;

  return { ok: true, identity: { userId, name: name.slice(0, 200), role, orgId, admin: false, via: 'oidc' } };
}
