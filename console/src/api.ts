/**
 * The console's only way to the service: the HTTP API, with the session cookie the login sets (HTTP-only, so this
 * code never sees it) and the session's CSRF token on every write. Errors come back as the API's problem details.
 */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail: string;
  reason: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  get status() {
    return this.problem.status;
  }
  get reason() {
    return this.problem.reason;
  }
}

export interface Identity {
  userId: string;
  name: string;
  role: 'commission' | 'university' | 'expert' | 'scheduler' | 'auditor';
  orgId: string | null;
  admin?: boolean;
}

const CSRF_KEY = 'centers.csrf';
let csrf: string | null = localStorage.getItem(CSRF_KEY);
/** Called when the API says the session has ended: the app shows the login again. */
let onSignedOut: () => void = () => {};
export const whenSignedOut = (fn: () => void) => {
  onSignedOut = fn;
};

export async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) h['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError({ status: 0, reason: 'network', detail: (err as Error).message });
  }
  const text = await res.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const problem: Problem = data && typeof data === 'object' && 'reason' in data ? data : { status: res.status, reason: 'internal', detail: text.slice(0, 300) };
    if (res.status === 401 && !path.endsWith('/session')) onSignedOut();
    throw new ApiError(problem);
  }
  return data as T;
}

export const get = <T = any>(path: string) => call<T>('GET', `/api/v1${path}`);

export async function login(userId: string, password: string): Promise<Identity> {
  const r = await call<{ identity: Identity; csrfToken: string }>('POST', '/api/v1/session', { userId, password });
  csrf = r.csrfToken;
  localStorage.setItem(CSRF_KEY, csrf);
  return r.identity;
}

export async function logout(): Promise<void> {
  csrf = null;
  localStorage.removeItem(CSRF_KEY);
  await call('DELETE', '/api/v1/session').catch(() => undefined);
}

/** Who is signed in, or null (no session, or one without its CSRF token: it cannot write, so log in again). */
export async function me(): Promise<Identity | null> {
  if (!csrf) return null;
  try {
    return (await get<{ identity: Identity }>('/me')).identity;
  } catch {
    return null;
  }
}

/** A command: an Idempotency-Key per submission, so a retried request (a double click, a lost answer) acts once. */
export function sendCommand<T = any>(path: string, payload: unknown): Promise<T> {
  const key = `console-${crypto.randomUUID()}`;
  return call<T>('POST', path, payload, { 'idempotency-key': key });
}

/** Runs `tasks` with at most `n` at a time (the dashboard's per-center reads stay within the rate limit's spirit). */
export async function limited<T, R>(items: readonly T[], n: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]);
      }
    }),
  );
  return out;
}
