/**
 * The HTTP API on top of the dev-server harness: the real Fastify server listening on a free port, over the
 * harness's Temporal client and database file, spoken to with real HTTP (fetch). Users are made in the database
 * as `centers users add` makes them.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiDeps } from '../../api/app';
import { createIdentities, type IssuedToken, type User } from '../../api/identities';
import { bundleForReplay } from '../../client/audit/replay';
import { loadConfig, type AppConfig } from '../../config';
import { createRepositories } from '../../db/repositories';
import type { Role } from '../../machines/vocabulary';
import { useDevServer, type DevServerHarness, type DevServerTestOptions } from './dev-server';
import { applicationAsOf, callInfo } from './fixtures';

export interface HttpAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export interface HttpOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiHarness {
  h: DevServerHarness;
  url: string;
  app: FastifyInstance;
  identities: ReturnType<typeof createIdentities>;
  /** Adds a user (as `centers users add` does) and gives its token. */
  user(role: Role, opts?: { id?: string; orgId?: string; admin?: boolean; password?: string; tokenDays?: number }): Promise<{ user: User; token: string; issued: IssuedToken }>;
  http(method: string, path: string, opts?: HttpOptions): Promise<HttpAnswer>;
}

export async function http(url: string, method: string, path: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the text as it came
  }
  return { status: res.status, body, headers: res.headers };
}

export function useApi(options: DevServerTestOptions & { config?: (cfg: AppConfig) => AppConfig; deps?: Partial<ApiDeps> }, timeoutMs: number): ApiHarness {
  const h = useDevServer(options, timeoutMs);
  let state: { app: FastifyInstance; url: string; identities: ReturnType<typeof createIdentities> } | undefined;
  let n = 0;
  beforeAll(async () => {
    const base = loadConfig({ env: {} });
    const cfg = options.config ? options.config(base) : base;
    const identities = createIdentities(h.knex, { tokenDays: cfg.api.tokenDays, sessionHours: cfg.api.sessionHours });
    let replay: ReturnType<typeof bundleForReplay> | null = null;
    const app = await buildApi({
      cfg,
      ops: h.ops,
      knex: h.knex,
      repos: createRepositories(h.knex),
      identities,
      replayCode: () => (replay ??= bundleForReplay(new URL('../../workflows/index.ts', import.meta.url).pathname)),
      ...options.deps,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    state = { app, identities, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
  }, timeoutMs);
  afterAll(async () => {
    await state?.app.close();
  });
  const running = () => {
    if (!state) throw new Error('the API is not running yet (use it inside tests)');
    return state;
  };
  return {
    h,
    get url() {
      return running().url;
    },
    get app() {
      return running().app;
    },
    get identities() {
      return running().identities;
    },
    async user(role, opts = {}) {
      const id = opts.id ?? `${role}-${++n}-${Math.random().toString(36).slice(2, 6)}`;
      const { user, token } = await running().identities.addUser({ id, name: `Test ${role} ${n}`, role, orgId: opts.orgId, admin: opts.admin, password: opts.password, tokenDays: opts.tokenDays });
      return { user, token: token.token, issued: token };
    },
    http: (method, path, opts) => http(running().url, method, path, opts),
  };
}

/**
 * Art. 7–9, 20 through HTTP only, each step as its rightful user: the commission opens the call, the university
 * applies, each expert of the panel reviews and the commission approves. Returns the established center's id.
 */
export async function establishOverHttp(
  api: Pick<ApiHarness, 'http'>,
  o: { callId: string; now: number; commission: { token: string }; university: { token: string; user: User }; panel: { token: string; user: User }[] },
): Promise<string> {
  const ok = async (token: string, path: string, body: unknown) => {
    const r = await api.http('POST', `/api/v1${path}`, { token, body });
    expect(r.status, `POST ${path}: ${JSON.stringify(r.body)}`).toBe(200);
  };
  const orgId = o.university.user.orgId!;
  const centerId = `${orgId}.${o.callId}`;
  await ok(o.commission.token, '/calls', callInfo(o.now, { callId: o.callId, quota: 2 }));
  await ok(o.university.token, '/commands/submit-application', { callId: o.callId, application: applicationAsOf(orgId, o.now) });
  await ok(o.commission.token, `/centers/${centerId}/commands/assign-experts`, { experts: o.panel.map((e) => ({ id: e.user.id, name: e.user.name })) });
  for (const e of o.panel) await ok(e.token, `/centers/${centerId}/commands/submit-review`, { review: { score: 90, recommendation: 'approve', opinion: 'Good' } });
  await ok(o.commission.token, `/centers/${centerId}/commands/approve`, {});
  return centerId;
}
