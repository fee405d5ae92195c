/**
 * The `centers users …` commands (client/users/commands.ts), on this machine's database through api/identities.ts.
 * A token is printed once, in the result of the command that made it; nothing else ever prints a secret.
 */
import fs from 'node:fs';
import { createIdentities, IdentityError, PASSWORD_MIN_LENGTH, type IssuedToken, type TokenInfo, type User } from '../../api/identities';
import { ROLES, USER_STATUSES, type Role } from '../../machines/vocabulary';
import { parseWholeNumber } from '../args';
import type { CommandContext, Output } from '../commands';
import { InputError, UsageError } from '../errors';
import { fields, table, time } from '../format';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** A user or token that is not there: exit code 4 (client/errors.ts recognises errors by name). */
class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The flag a field of the new user comes from, to name it in an error. */
const FLAGS: Record<string, string> = {
  id: '--id',
  name: '--name',
  role: '--role',
  orgId: '--org',
  admin: '--admin',
  password: '--password-stdin',
  tokenDays: '--expires-days',
};

/** api/identities.ts's errors, as the CLI's: what went wrong, and what to do next. */
function cliError(err: unknown, command: string): unknown {
  if (!(err instanceof IdentityError)) return err;
  const first = err.message.split('\n')[0];
  switch (err.code) {
    case 'not-found':
      return new NotFoundError(first);
    case 'invalid':
      return err.issues.length
        ? new InputError(`Invalid input to \`centers ${command}\`:`, err.issues.map((i) => ({ path: FLAGS[i.path] ?? i.path, message: i.message })))
        : new InputError(first);
    case 'exists':
      return new UsageError(first.replace(/choose another id\.$/, 'choose another with --id ID (`centers users list` shows the ids taken).'), command);
    default:
      return new UsageError(first, command);
  }
}

async function identitiesFor(ctx: CommandContext) {
  const { api } = ctx.services.cfg;
  return createIdentities(await ctx.services.knex(), { tokenDays: api.tokenDays, sessionHours: api.sessionHours });
}

/** Runs `fn` on the identities, translating their errors. */
async function withIdentities<T>(ctx: CommandContext, command: string, fn: (ids: Awaited<ReturnType<typeof identitiesFor>>) => Promise<T>): Promise<T> {
  const ids = await identitiesFor(ctx);
  try {
    return await fn(ids);
  } catch (err) {
    throw cliError(err, command);
  }
}

function roleOf(value: string | undefined, flag: string): Role | undefined {
  if (value === undefined) return undefined;
  if (!(ROLES as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${ROLES.join(', ')}; not "${value}".`);
  return value as Role;
}

function daysOf(ctx: CommandContext): number | undefined {
  const days = parseWholeNumber(str(ctx.values['expires-days']), '--expires-days');
  if (days !== undefined && (days < 1 || days > 3650)) throw new InputError(`--expires-days must be 1 to 3650 days; not ${days}.`);
  return days;
}

// ── reading a password ───────────────────────────────────────────────────────────────────────────────────────────
/** One line typed at the terminal without echo (stdin in raw mode); Ctrl-C or Ctrl-D gives up. */
function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    let text = '';
    const done = (err: Error | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('No password given.'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** The password from standard input: asked twice at a terminal, else read to the end (one trailing newline dropped). */
async function readPassword(command: string): Promise<string> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await readHidden(`Password (at least ${PASSWORD_MIN_LENGTH} characters, not shown): `);
    const again = await readHidden('The same password again: ');
    if (again !== password) throw new UsageError('The two passwords differ; nothing was changed. Run the command again.', command);
  } else {
    password = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  }
  if (password.length === 0) {
    throw new UsageError(`No password on standard input. Pipe it in, e.g. \`printf "%s" "$PASSWORD" | centers ${command} …\`.`, command);
  }
  return password;
}

// ── text ─────────────────────────────────────────────────────────────────────────────────────────────────────────
function userText(u: User): string {
  return fields([
    ['User', u.id],
    ['Name', u.name],
    ['Role', u.role],
    ['Organisation', u.orgId],
    ['Admin', u.admin],
    ['Email', u.email ?? 'none (not mailed)'],
    ['Status', u.status],
    ['Password', u.hasPassword ? 'set' : 'none (API tokens only)'],
    ['Created', time(u.createdAt)],
  ]);
}

/** The token, with the warning that this is the only time it is shown, and how to use it. */
function tokenText(t: IssuedToken, userId: string): string {
  return [
    `API token for ${userId} (token id ${t.tokenId}, expires ${time(t.expiresAt)}):`,
    '',
    `  ${t.token}`,
    '',
    'It is shown only this once: only its hash is stored, so it cannot be shown again. Keep it now (a password',
    `manager, a CI secret); if it is lost, issue another with \`centers users token ${userId}\`. Use it with:`,
    '',
    `  export CENTERS_TOKEN=${t.token}`,
    '',
    '(or send `Authorization: Bearer <token>` to the HTTP API).',
  ].join('\n');
}

function tokenState(t: TokenInfo): string {
  if (t.revokedAt) return `revoked ${time(t.revokedAt)}`;
  if (Date.parse(t.expiresAt) <= Date.now()) return 'expired';
  return 'active';
}

const tokensTable = (tokens: TokenInfo[]) =>
  table(
    ['TOKEN ID', 'USER', 'LABEL', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'],
    tokens.map((t) => [t.tokenId, t.userId, t.label, time(t.createdAt), time(t.expiresAt), time(t.lastUsedAt), tokenState(t)]),
    '(no tokens)',
  );

// ── the commands ─────────────────────────────────────────────────────────────────────────────────────────────────
export async function addUserCommand(ctx: CommandContext): Promise<Output> {
  const command = 'users add';
  const role = roleOf(str(ctx.values.role), '--role')!;
  const org = str(ctx.values.org);
  if ((role === 'university' || role === 'expert') && !org) {
    throw new UsageError(
      role === 'university'
        ? "--org is required for a university user: the university's id, e.g. --org bjut"
        : "--org is required for an expert user: the expert's organisation (university or institute), e.g. --org pku",
      command,
    );
  }
  if (ctx.values.admin && role !== 'commission') {
    throw new UsageError(`--admin is for commission users only; a ${role} user cannot manage users.`, command);
  }
  const tokenDays = daysOf(ctx);
  const password = ctx.values['password-stdin'] ? await readPassword(command) : undefined;
  const { user, token } = await withIdentities(ctx, command, (ids) =>
    ids.addUser({
      id: str(ctx.values.id),
      name: str(ctx.values.name)!,
      role,
      ...(org ? { orgId: org } : {}),
      ...(ctx.values.admin ? { admin: true } : {}),
      ...(str(ctx.values.email) ? { email: str(ctx.values.email) } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tokenDays !== undefined ? { tokenDays } : {}),
    }),
  );
  return { data: { user, token }, text: `User ${user.id} added.\n\n${userText(user)}\n\n${tokenText(token, user.id)}` };
}

export async function listUsersCommand(ctx: CommandContext): Promise<Output> {
  const role = roleOf(str(ctx.values.role), '--role');
  const status = str(ctx.values.status);
  if (status !== undefined && !(USER_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of ${USER_STATUSES.join(', ')}; not "${status}".`, 'users list');
  }
  const users = await withIdentities(ctx, 'users list', (ids) =>
    ids.listUsers({ ...(role ? { role } : {}), ...(status ? { status: status as User['status'] } : {}) }),
  );
  const text = table(
    ['ID', 'NAME', 'ROLE', 'ORG', 'ADMIN', 'STATUS', 'PASSWORD', 'CREATED'],
    users.map((u) => [u.id, u.name, u.role, u.orgId, u.admin, u.status, u.hasPassword, time(u.createdAt)]),
    role || status ? '(no users match)' : '(no users yet: add the first with `centers users add --role commission --name NAME --admin`)',
  );
  return { data: users, text };
}

async function setStatus(ctx: CommandContext, status: User['status']): Promise<Output> {
  const [id] = ctx.positionals;
  const command = status === 'disabled' ? 'users disable' : 'users enable';
  const user = await withIdentities(ctx, command, (ids) => ids.setStatus(id, status));
  const what =
    status === 'disabled'
      ? `User ${id} is disabled: their API tokens and sessions are refused, and their open sessions are ended.\nUndo with \`centers users enable ${id}\`.`
      : `User ${id} is active again: their tokens that are neither expired nor revoked work again.`;
  return { data: user, text: `${what}\n\n${userText(user)}` };
}

export const disableUserCommand = (ctx: CommandContext): Promise<Output> => setStatus(ctx, 'disabled');
export const enableUserCommand = (ctx: CommandContext): Promise<Output> => setStatus(ctx, 'active');

export async function issueTokenCommand(ctx: CommandContext): Promise<Output> {
  const [id] = ctx.positionals;
  const days = daysOf(ctx);
  const label = str(ctx.values.label);
  const token = await withIdentities(ctx, 'users token', (ids) => ids.issueToken(id, { ...(days !== undefined ? { days } : {}), ...(label ? { label } : {}) }));
  return { data: { userId: id, token }, text: tokenText(token, id) };
}

export async function listTokensCommand(ctx: CommandContext): Promise<Output> {
  const [id] = ctx.positionals;
  const tokens = await withIdentities(ctx, 'users tokens', (ids) => ids.listTokens(id));
  return { data: tokens, text: tokensTable(tokens) };
}

export async function revokeTokenCommand(ctx: CommandContext): Promise<Output> {
  const [tokenId] = ctx.positionals;
  const token = await withIdentities(ctx, 'users revoke', (ids) => ids.revokeToken(tokenId));
  return { data: token, text: `Token ${tokenId} of ${token.userId} is revoked (${time(token.revokedAt)}): it is refused from now on.` };
}

export async function setPasswordCommand(ctx: CommandContext): Promise<Output> {
  const [id] = ctx.positionals;
  const command = 'users password';
  await withIdentities(ctx, command, async (ids) => {
    // Say "no such user" before asking for a password.
    if (!(await ids.getUser(id))) throw new IdentityError('not-found', `No user "${id}". The users are listed by \`centers users list\`.`);
  });
  const password = await readPassword(command);
  await withIdentities(ctx, command, (ids) => ids.setPassword(id, password));
  return { data: { userId: id, passwordSet: true }, text: `Password of ${id} set. Their open sessions are ended; their API tokens keep working.` };
}
