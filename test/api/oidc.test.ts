/**
 * OIDC bearer tokens against a real OpenID Provider (oidc-provider on a free port, test/helpers/oidc.ts): tokens are
 * obtained over HTTP from its token endpoint and verified through its discovery document and JWKS.
 */
import { createHash } from 'node:crypto';
import { SignJWT, base64url, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, type OidcResult } from '../../api/oidc';
import { ProblemError } from '../../api/problem';
import { startTestOidcProvider, type TestOidcProvider } from '../helpers/oidc';

let idp: TestOidcProvider;
let other: TestOidcProvider;

beforeAll(async () => {
  [idp, other] = await Promise.all([startTestOidcProvider(), startTestOidcProvider()]);
});
afterAll(async () => {
  await Promise.all([idp?.close(), other?.close()]);
});

const failure = (r: OidcResult) => (r.ok ? 'ok' : r.failure);

/** A JWT the provider did not issue: right issuer and audience, signed by `key` with `alg`. */
async function selfMade(alg: string, key: CryptoKey | Uint8Array, kid = 'test-key-0'): Promise<string> {
  return new SignJWT({ centers_role: 'commission', name: 'Mallory' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer(idp.issuer)
    .setAudience(idp.audience)
    .setSubject('mallory')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

describe('a valid token', () => {
  it('maps to the identity its claims name', async () => {
    const verifier = createOidcVerifier(idp.config());
    expect(verifier.issuer).toBe(idp.issuer);
    const jwt = await idp.token('university', 'pku', { sub: 'alice', name: 'Alice Zhang' });
    expect(await verifier.verify(jwt)).toEqual({
      ok: true,
      identity: { userId: 'alice', name: 'Alice Zhang', role: 'university', orgId: 'pku', admin: false, via: 'oidc' },
    });
  });

  it('maps claim values through api.oidc.roles, a list of values included', async () => {
    const verifier = createOidcVerifier(idp.config({ roles: { 'tt-commission': 'commission', 'tt-expert': 'expert' } }));
    const commission = await verifier.verify(await idp.token(['staff', 'tt-commission'], null, { sub: 'chen' }));
    expect(commission).toEqual({ ok: true, identity: { userId: 'chen', name: 'chen', role: 'commission', orgId: null, admin: false, via: 'oidc' } });
    const expert = await verifier.verify(await idp.token('tt-expert', 'tsinghua', { sub: 'wang' }));
    expect(expert.ok && expert.identity).toMatchObject({ role: 'expert', orgId: 'tsinghua' });
  });

  it('accepts every asymmetric algorithm the provider signs with', async () => {
    const verifier = createOidcVerifier(idp.config());
    for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
      const result = await verifier.verify(await idp.token('scheduler', null, { sub: `cron-${alg.toLowerCase()}`, alg }));
      expect(result.ok && result.identity, alg).toMatchObject({ userId: `cron-${alg.toLowerCase()}`, role: 'scheduler' });
    }
  });

  it('turns a subject that is not a slug into a stable oidc-<sha256> id, and names it by preferred_username', async () => {
    const verifier = createOidcVerifier(idp.config());
    const sub = 'auditor@audit.example.org';
    const first = await verifier.verify(await idp.token('auditor', null, { sub, claims: { preferred_username: 'li.auditor' } }));
    const second = await verifier.verify(await idp.token('auditor', null, { sub }));
    const expected = `oidc-${createHash('sha256').update(sub).digest('hex').slice(0, 24)}`;
    expect(first.ok && first.identity).toMatchObject({ userId: expected, name: 'li.auditor', role: 'auditor' });
    expect(second.ok && second.identity).toMatchObject({ userId: expected, name: sub });
  });
});

describe('a token not for this service is refused as invalid', () => {
  it('another audience', async () => {
    const result = await createOidcVerifier(idp.config()).verify(await idp.token('commission', null, { audience: 'https://other.test/api' }));
    expect(result).toMatchObject({ ok: false, failure: 'invalid', message: expect.stringContaining(idp.audience) });
  });

  it('another issuer (a second real provider)', async () => {
    expect(failure(await createOidcVerifier(idp.config()).verify(await other.token('commission', null)))).toBe('invalid');
  });

  it('signed by another key, under the kid of the provider key or an unknown kid', async () => {
    const verifier = createOidcVerifier(idp.config());
    const { privateKey } = await generateKeyPair('RS256');
    expect(failure(await verifier.verify(await selfMade('RS256', privateKey)))).toBe('invalid');
    expect(failure(await verifier.verify(await selfMade('RS256', privateKey, 'not-a-key-of-the-provider')))).toBe('invalid');
  });

  it('alg "none", and HS256 with a secret or with the provider public key as the secret', async () => {
    const verifier = createOidcVerifier(idp.config());
    const enc = (v: object) => base64url.encode(JSON.stringify(v));
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: idp.issuer, aud: idp.audience, sub: 'mallory', centers_role: 'commission', iat: now, exp: now + 300 };
    const none = `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
    expect(await verifier.verify(none)).toMatchObject({ ok: false, failure: 'invalid', message: expect.stringContaining('"none"') });

    expect(failure(await verifier.verify(await selfMade('HS256', new TextEncoder().encode('a shared secret of 32 bytes!!!!!'))))).toBe('invalid');

    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: object[] };
    const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    expect(failure(await verifier.verify(await selfMade('HS256', publicKeyAsSecret)))).toBe('invalid');
  });

  it('a token that is not valid yet, and text that is not a JWT', async () => {
    const verifier = createOidcVerifier(idp.config());
    expect(failure(await verifier.verify(await idp.token('commission', null, { notBeforeIn: 3600 })))).toBe('invalid');
    expect(failure(await verifier.verify('not.a.jwt'))).toBe('invalid');
  });

  it('a key the provider published, but a public JWK in the header (embedded keys are not trusted)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwt = await new SignJWT({ centers_role: 'commission' })
      .setProtectedHeader({ alg: 'ES256', jwk: await exportJWK(publicKey) })
      .setIssuer(idp.issuer)
      .setAudience(idp.audience)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(failure(await createOidcVerifier(idp.config()).verify(jwt))).toBe('invalid');
  });
});

describe('an expired token', () => {
  it('issued expired by the provider is refused as expired', async () => {
    const result = await createOidcVerifier(idp.config()).verify(await idp.token('commission', null, { expiresIn: -120 }));
    expect(result).toMatchObject({ ok: false, failure: 'expired' });
  });

  it('a token past its exp (beyond the clock tolerance) is expired; within it, still valid', async () => {
    const jwt = await idp.token('commission', null, { expiresIn: 600 });
    const at = (seconds: number) => createOidcVerifier(idp.config(), { currentDate: () => new Date(Date.now() + seconds * 1000) });
    expect(failure(await at(600 + 10).verify(jwt))).toBe('ok');
    expect(failure(await at(600 + 120).verify(jwt))).toBe('expired');
  });
});

describe('a valid token whose claims name no role or organisation is unmapped', () => {
  it('a role claim value that is not a role, or no role claim', async () => {
    const verifier = createOidcVerifier(idp.config());
    expect(await verifier.verify(await idp.token('dean', null))).toMatchObject({ ok: false, failure: 'unmapped', message: expect.stringContaining('"dean"') });
    expect(await verifier.verify(await idp.token(null, null))).toMatchObject({ ok: false, failure: 'unmapped', message: expect.stringContaining('"centers_role"') });
  });

  it('with api.oidc.roles, a role name that is not listed', async () => {
    const verifier = createOidcVerifier(idp.config({ roles: { 'tt-commission': 'commission' } }));
    expect(failure(await verifier.verify(await idp.token('commission', null)))).toBe('unmapped');
  });

  it('values naming several roles', async () => {
    expect(failure(await createOidcVerifier(idp.config()).verify(await idp.token(['commission', 'auditor'], null)))).toBe('unmapped');
  });

  it('a university or expert without an organisation claim, or with one that is not an id', async () => {
    const verifier = createOidcVerifier(idp.config());
    for (const role of ['university', 'expert']) {
      const result = await verifier.verify(await idp.token(role, null));
      expect(result).toMatchObject({ ok: false, failure: 'unmapped', message: expect.stringContaining('"centers_org" claim') });
    }
    expect(failure(await verifier.verify(await idp.token('university', 'Peking University')))).toBe('unmapped');
  });

  it('reads the claims api.oidc names', async () => {
    const verifier = createOidcVerifier(idp.config({ roleClaim: 'groups', orgClaim: 'org' }));
    const result = await verifier.verify(await idp.token('centers_role is ignored', null, { sub: 'zhao', claims: { groups: ['university'], org: 'bit' } }));
    expect(result.ok && result.identity).toMatchObject({ userId: 'zhao', role: 'university', orgId: 'bit' });
  });
});

describe('discovery', () => {
  it('is read lazily, once, and again after a failure; while the provider is unreachable verify throws "unavailable"', async () => {
    const urls: string[] = [];
    let failNext = true;
    const countingFetch: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      urls.push(url);
      if (failNext) {
        failNext = false;
        throw new TypeError('fetch failed (connection refused)');
      }
      return fetch(input, init);
    };
    const verifier = createOidcVerifier(idp.config(), { fetch: countingFetch });
    expect(urls).toEqual([]);
    const jwt = await idp.token('commission', null, { sub: 'chen' });

    const error = await verifier.verify(jwt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ reason: 'unavailable', status: 503 });

    expect(failure(await verifier.verify(jwt))).toBe('ok');
    expect(failure(await verifier.verify(await idp.token('auditor', null)))).toBe('ok');
    const discovery = `${idp.issuer}/.well-known/openid-configuration`;
    expect(urls.filter((u) => u === discovery)).toHaveLength(2);
    expect(urls.filter((u) => u === `${idp.issuer}/jwks`)).toHaveLength(1);
  });
});
