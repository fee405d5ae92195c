/**
 * End to end: the real `centers users …` commands (node bin/centers.mjs, built by `npm run build`) on a temporary
 * migrated SQLite file — no Temporal server: they work on this machine's database directly. A token is printed once,
 * by the command that made it, and works with the API's authentication (api/identities.ts on the same file); the
 * lists never show a secret; disable, enable, token, revoke and a password read from standard input.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentities, type Identities } from '../../api/identities';
import { removeTempDatabase, tempDatabase, type TempDatabase } from '../helpers/database';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin', 'centers.mjs');
const TIMEOUT = 120_000;
const TOKEN = /ctc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/g;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

let db: TempDatabase;
let env: NodeJS.ProcessEnv;
let ids: Identities;

beforeAll(async () => {
  db = await tempDatabase('centers-e2e-users-');
  // Only this test's settings: none of the developer's CENTERS_* variables.
  env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CENTERS_'))), CENTERS_DATABASE_FILENAME: db.filename };
  ids = createIdentities(db.knex, { tokenDays: 90, sessionHours: 12 });
});
afterAll(() => removeTempDatabase(db));

/** `node bin/centers.mjs …`, with `input` on its standard input (else none); --json output parsed. */
function centers(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      let json: unknown;
      try {
        json = args.includes('--json') && stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        return reject(new Error(`centers ${args.join(' ')}: stdout is not JSON:\n${stdout}\nstderr:\n${stderr}`));
      }
      resolve({ code, stdout, stderr, json });
    });
    child.stdin.end(input ?? '');
  });
}

async function ok(args: string[], input?: string): Promise<Run> {
  const r = await centers(args, input);
  if (r.code !== 0) throw new Error(`centers ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Every token printed so far, to make sure no later output shows one again. */
const printed: string[] = [];

describe('centers users (on this machine’s database)', { timeout: TIMEOUT }, () => {
  it('lists the users commands in the overview, each with its help saying it works on this machine’s database', async () => {
    const top = await ok(['--help']);
    expect(top.stdout).toContain('Users and access:');
    for (const name of ['users add', 'users list', 'users disable', 'users enable', 'users token', 'users tokens', 'users revoke', 'users password']) {
      expect(top.stdout).toContain(`  ${name} `);
    }
    const help = await ok(['users', 'add', '--help']);
    expect(help.stdout).toContain('Usage: centers users add --role ROLE --name NAME [--id ID] [--org ORG] [--admin] [--email EMAIL] [--expires-days N] [--password-stdin] [--json]');
    expect(help.stdout).toContain('database of this machine');
  });

  it('users add prints the user and the token once, saying so and how to use it; the token authenticates', async () => {
    const r = await ok(['users', 'add', '--role', 'commission', '--name', 'Li Ming', '--admin']);
    const tokens = [...r.stdout.matchAll(TOKEN)].map((m) => m[0]);
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens).size).toBe(1);
    const [token] = tokens;
    printed.push(token);
    expect(r.stdout).toContain('User li-ming added.');
    expect(r.stdout).toMatch(/shown only this once/);
    expect(r.stdout).toContain(`export CENTERS_TOKEN=${token}`);
    expect(r.stderr).not.toContain(token);
    expect(await ids.authenticateToken(token)).toEqual({
      ok: true,
      identity: { userId: 'li-ming', name: 'Li Ming', role: 'commission', orgId: null, admin: true, via: 'token' },
    });
  });

  it('users add --json prints {user, token}; --org is required for a university, with what to give', async () => {
    const missing = await centers(['users', 'add', '--role', 'university', '--name', 'BJUT office', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--org is required for a university user: the university's id, e.g. --org bjut");
    const badRole = await centers(['users', 'add', '--role', 'rector', '--name', 'X']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role must be one of commission, university, expert, scheduler, auditor');

    const r = await ok(['users', 'add', '--role', 'university', '--name', 'BJUT office', '--id', 'bjut-office', '--org', 'bjut', '--email', 'tto@bjut.edu.cn', '--expires-days', '30', '--json']);
    expect(r.json.user).toMatchObject({ id: 'bjut-office', role: 'university', orgId: 'bjut', admin: false, email: 'tto@bjut.edu.cn', status: 'active', hasPassword: false });
    expect(r.json.token).toEqual({ tokenId: expect.any(String), token: expect.stringMatching(TOKEN), expiresAt: expect.any(String) });
    expect(Date.parse(r.json.token.expiresAt) - Date.parse(r.json.user.createdAt)).toBe(30 * 86_400_000);
    printed.push(r.json.token.token);

    const again = await centers(['users', 'add', '--role', 'university', '--name', 'Another', '--id', 'bjut-office', '--org', 'bjut']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/"bjut-office" already exists: choose another with --id/);
  });

  it('users list and users tokens show no secret', async () => {
    const list = await ok(['users', 'list']);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+ORG\s+ADMIN\s+STATUS\s+PASSWORD\s+CREATED$/m);
    expect(list.stdout).toMatch(/^bjut-office\s+BJUT office\s+university\s+bjut\s+no\s+active\s+no\s/m);
    expect(list.stdout).toMatch(/^li-ming\s+Li Ming\s+commission\s+-\s+yes\s+active/m);
    const json = await ok(['users', 'list', '--role', 'university', '--json']);
    expect(json.json.map((u: { id: string }) => u.id)).toEqual(['bjut-office']);
    const tokens = await ok(['users', 'tokens', '--json']);
    expect(tokens.json).toHaveLength(2);
    const tokensText = await ok(['users', 'tokens']);
    for (const out of [list.stdout, json.stdout, tokens.stdout, tokensText.stdout]) {
      expect(out).not.toMatch(TOKEN);
      for (const t of printed) expect(out).not.toContain(t.slice(-43));
    }
  });

  it('users disable refuses the user’s tokens; users enable restores them', async () => {
    const [token] = printed.slice(-1);
    const off = await ok(['users', 'disable', 'bjut-office']);
    expect(off.stdout).toContain('User bjut-office is disabled');
    expect(await ids.authenticateToken(token)).toEqual({ ok: false, failure: 'disabled' });
    expect((await ok(['users', 'list', '--status', 'disabled', '--json'])).json.map((u: { id: string }) => u.id)).toEqual(['bjut-office']);
    const refused = await centers(['users', 'token', 'bjut-office']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('centers users enable bjut-office');

    await ok(['users', 'enable', 'bjut-office']);
    expect((await ids.authenticateToken(token)).ok).toBe(true);

    const unknown = await centers(['users', 'disable', 'nobody']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('No user "nobody"');
  });

  it('users token issues a new token, printed once; users revoke refuses it from then on', async () => {
    const r = await ok(['users', 'token', 'bjut-office', '--label', 'laptop', '--expires-days', '7', '--json']);
    const { tokenId, token } = r.json.token as { tokenId: string; token: string };
    expect((await ids.authenticateToken(token)).ok).toBe(true);
    const listed = (await ok(['users', 'tokens', 'bjut-office', '--json'])).json as { tokenId: string; label: string | null; revokedAt: string | null }[];
    expect(listed.map((t) => t.label)).toEqual(['initial', 'laptop']);
    expect(JSON.stringify(listed)).not.toContain(token.slice(-43));

    const revoked = await ok(['users', 'revoke', tokenId]);
    expect(revoked.stdout).toContain(`Token ${tokenId} of bjut-office is revoked`);
    // The API's process sees it within TOKEN_CACHE_MS (api/identities.ts); one that has not just checked it, at once.
    expect(await createIdentities(db.knex, { tokenDays: 90, sessionHours: 12 }).authenticateToken(token)).toEqual({ ok: false, failure: 'revoked' });
    expect((await ok(['users', 'tokens', 'bjut-office'])).stdout).toMatch(new RegExp(`^${tokenId}\\s+bjut-office\\s+laptop\\s.*revoked`, 'm'));
    expect((await centers(['users', 'revoke', 'ffffffffffff'])).code).toBe(4);
  });

  it('users password reads the password from standard input (never an argument); the user can then log in', async () => {
    const password = 'a long enough passphrase';
    const r = await ok(['users', 'password', 'bjut-office'], `${password}\n`);
    expect(r.stdout).toContain('Password of bjut-office set');
    expect(r.stdout + r.stderr).not.toContain(password);
    expect((await ids.login('bjut-office', password)).ok).toBe(true);
    expect((await ids.getUser('bjut-office'))!.hasPassword).toBe(true);

    const short = await centers(['users', 'password', 'bjut-office'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 12 characters');
    const none = await centers(['users', 'password', 'bjut-office']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('No password on standard input');
    const asArgument = await centers(['users', 'password', 'bjut-office', password]);
    expect(asArgument.code).toBe(2);
    expect((await ids.login('bjut-office', password)).ok).toBe(true);

    const added = await ok(['users', 'add', '--role', 'expert', '--name', 'Wang Fang', '--org', 'pku', '--password-stdin', '--json'], 'expert passphrase 1');
    expect(added.json.user).toMatchObject({ id: 'wang-fang', role: 'expert', orgId: 'pku', hasPassword: true });
    expect((await ids.login('wang-fang', 'expert passphrase 1')).ok).toBe(true);
  });
});
