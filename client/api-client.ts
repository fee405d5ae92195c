/**
 * The CLI's way to the service when an API is configured (the default): every command and read goes over HTTP
 * with the caller's token — CENTERS_TOKEN, or the one `centers login` saved — and the API decides who is acting.
 * Problems (RFC 9457) come back as the same errors the direct path throws, so exit codes and messages match.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommandRefusedError, NotFoundError } from './operations-errors';

import type { AppConfig } from '../config';

export const TOKEN_ENV_VAR = 'CENTERS_TOKEN';

/** The address the CLI uses to reach the API: api.url, or the address it listens on; null when "off" (direct path). */
export function apiUrl(cfg: AppConfig): string | null {
  if (cfg.api.url === 'off') return null;
  if (cfg.api.url) return cfg.api.url.replace(/\/+$/, '');
  const host = cfg.api.host === '0.0.0.0' ? '127.0.0.1' : cfg.api.host === '::' ? '[::1]' : cfg.api.host.includes(':') ? `[${cfg.api.host}]` : cfg.api.host;
  return `http://${host}:${cfg.api.port}`;
}

/** Where `centers login` keeps tokens: one per API address, readable by this user only. */
export function credentialsFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'centers', 'credentials.json');
}

export function savedToken(env: NodeJS.ProcessEnv, url: string): string | null {
  try {
    const all = JSON.parse(fs.readFileSync(credentialsFile(env), 'utf8')) as Record<string, string>;
    return all[url] ?? null;
  } catch {
    return null;
  }
}

export function saveToken(env: NodeJS.ProcessEnv, url: string, token: string | null): string {
  const file = credentialsFile(env);
  let all: Record<string, string> = {};
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    // none yet
  }
  if (token) all[url] = token;
  else delete all[url];
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}

/** The API did not answer at `url`. */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(
      `Cannot reach the API at ${url}${cause instanceof Error ? ` (${cause.message})` : ''}.\n` +
        'Start the service with `npm start` (it runs the API), or set CENTERS_API_URL to the API\'s address ("off" talks to Temporal directly, for operators).',
    );
  }
}

/** The caller has no token, or the API refused it. */
export class NotAuthenticatedError extends Error {
  override readonly name = 'NotAuthenticatedError';
}

export interface ApiClient {
  url: string;
  request<T = any>(method: 'GET' | 'POST' | 'DELETE', route: string, opts?: { body?: unknown; idempotencyKey?: string; query?: Record<string, string | number | undefined>; anonymous?: boolean }): Promise<T>;
  /** Bytes in or out (evidence files): the body sent as it is, the answer's bytes and headers. */
  bytes(method: 'GET' | 'POST', route: string, opts?: { body?: Uint8Array; headers?: Record<string, string> }): Promise<{ bytes: Buffer; headers: Headers }>;
}

/** A refused answer as the error the direct path throws for it. */
function refusal(status: number, text: string): Error {
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { detail: text };
  }
  const reason: string = body?.reason ?? 'refused';
  const detail: string = body?.detail ?? `HTTP ${status}`;
  if (status === 401) return new NotAuthenticatedError(`${detail}`);
  if (status === 404) return new NotFoundError(detail);
  if (status === 429 || status >= 500) return new Error(`The API answered ${status}: ${detail}`);
  return new CommandRefusedError(reason, detail);
}

export function createApiClient(url: string, token: string | null): ApiClient {
  const noToken = () =>
    new NotAuthenticatedError(`No API token. Set ${TOKEN_ENV_VAR}, or run \`centers login\` with the token a commission administrator gave you (\`centers users add\` prints one).`);
  return {
    url,
    async bytes(method, route, opts = {}) {
      if (!token) throw noToken();
      const headers: Record<string, string> = { ...opts.headers, authorization: `Bearer ${token}` };
      let res: Response;
      try {
        res = await fetch(`${url}/api/v1${route}`, { method, headers, body: opts.body });
      } catch (err) {
        throw new ApiUnreachableError(url, (err as { cause?: unknown }).cause ?? err);
      }
      const bytes = Buffer.from(await res.arrayBuffer());
      if (res.ok) return { bytes, headers: res.headers };
      throw refusal(res.status, bytes.toString('utf8'));
    },
    async request(method, route, opts = {}) {
      if (!token && !opts.anonymous) throw noToken();
      const query = Object.entries(opts.query ?? {}).filter(([, v]) => v !== undefined);
      const target = `${url}/api/v1${route}${query.length ? `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : ''}`;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
      let res: Response;
      try {
        res = await fetch(target, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
      } catch (err) {
        throw new ApiUnreachableError(url, (err as { cause?: unknown }).cause ?? err);
      }
      const text = await res.text();
      if (!res.ok) throw refusal(res.status, text);
      try {
        return text ? JSON.parse(text) : null;
      } catch {
        return { detail: text };
      }
    },
  };
}
