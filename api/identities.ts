/**
 * Every person known to the service, and how they prove who they are (SPEC §4 "HTTP API": the caller's identity is
 * the actor; no request chooses its own role or organisation). Users, API tokens and login sessions live in the
 * database (db/migrations/20261202000100_identities.ts); the first user is made from the CLI (`centers users add`).
 *
 * What is stored of each secret:
 *  - an API token is `ctc_<tokenId>_<secret>`, the secret 32 random bytes (base64url): only sha256(secret) is stored.
 *    A 256-bit random secret cannot be guessed, so a fast hash is enough, and checking a token costs no argon2 run;
 *  - a session cookie and its CSRF token are 32 random bytes each: only their sha256 are stored;
 *  - a password is chosen by a person (low entropy): it is stored as an argon2id hash (@node-rs/argon2, PHC string).
 * Secrets are compared in constant time, and nothing here logs anything.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import type { Knex } from 'knex';
import { z } from 'zod';
import { mapsColumnNames } from '../db/knex';
import { ApiTokensSchema, SessionsSchema, UsersSchema, type ApiTokenRow, type UserRow } from '../db/schemas';
import { TableName } from '../db/tables';
import { SlugSchema } from '../machines/domain';
import { Role as RoleSchema, type Role } from '../machines/vocabulary';

// ── the interface ────────────────────────────────────────────────────────────────────────────────────────────────
export interface Identity {
  userId: string;
  name: string;
  role: Role;
  orgId: string | null;
  admin: boolean;
  via: 'token' | 'session' | 'oidc';
}

export interface User {
  id: string;
  name: string;
  role: Role;
  orgId: string | null;
  admin: boolean;
  /** Where the outbox mails their notices (Art. 18, 19); null: they are not mailed. */
  email: string | null;
  status: 'active' | 'disabled';
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

/** `token` is shown once, never stored. */
export interface IssuedToken {
  tokenId: string;
  token: string;
  expiresAt: string;
}

export interface TokenInfo {
  tokenId: string;
  userId: string;
  label: string | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export type AuthFailure = 'unknown' | 'expired' | 'revoked' | 'disabled' | 'bad-password';
export type AuthResult = { ok: true; identity: Identity } | { ok: false; failure: AuthFailure };

export type IdentityErrorCode = 'exists' | 'not-found' | 'invalid' | 'disabled';

/** A request about users that cannot be done: `code` says why, the message what to do, `issues` the bad fields. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(issues.length ? `${message}\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}` : message);
  }
}

// ── input ────────────────────────────────────────────────────────────────────────────────────────────────────────
export const PASSWORD_MIN_LENGTH = 12;
/** How long a checked token is believed without reading the database again (revocations elsewhere: at most this late). */
export const TOKEN_CACHE_MS = 5_000;
/** How precisely a token's last use is kept. */
const LAST_USED_RESOLUTION_MS = 60_000;
const PASSWORD_MAX_LENGTH = 1024;
const MAX_TOKEN_DAYS = 3650;

export const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `a password has at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `a password has at most ${PASSWORD_MAX_LENGTH} characters`);
export const TokenDaysSchema = z.number().int().min(1).max(MAX_TOKEN_DAYS);

/** The roles whose actor is bound to an organisation (SPEC §3a): a university, or the expert's own organisation. */
const NEEDS_ORG: readonly Role[] = ['university', 'expert'];

export const NewUserSchema = z
  .object({
    /** Default: a slug of the name (or, for a name with no Latin letters or digits, of the role and organisation). */
    id: SlugSchema.optional(),
    name: z.string().trim().min(1).max(200),
    role: RoleSchema,
    /** Required for a university (its id, e.g. bjut) and an expert (their organisation); optional otherwise. */
    orgId: SlugSchema.optional(),
    /** A commission administrator; only a commission user may be one. */
    admin: z.boolean().optional(),
    /** Where the outbox mails the notices addressed to their role (and, for a university, their organisation). */
    email: z.string().trim().max(254).email().optional(),
    password: PasswordSchema.optional(),
    /** The first token's lifetime (default: the configured api.tokenDays). */
    tokenDays: TokenDaysSchema.optional(),
  })
  .strict()
  .superRefine((u, ctx) => {
    if (NEEDS_ORG.includes(u.role) && !u.orgId) {
      const what = u.role === 'university' ? "the university's id, e.g. bjut" : "the expert's organisation, e.g. pku";
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['orgId'], message: `a ${u.role} user needs orgId: ${what}` });
    }
    if (u.admin && u.role !== 'commission') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['admin'], message: `only a commission user can be an administrator, not a ${u.role} user` });
    }
  });
export type NewUser = z.infer<typeof NewUserSchema>;

// ── secrets ──────────────────────────────────────────────────────────────────────────────────────────────────────
const TOKEN_PREFIX = 'ctc_';
/** ctc_<12 hex>_<43 base64url>: the id has no "_", so the first "_" after it ends it. */
const TOKEN_FORMAT = /^ctc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (a const enum: not readable under isolatedModules)

const sha256 = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');
const secret = (): string => randomBytes(32).toString('base64url');
const sameHash = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
};

/** A slug of a person's name: "Wáng Wěi" → "wang-wei"; "" when nothing Latin is left (a Chinese name). */
export function slugOf(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');
}

const isUniqueViolation = (err: unknown): boolean => /UNIQUE constraint failed|duplicate key value/i.test(String((err as Error)?.message));

const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => ({ path: i.path.join('.') || '(the whole input)', message: i.message }));

// ── the service ──────────────────────────────────────────────────────────────────────────────────────────────────
export function createIdentities(knex: Knex, opts: { tokenDays: number; sessionHours: number; now?: () => Date }) {
  if (!mapsColumnNames(knex)) {
    throw new Error('createIdentities needs a knex that maps column names: make it with createKnex (db/knex.ts)');
  }
  const now = opts.now ?? (() => new Date());
  const nowIso = () => now().toISOString();
  const isPast = (iso: string) => Date.parse(iso) <= now().getTime();
  const DAY = 86_400_000;
  const HOUR = 3_600_000;

  /** An argon2id hash of nothing anyone knows: verified against when the user is unknown, so both take as long. */
  let dummyHash: Promise<string> | null = null;
  const hashPassword = (password: string) => argon2Hash(password, { algorithm: ARGON2ID });

  const userOf = (r: UserRow): User => ({
    id: r.id,
    name: r.name,
    role: r.role,
    orgId: r.orgId,
    admin: r.admin,
    email: r.email,
    status: r.status,
    hasPassword: r.passwordHash !== null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  });
  const identityOf = (r: UserRow, via: Identity['via']): Identity => ({ userId: r.id, name: r.name, role: r.role, orgId: r.orgId, admin: r.admin, via });
  const tokenInfoOf = (r: ApiTokenRow): TokenInfo => ({
    tokenId: r.id,
    userId: r.userId,
    label: r.label,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    lastUsedAt: r.lastUsedAt,
  });

  async function userRow(id: string, tx: Knex | Knex.Transaction = knex): Promise<UserRow | null> {
    const row: unknown = await tx(TableName.Users).where({ id }).first();
    return row ? UsersSchema.parse(row) : null;
  }
  async function requireUser(id: string, tx: Knex | Knex.Transaction = knex): Promise<UserRow> {
    const row = await userRow(id, tx);
    if (!row) throw new IdentityError('not-found', `No user "${id}". The users are listed by \`centers users list\`.`);
    return row;
  }
  async function tokenRow(tokenId: string): Promise<ApiTokenRow | null> {
    const row: unknown = await knex(TableName.ApiTokens).where({ id: tokenId }).first();
    return row ? ApiTokensSchema.parse(row) : null;
  }

  function checkedDays(days: number | undefined): number {
    if (days === undefined) return opts.tokenDays;
    const parsed = TokenDaysSchema.safeParse(days);
    if (!parsed.success) throw new IdentityError('invalid', `A token lives 1 to ${MAX_TOKEN_DAYS} days, not ${days}.`);
    return parsed.data;
  }

  async function insertToken(tx: Knex | Knex.Transaction, userId: string, days: number, label: string | null, at = now()): Promise<IssuedToken> {
    const tokenId = randomBytes(6).toString('hex');
    const value = secret();
    const expiresAt = new Date(at.getTime() + days * DAY).toISOString();
    await tx(TableName.ApiTokens).insert({ id: tokenId, userId, secretHash: sha256(value), label, createdAt: at.toISOString(), expiresAt, revokedAt: null, lastUsedAt: null });
    return { tokenId, token: `${TOKEN_PREFIX}${tokenId}_${value}`, expiresAt };
  }

  async function revokeSessionsOf(userId: string, tx: Knex | Knex.Transaction = knex): Promise<void> {
    await tx(TableName.Sessions).where({ userId }).whereNull('revokedAt').update({ revokedAt: nowIso() });
  }

  /** The session a cookie names, if it is still good, with its user. */
  async function sessionOf(cookie: string): Promise<{ ok: true; user: UserRow; csrfHash: string } | { ok: false; failure: AuthFailure }> {
    if (typeof cookie !== 'string' || cookie.length === 0 || cookie.length > 256) return { ok: false, failure: 'unknown' };
    const raw: unknown = await knex(TableName.Sessions).where({ idHash: sha256(cookie) }).first();
    if (!raw) return { ok: false, failure: 'unknown' };
    const session = SessionsSchema.parse(raw);
    const user = await userRow(session.userId);
    if (!user) return { ok: false, failure: 'unknown' };
    if (user.status === 'disabled') return { ok: false, failure: 'disabled' };
    if (session.revokedAt) return { ok: false, failure: 'revoked' };
    if (isPast(session.expiresAt)) return { ok: false, failure: 'expired' };
    return { ok: true, user, csrfHash: session.csrfHash };
  }

  /**
   * Tokens checked in the last few seconds, by the hash of the whole token: a request then needs no database read
   * (the benchmark found the two reads per request to be the API's added latency). A revocation or a disabled user
   * takes effect at once in this process, and within TOKEN_CACHE_MS in another (the CLI on the database's machine).
   */
  const recent = new Map<string, { identity: Identity; tokenId: string; until: number }>();
  const remember = (key: string, entry: { identity: Identity; tokenId: string; until: number }) => {
    if (recent.size >= 10_000) recent.delete(recent.keys().next().value!);
    recent.set(key, entry);
  };
  const forget = (which: (e: { identity: Identity; tokenId: string }) => boolean) => {
    for (const [k, e] of recent) if (which(e)) recent.delete(k);
  };

  return {
    async addUser(input: NewUser): Promise<{ user: User; token: IssuedToken }> {
      const parsed = NewUserSchema.safeParse(input);
      if (!parsed.success) throw new IdentityError('invalid', 'Invalid user:', issuesOf(parsed.error));
      const u = parsed.data;
      const id = u.id ?? (slugOf(u.name) || [u.role, u.orgId, randomBytes(2).toString('hex')].filter(Boolean).join('-').slice(0, 64));
      const passwordHash = u.password === undefined ? null : await hashPassword(u.password);
      const days = checkedDays(u.tokenDays);
      const when = now();
      const at = when.toISOString();
      const exists = () =>
        new IdentityError('exists', `A user with id "${id}" already exists${u.id ? '' : ` (the id made from the name "${u.name}")`}: choose another id.`);
      try {
        return await knex.transaction(async (tx) => {
          if (await userRow(id, tx)) throw exists();
          await tx(TableName.Users).insert({
            id,
            name: u.name,
            role: u.role,
            orgId: u.orgId ?? null,
            admin: u.admin ?? false,
            email: u.email ?? null,
            status: 'active',
            passwordHash,
            createdAt: at,
            updatedAt: at,
          });
          const token = await insertToken(tx, id, days, 'initial', when);
          return { user: userOf(await requireUser(id, tx)), token };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw exists();
        throw err;
      }
    },

    async listUsers(filter: { role?: Role; status?: 'active' | 'disabled' } = {}): Promise<User[]> {
      const where = { ...(filter.role ? { role: filter.role } : {}), ...(filter.status ? { status: filter.status } : {}) };
      const rows: unknown[] = await knex(TableName.Users).where(where).orderBy('id');
      return rows.map((r) => userOf(UsersSchema.parse(r)));
    },

    async getUser(id: string): Promise<User | null> {
      const row = await userRow(id);
      return row ? userOf(row) : null;
    },

    /** Disabling refuses the user's tokens and sessions ('disabled') and revokes the sessions; enabling restores the tokens. */
    async setStatus(id: string, status: 'active' | 'disabled'): Promise<User> {
      return knex.transaction(async (tx) => {
        await requireUser(id, tx);
        await tx(TableName.Users).where({ id }).update({ status, updatedAt: nowIso() });
        if (status === 'disabled') await revokeSessionsOf(id, tx);
        forget((e) => e.identity.userId === id);
        return userOf(await requireUser(id, tx));
      });
    },

    /** A new password (argon2id); the user's open sessions, made with the old one, are revoked. */
    async setPassword(id: string, password: string): Promise<void> {
      const parsed = PasswordSchema.safeParse(password);
      if (!parsed.success) throw new IdentityError('invalid', `The password is refused: ${parsed.error.issues[0].message}.`);
      await requireUser(id);
      const passwordHash = await hashPassword(parsed.data);
      await knex.transaction(async (tx) => {
        await tx(TableName.Users).where({ id }).update({ passwordHash, updatedAt: nowIso() });
        await revokeSessionsOf(id, tx);
      });
    },

    async issueToken(userId: string, tokenOpts: { days?: number; label?: string } = {}): Promise<IssuedToken> {
      const days = checkedDays(tokenOpts.days);
      const user = await requireUser(userId);
      if (user.status === 'disabled') {
        throw new IdentityError('disabled', `User "${userId}" is disabled: enable it first (\`centers users enable ${userId}\`), then issue a token.`);
      }
      return insertToken(knex, userId, days, tokenOpts.label ?? null);
    },

    /** Every token (of one user), oldest first; never a secret. */
    async listTokens(userId?: string): Promise<TokenInfo[]> {
      if (userId !== undefined) await requireUser(userId);
      const rows: unknown[] = await knex(TableName.ApiTokens)
        .where(userId === undefined ? {} : { userId })
        .orderBy(['createdAt', 'id']);
      return rows.map((r) => tokenInfoOf(ApiTokensSchema.parse(r)));
    },

    /** Revokes a token (a token already revoked keeps its first revocation time). */
    async revokeToken(tokenId: string): Promise<TokenInfo> {
      const row = await tokenRow(tokenId);
      if (!row) throw new IdentityError('not-found', `No token "${tokenId}". The tokens are listed by \`centers users tokens\`.`);
      if (row.revokedAt) return tokenInfoOf(row);
      await knex(TableName.ApiTokens).where({ id: tokenId }).whereNull('revokedAt').update({ revokedAt: nowIso() });
      forget((e) => e.tokenId === tokenId);
      return tokenInfoOf((await tokenRow(tokenId))!);
    },

    async authenticateToken(token: string): Promise<AuthResult> {
      const m = typeof token === 'string' ? TOKEN_FORMAT.exec(token) : null;
      if (!m) return { ok: false, failure: 'unknown' };
      const [, tokenId, value] = m;
      const key = sha256(token);
      const cached = recent.get(key);
      if (cached && now().getTime() < cached.until) return { ok: true, identity: cached.identity };
      const row = await tokenRow(tokenId);
      // Compared even when the id is unknown, so the answer takes as long either way.
      const matches = sameHash(sha256(value), row?.secretHash ?? '0'.repeat(64));
      if (!row || !matches) return { ok: false, failure: 'unknown' };
      const user = await userRow(row.userId);
      if (!user) return { ok: false, failure: 'unknown' };
      if (user.status === 'disabled') return { ok: false, failure: 'disabled' };
      if (row.revokedAt) return { ok: false, failure: 'revoked' };
      if (isPast(row.expiresAt)) return { ok: false, failure: 'expired' };
      // last_used_at says when a token was last seen, to the minute: written on first use, then at most once a
      // minute and without making the request wait (a write queues behind the worker's transactions on SQLite).
      const at = now();
      if (row.lastUsedAt === null) await knex(TableName.ApiTokens).where({ id: tokenId }).update({ lastUsedAt: at.toISOString() });
      else if (at.getTime() - Date.parse(row.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
        void knex(TableName.ApiTokens).where({ id: tokenId }).update({ lastUsedAt: at.toISOString() }).catch(() => {});
      }
      const identity = identityOf(user, 'token');
      remember(key, { identity, tokenId, until: Math.min(at.getTime() + TOKEN_CACHE_MS, Date.parse(row.expiresAt)) });
      return { ok: true, identity };
    },

    /**
     * A password login: a new session. The password is checked before anything else is told (a disabled user with
     * a wrong password hears 'bad-password'); an unknown user costs the same argon2 verification as a known one.
     */
    async login(
      userId: string,
      password: string,
    ): Promise<{ ok: true; identity: Identity; session: { cookie: string; csrfToken: string; expiresAt: string } } | { ok: false; failure: AuthFailure }> {
      const user = typeof userId === 'string' && userId.length <= 255 ? await userRow(userId) : null;
      const candidate = typeof password === 'string' && password.length <= PASSWORD_MAX_LENGTH ? password : '';
      if (!user || user.passwordHash === null) {
        dummyHash ??= hashPassword(secret());
        await argon2Verify(await dummyHash, candidate || 'x').catch(() => false);
        return { ok: false, failure: user ? 'bad-password' : 'unknown' };
      }
      const good = candidate !== '' && (await argon2Verify(user.passwordHash, candidate).catch(() => false));
      if (!good) return { ok: false, failure: 'bad-password' };
      if (user.status === 'disabled') return { ok: false, failure: 'disabled' };
      const cookie = secret();
      const csrfToken = secret();
      const at = now();
      const expiresAt = new Date(at.getTime() + opts.sessionHours * HOUR).toISOString();
      await knex(TableName.Sessions).insert({ idHash: sha256(cookie), userId: user.id, csrfHash: sha256(csrfToken), createdAt: at.toISOString(), expiresAt, revokedAt: null });
      return { ok: true, identity: identityOf(user, 'session'), session: { cookie, csrfToken, expiresAt } };
    },

    async authenticateSession(cookie: string): Promise<AuthResult> {
      const s = await sessionOf(cookie);
      return s.ok ? { ok: true, identity: identityOf(s.user, 'session') } : s;
    },

    /** Whether `csrfToken` is the token of the (still good) session `cookie` names. */
    async checkCsrf(cookie: string, csrfToken: string): Promise<boolean> {
      if (typeof csrfToken !== 'string' || csrfToken.length === 0 || csrfToken.length > 256) return false;
      const s = await sessionOf(cookie);
      return s.ok && sameHash(sha256(csrfToken), s.csrfHash);
    },

    /** Ends the session (an unknown or ended one: nothing to do). */
    async logout(cookie: string): Promise<void> {
      if (typeof cookie !== 'string' || cookie.length === 0 || cookie.length > 256) return;
      await knex(TableName.Sessions).where({ idHash: sha256(cookie) }).whereNull('revokedAt').update({ revokedAt: nowIso() });
    },

    /** The number of users (none yet: the first is made from the CLI, `centers users add`). */
    async count(): Promise<number> {
      const [{ n }] = (await knex(TableName.Users).count({ n: '*' })) as { n: number | string }[];
      return Number(n);
    },
  };
}

export type Identities = ReturnType<typeof createIdentities>;
