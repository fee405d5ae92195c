/**
 * Identities (SPEC §4 "HTTP API": every person known, every action theirs), on a real migrated SQLite file: users of
 * each role and the organisation rules, API tokens (ok, expired, revoked, unknown, malformed, a disabled user's),
 * password logins, sessions with their CSRF token, and what the tables hold: hashes, never a secret.
 */
import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdentities, IdentityError, NewUserSchema, slugOf, TOKEN_CACHE_MS, type Identities, type NewUser } from '../../api/identities';
import { TableName } from '../../db/tables';
import { ROLES } from '../../machines/vocabulary';
import { removeTempDatabase, tempDatabase, type TempDatabase } from '../helpers/database';

const START = new Date('2026-12-02T08:00:00.000Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const PASSWORD = 'correct horse battery staple';

let db: TempDatabase;
let clock: Date;
let ids: Identities;
/** Moves the service's clock on. */
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

beforeEach(async () => {
  db = await tempDatabase('centers-identities-');
  clock = START;
  ids = createIdentities(db.knex, { tokenDays: 90, sessionHours: 12, now: () => clock });
});
afterEach(() => removeTempDatabase(db));

/** A knex on the same file without the column-name hooks: the rows as SQLite holds them. */
async function rawRows(): Promise<Record<string, unknown[]>> {
  const plain: Knex = knexFactory({ client: 'sqlite3', connection: { filename: db.filename }, useNullAsDefault: true });
  try {
    return {
      users: await plain(TableName.Users).select(),
      apiTokens: await plain(TableName.ApiTokens).select(),
      sessions: await plain(TableName.Sessions).select(),
    };
  } finally {
    await plain.destroy();
  }
}

const university: NewUser = { id: 'bjut-office', name: 'BJUT technology transfer office', role: 'university', orgId: 'bjut' };

async function expectIdentityError(p: Promise<unknown>, code: IdentityError['code'], message?: RegExp) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IdentityError);
  expect((err as IdentityError).code).toBe(code);
  if (message) expect((err as IdentityError).message).toMatch(message);
  return err as IdentityError;
}

describe('users', () => {
  it('adds a user of each role, with a first token, and lists and counts them', async () => {
    expect(await ids.count()).toBe(0);
    const added = {
      commission: await ids.addUser({ name: 'Li Ming', role: 'commission', admin: true }),
      university: await ids.addUser(university),
      expert: await ids.addUser({ id: 'expert-pku-1', name: 'Expert One', role: 'expert', orgId: 'pku' }),
      scheduler: await ids.addUser({ name: 'Calendar rounds', role: 'scheduler' }),
      auditor: await ids.addUser({ name: 'Zhao Audit', role: 'auditor', tokenDays: 7 }),
    };
    expect(Object.keys(added)).toEqual([...ROLES]);
    expect(added.commission.user).toEqual({
      id: 'li-ming',
      name: 'Li Ming',
      role: 'commission',
      orgId: null,
      admin: true,
      email: null,
      status: 'active',
      hasPassword: false,
      createdAt: START.toISOString(),
      updatedAt: START.toISOString(),
    });
    expect(added.university.user).toMatchObject({ id: 'bjut-office', role: 'university', orgId: 'bjut', admin: false });
    expect(added.expert.user).toMatchObject({ id: 'expert-pku-1', orgId: 'pku' });
    expect(added.scheduler.user.id).toBe('calendar-rounds');
    for (const { token } of Object.values(added)) expect(token.token).toMatch(new RegExp(`^ctc_${token.tokenId}_[A-Za-z0-9_-]{43}$`));
    expect(added.university.token.expiresAt).toBe(new Date(START.getTime() + 90 * DAY).toISOString());
    expect(added.auditor.token.expiresAt).toBe(new Date(START.getTime() + 7 * DAY).toISOString());

    expect(await ids.count()).toBe(5);
    expect((await ids.listUsers()).map((u) => u.id)).toEqual(['bjut-office', 'calendar-rounds', 'expert-pku-1', 'li-ming', 'zhao-audit']);
    expect((await ids.listUsers({ role: 'university' })).map((u) => u.id)).toEqual(['bjut-office']);
    expect(await ids.getUser('bjut-office')).toEqual(added.university.user);
    expect(await ids.getUser('nobody')).toBeNull();
    // Listing shows no secret.
    expect(JSON.stringify(await ids.listUsers())).not.toContain('ctc_');
    expect(JSON.stringify(await ids.listTokens())).not.toContain(added.university.token.token.split('_').slice(2).join('_'));
  });

  it('a user may carry an email (where the outbox mails the notices for their role); a malformed one is refused', async () => {
    const { user } = await ids.addUser({ ...university, email: ' tto@bjut.edu.cn ' });
    expect(user.email).toBe('tto@bjut.edu.cn');
    expect((await ids.getUser('bjut-office'))!.email).toBe('tto@bjut.edu.cn');
    await expectIdentityError(ids.addUser({ ...university, id: 'bjut-2', email: 'not an address' }), 'invalid', /email/);
  });

  it('the organisation rules: a university and an expert need one; only the commission can be an administrator', async () => {
    for (const role of ['university', 'expert'] as const) {
      const err = await expectIdentityError(ids.addUser({ name: 'No org', role }), 'invalid');
      expect(err.issues).toEqual([{ path: 'orgId', message: expect.stringMatching(new RegExp(`a ${role} user needs orgId`)) }]);
    }
    const admin = await expectIdentityError(ids.addUser({ ...university, admin: true }), 'invalid', /only a commission user can be an administrator/);
    expect(admin.issues.map((i) => i.path)).toEqual(['admin']);
    expect(NewUserSchema.safeParse({ name: 'x', role: 'rector' }).success).toBe(false);
    expect(NewUserSchema.safeParse({ name: 'x', role: 'commission', extra: 1 }).success).toBe(false);
    await expectIdentityError(ids.addUser({ ...university, id: 'not a slug' }), 'invalid');
    await expectIdentityError(ids.addUser({ ...university, password: 'short' }), 'invalid', /at least 12 characters/);
    await expectIdentityError(ids.addUser({ ...university, tokenDays: 0 }), 'invalid');
    expect(await ids.count()).toBe(0);
  });

  it('a duplicate id is refused with code "exists", and nothing is written', async () => {
    await ids.addUser(university);
    await expectIdentityError(ids.addUser({ ...university, name: 'Another' }), 'exists', /"bjut-office" already exists/);
    await ids.addUser({ name: 'Wang Wei', role: 'auditor' });
    await expectIdentityError(ids.addUser({ name: 'Wang Wei', role: 'auditor' }), 'exists', /made from the name "Wang Wei"/);
    expect(await ids.count()).toBe(2);
    expect(await ids.listTokens()).toHaveLength(2);
  });

  it('ids default to a slug of the name; a name with nothing Latin gets one of the role and organisation', async () => {
    expect(slugOf('  Wáng Wěi (BJUT) ')).toBe('wang-wei-bjut');
    expect(slugOf('王伟')).toBe('');
    const { user } = await ids.addUser({ name: '王伟', role: 'university', orgId: 'bjut' });
    expect(user.id).toMatch(/^university-bjut-[0-9a-f]{4}$/);
    expect(user.name).toBe('王伟');
  });

  it('not-found for an unknown user or token', async () => {
    await expectIdentityError(ids.setStatus('nobody', 'disabled'), 'not-found', /No user "nobody"/);
    await expectIdentityError(ids.setPassword('nobody', PASSWORD), 'not-found');
    await expectIdentityError(ids.issueToken('nobody'), 'not-found');
    await expectIdentityError(ids.listTokens('nobody'), 'not-found');
    await expectIdentityError(ids.revokeToken('000000000000'), 'not-found', /No token/);
  });
});

describe('API tokens', () => {
  it('a token revoked, or a user disabled, by another process is refused here within TOKEN_CACHE_MS; in this process at once', async () => {
    const { user, token } = await ids.addUser(university);
    expect((await ids.authenticateToken(token.token)).ok).toBe(true);
    // The CLI on the database's machine: another process, its own identities.
    const elsewhere = createIdentities(db.knex, { tokenDays: 90, sessionHours: 12, now: () => clock });
    await elsewhere.revokeToken(token.tokenId);
    expect((await ids.authenticateToken(token.token)).ok, 'believed for a few seconds more').toBe(true);
    advance(TOKEN_CACHE_MS);
    expect(await ids.authenticateToken(token.token)).toEqual({ ok: false, failure: 'revoked' });
    // Here, at once.
    const second = await ids.issueToken(user.id);
    expect((await ids.authenticateToken(second.token)).ok).toBe(true);
    await ids.setStatus(user.id, 'disabled');
    expect(await ids.authenticateToken(second.token)).toEqual({ ok: false, failure: 'disabled' });
  });

  it('a token authenticates its user until it expires, and records its last use', async () => {
    const { token } = await ids.addUser(university);
    const ok = await ids.authenticateToken(token.token);
    expect(ok).toEqual({ ok: true, identity: { userId: 'bjut-office', name: university.name, role: 'university', orgId: 'bjut', admin: false, via: 'token' } });
    advance(HOUR);
    await ids.authenticateToken(token.token);
    expect((await ids.listTokens('bjut-office'))[0]).toMatchObject({ tokenId: token.tokenId, label: 'initial', lastUsedAt: new Date(START.getTime() + HOUR).toISOString() });

    advance(90 * DAY - HOUR - 1);
    expect((await ids.authenticateToken(token.token)).ok).toBe(true);
    advance(1);
    expect(await ids.authenticateToken(token.token)).toEqual({ ok: false, failure: 'expired' });
  });

  it('a revoked token is refused; another token of the same user still works', async () => {
    const { token } = await ids.addUser(university);
    advance(1);
    const second = await ids.issueToken('bjut-office', { days: 30, label: 'laptop' });
    expect(second.expiresAt).toBe(new Date(START.getTime() + 1 + 30 * DAY).toISOString());
    advance(999);
    const revoked = await ids.revokeToken(token.tokenId);
    expect(revoked).toMatchObject({ tokenId: token.tokenId, userId: 'bjut-office', revokedAt: new Date(START.getTime() + 1000).toISOString() });
    advance(1000);
    expect(await ids.revokeToken(token.tokenId)).toEqual(revoked); // the first revocation stands
    expect(await ids.authenticateToken(token.token)).toEqual({ ok: false, failure: 'revoked' });
    expect((await ids.authenticateToken(second.token)).ok).toBe(true);
    expect((await ids.listTokens('bjut-office')).map((t) => [t.tokenId, t.label, t.revokedAt !== null])).toEqual([
      [token.tokenId, 'initial', true],
      [second.tokenId, 'laptop', false],
    ]);
    await expectIdentityError(ids.issueToken('bjut-office', { days: 4000 }), 'invalid', /1 to 3650 days/);
  });

  it('unknown and malformed tokens are "unknown"; a wrong secret for a real token id too', async () => {
    const { token } = await ids.addUser(university);
    const secret = token.token.slice(`ctc_${token.tokenId}_`.length);
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [
      '',
      'ctc_',
      'not-a-token',
      `ctc_${token.tokenId}`,
      `ctc_${token.tokenId}_${flipped}`,
      `ctc_ffffffffffff_${secret}`,
      `ctc_${token.tokenId.toUpperCase()}_${secret}`,
      `${token.token}x`,
      `Bearer ${token.token}`,
      token.token.replace('ctc_', 'ctx_'),
    ]) {
      expect(await ids.authenticateToken(bad), bad).toEqual({ ok: false, failure: 'unknown' });
    }
    expect(await ids.authenticateToken(undefined as unknown as string)).toEqual({ ok: false, failure: 'unknown' });
  });

  it("a disabled user's tokens and sessions fail with 'disabled'; disabling revokes the sessions; enabling restores the tokens", async () => {
    const { token } = await ids.addUser({ ...university, password: PASSWORD });
    const login = await ids.login('bjut-office', PASSWORD);
    if (!login.ok) throw new Error('login failed');
    advance(1000);
    const disabled = await ids.setStatus('bjut-office', 'disabled');
    expect(disabled).toMatchObject({ status: 'disabled', updatedAt: new Date(START.getTime() + 1000).toISOString() });
    expect(await ids.authenticateToken(token.token)).toEqual({ ok: false, failure: 'disabled' });
    expect(await ids.authenticateSession(login.session.cookie)).toEqual({ ok: false, failure: 'disabled' });
    expect(await ids.login('bjut-office', PASSWORD)).toEqual({ ok: false, failure: 'disabled' });
    // A wrong password tells nothing about the user's status.
    expect(await ids.login('bjut-office', 'wrong password, long')).toEqual({ ok: false, failure: 'bad-password' });
    expect((await ids.listUsers({ status: 'disabled' })).map((u) => u.id)).toEqual(['bjut-office']);
    await expectIdentityError(ids.issueToken('bjut-office'), 'disabled', /centers users enable bjut-office/);

    await ids.setStatus('bjut-office', 'active');
    expect((await ids.authenticateToken(token.token)).ok).toBe(true);
    // The session was revoked when the user was disabled, and stays so.
    expect(await ids.authenticateSession(login.session.cookie)).toEqual({ ok: false, failure: 'revoked' });
  });
});

describe('passwords and sessions', () => {
  it('a password login opens a session; a wrong password, an unknown user or a user without a password does not', async () => {
    await ids.addUser({ ...university, password: PASSWORD });
    await ids.addUser({ name: 'Token Only', role: 'auditor' });
    const login = await ids.login('bjut-office', PASSWORD);
    expect(login).toEqual({
      ok: true,
      identity: { userId: 'bjut-office', name: university.name, role: 'university', orgId: 'bjut', admin: false, via: 'session' },
      session: { cookie: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: new Date(START.getTime() + 12 * HOUR).toISOString() },
    });
    expect(await ids.login('bjut-office', `${PASSWORD}!`)).toEqual({ ok: false, failure: 'bad-password' });
    expect(await ids.login('bjut-office', '')).toEqual({ ok: false, failure: 'bad-password' });
    expect(await ids.login('nobody', PASSWORD)).toEqual({ ok: false, failure: 'unknown' });
    expect(await ids.login('token-only', PASSWORD)).toEqual({ ok: false, failure: 'bad-password' });
    expect((await ids.getUser('bjut-office'))!.hasPassword).toBe(true);
    expect((await ids.getUser('token-only'))!.hasPassword).toBe(false);
  });

  it('the argon2id hash is stored, never the password; a new password replaces it and ends the open sessions', async () => {
    await ids.addUser({ ...university, password: PASSWORD });
    const [row] = (await rawRows()).users as { password_hash: string }[];
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(row.password_hash).not.toContain(PASSWORD);

    const first = await ids.login('bjut-office', PASSWORD);
    if (!first.ok) throw new Error('login failed');
    const next = 'another long passphrase';
    await ids.setPassword('bjut-office', next);
    expect(await ids.authenticateSession(first.session.cookie)).toEqual({ ok: false, failure: 'revoked' });
    expect(await ids.login('bjut-office', PASSWORD)).toEqual({ ok: false, failure: 'bad-password' });
    expect((await ids.login('bjut-office', next)).ok).toBe(true);
    await expectIdentityError(ids.setPassword('bjut-office', 'too short'), 'invalid', /at least 12 characters/);
    const [after] = (await rawRows()).users as { password_hash: string }[];
    expect(after.password_hash).not.toBe(row.password_hash);
    expect(after.password_hash).not.toContain(next);
  });

  it('a session authenticates until it expires or is logged out; its CSRF token is checked', async () => {
    await ids.addUser({ ...university, password: PASSWORD });
    const login = await ids.login('bjut-office', PASSWORD);
    if (!login.ok) throw new Error('login failed');
    const { cookie, csrfToken } = login.session;
    expect(await ids.authenticateSession(cookie)).toEqual({ ok: true, identity: login.identity });
    expect(await ids.checkCsrf(cookie, csrfToken)).toBe(true);
    expect(await ids.checkCsrf(cookie, cookie)).toBe(false);
    expect(await ids.checkCsrf(cookie, '')).toBe(false);
    expect(await ids.checkCsrf(csrfToken, csrfToken)).toBe(false);
    expect(await ids.authenticateSession(csrfToken)).toEqual({ ok: false, failure: 'unknown' });
    expect(await ids.authenticateSession('')).toEqual({ ok: false, failure: 'unknown' });

    // Another session of the same user has its own CSRF token.
    const other = await ids.login('bjut-office', PASSWORD);
    if (!other.ok) throw new Error('login failed');
    expect(await ids.checkCsrf(cookie, other.session.csrfToken)).toBe(false);

    advance(12 * HOUR - 1);
    expect((await ids.authenticateSession(cookie)).ok).toBe(true);
    advance(1);
    expect(await ids.authenticateSession(cookie)).toEqual({ ok: false, failure: 'expired' });
    expect(await ids.checkCsrf(cookie, csrfToken)).toBe(false);

    await ids.logout(other.session.cookie);
    await ids.logout(other.session.cookie); // twice: nothing more to do
    await ids.logout('not a session');
    expect(await ids.authenticateSession(other.session.cookie)).toEqual({ ok: false, failure: 'revoked' });
    expect(await ids.checkCsrf(other.session.cookie, other.session.csrfToken)).toBe(false);
  });
});

describe('what the tables hold', () => {
  it('only hashes: no token, secret, cookie, CSRF token or password appears in any row', async () => {
    const added = await ids.addUser({ ...university, password: PASSWORD });
    const second = await ids.issueToken('bjut-office', { label: 'ci' });
    const login = await ids.login('bjut-office', PASSWORD);
    if (!login.ok) throw new Error('login failed');
    const randomSecrets = [...[added.token, second].map((t) => t.token.slice(`ctc_${t.tokenId}_`.length)), login.session.cookie, login.session.csrfToken];
    const rows = await rawRows();
    expect(rows.apiTokens).toHaveLength(2);
    expect(rows.sessions).toHaveLength(1);
    const stored = JSON.stringify(rows);
    for (const s of [added.token.token, second.token, ...randomSecrets, PASSWORD]) expect(stored).not.toContain(s);
    // A secret could hide in another encoding: look for its bytes in hex and base64 too.
    for (const s of randomSecrets) {
      const bytes = Buffer.from(s, 'base64url');
      expect(bytes).toHaveLength(32);
      expect(stored).not.toContain(bytes.toString('hex'));
      expect(stored).not.toContain(bytes.toString('base64').replace(/=+$/, ''));
    }

    const { createHash } = await import('node:crypto');
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect((rows.apiTokens as { id: string; secret_hash: string }[]).map((r) => [r.id, r.secret_hash])).toEqual([
      [added.token.tokenId, sha(added.token.token.slice(`ctc_${added.token.tokenId}_`.length))],
      [second.tokenId, sha(second.token.slice(`ctc_${second.tokenId}_`.length))],
    ]);
    expect(rows.sessions).toEqual([
      expect.objectContaining({ id_hash: sha(login.session.cookie), csrf_hash: sha(login.session.csrfToken), user_id: 'bjut-office', revoked_at: null }),
    ]);
  });
});
