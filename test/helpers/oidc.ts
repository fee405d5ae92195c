/**
 * A real OpenID Provider (oidc-provider) on a free port, for tests of OIDC bearer tokens. Every token comes from
 * the provider's token endpoint over HTTP: `token(role, org)` registers a client standing for one person or system
 * (client_credentials grant; its metadata carries the role and organisation claims) and asks for an access token
 * for a resource indicator, so the provider signs it as a JWT (RFC 9068) with its own keys, published in its JWKS.
 *
 *   const idp = await startTestOidcProvider();
 *   const jwt = await idp.token('university', 'pku', { sub: 'alice', name: 'Alice' });
 *   createOidcVerifier(idp.config()).verify(jwt)   // or api.oidc = idp.config() in an API test
 *   await idp.close();
 */
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import type { OidcConfig } from '../../api/oidc';
import { findFreePort } from '../../config/dev-server';

export type TestSigningAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface TestTokenOptions {
  /** The token's `sub` (the client id). Default: `test-client-<n>`. */
  sub?: string;
  /** The `name` claim. Default: none. */
  name?: string;
  /** The resource indicator asked for, which becomes the token's audience. Default: the provider's audience. */
  audience?: string;
  /** The provider's signing algorithm for this token. Default: RS256. */
  alg?: TestSigningAlg;
  /** Seconds from issue to exp (negative: issued already expired). Default: the provider's 10 minutes. */
  expiresIn?: number;
  /** Seconds from issue to nbf (positive: not valid yet). Default: no nbf. */
  notBeforeIn?: number;
  /** More claims, or overrides of the role/org claims (undefined removes one). */
  claims?: Record<string, unknown>;
}

export interface TestOidcProvider {
  issuer: string;
  /** The resource indicator tokens are issued for by default (= their `aud`). */
  audience: string;
  roleClaim: string;
  orgClaim: string;
  /** The `api.oidc` section that trusts this provider. */
  config(overrides?: Partial<OidcConfig>): OidcConfig;
  /** An access token (JWT) for a client whose role claim is `role` and org claim `org` (null: no such claim). */
  token(role: string | string[] | null, org: string | null, opts?: TestTokenOptions): Promise<string>;
  close(): Promise<void>;
}

/** What a test client asks of its tokens (kept in the client's metadata, read by the provider's hooks). */
interface ClientTokenSpec {
  claims: Record<string, unknown>;
  alg: TestSigningAlg;
  expiresIn?: number;
  notBeforeIn?: number;
}

type ProviderCtx = { oidc: { client?: { clientId: string; test_token?: ClientTokenSpec } } };

export async function startTestOidcProvider(
  opts: { audience?: string; roleClaim?: string; orgClaim?: string } = {},
): Promise<TestOidcProvider> {
  const audience = opts.audience ?? 'https://centers.test/api';
  const roleClaim = opts.roleClaim ?? 'centers_role';
  const orgClaim = opts.orgClaim ?? 'centers_org';
  const port = await findFreePort();
  const issuer = `http://127.0.0.1:${port}`;

  const keys = await Promise.all(
    (['RS256', 'ES256', 'EdDSA'] as const).map(async (alg, i) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
      return { ...(await exportJWK(privateKey)), kid: `test-key-${i}`, use: 'sig' };
    }),
  );

  // The specifier is a variable so that TypeScript does not look for the types oidc-provider does not ship.
  const specifier: string = 'oidc-provider';
  const { default: Provider } = (await import(specifier)) as { default: new (issuer: string, config: object) => any };
  const spec = (ctx: ProviderCtx): ClientTokenSpec | undefined => ctx.oidc.client?.test_token;

  const provider = new Provider(issuer, {
    jwks: { keys },
    clients: [],
    extraClientMetadata: { properties: ['test_token'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx: ProviderCtx, resourceIndicator: string) => ({
          audience: resourceIndicator,
          scope: 'api',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: spec(ctx)?.alg ?? 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (ctx: ProviderCtx) => spec(ctx)?.claims,
    formats: {
      customizers: {
        jwt: (ctx: ProviderCtx, _token: unknown, jwt: { payload: Record<string, unknown> }) => {
          const s = spec(ctx);
          const iat = jwt.payload.iat as number;
          if (s?.expiresIn !== undefined) jwt.payload.exp = iat + s.expiresIn;
          if (s?.notBeforeIn !== undefined) jwt.payload.nbf = iat + s.notBeforeIn;
        },
      },
    },
    ttl: { ClientCredentials: 600, AccessToken: 600 },
    clientBasedCORS: () => false,
  });
  const serverErrors: unknown[] = [];
  provider.on('server_error', (_ctx: unknown, err: unknown) => serverErrors.push(err));

  const server: Server = await new Promise((resolve, reject) => {
    const s: Server = provider.listen(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  let clients = 0;

  async function token(role: string | string[] | null, org: string | null, o: TestTokenOptions = {}): Promise<string> {
    const clientId = o.sub ?? `test-client-${++clients}`;
    const clientSecret = `secret-${clientId}-${Math.random().toString(36).slice(2)}`;
    const claims: Record<string, unknown> = {};
    if (role !== null) claims[roleClaim] = role;
    if (org !== null) claims[orgClaim] = org;
    if (o.name !== undefined) claims.name = o.name;
    for (const [k, v] of Object.entries(o.claims ?? {})) {
      if (v === undefined) delete claims[k];
      else claims[k] = v;
    }
    const test_token: ClientTokenSpec = { claims, alg: o.alg ?? 'RS256', expiresIn: o.expiresIn, notBeforeIn: o.notBeforeIn };
    // A dynamic client in the provider's own (memory) adapter: the same record dynamic registration would store.
    await provider.Client.adapter.upsert(clientId, {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      test_token,
    });
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: o.audience ?? audience }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      throw new Error(`the test provider refused a token: ${res.status} ${JSON.stringify(body)} ${serverErrors.map(String).join('; ')}`);
    }
    return body.access_token;
  }

  return {
    issuer,
    audience,
    roleClaim,
    orgClaim,
    config: (overrides = {}) => ({ issuer, audience, roleClaim, orgClaim, roles: {}, ...overrides }),
    token,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
