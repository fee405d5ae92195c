/**
 * The CLI through the HTTP API (the default once `npm start` runs one): every command carries the caller's token,
 * the API decides who acts, `--as` is refused on that path, and `centers login` keeps a token for the next commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useApi } from '../helpers/api';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = (name: string) => path.join(repoRoot, 'examples', name);
const api = useApi({ name: 'cli-api' }, 180_000);

/** The CLI pointed at the test's API, as `token`'s user (or nobody). */
const as = (token: string | null, extra: NodeJS.ProcessEnv = {}) => ({ CENTERS_API_URL: api.url, ...(token ? { CENTERS_TOKEN: token } : {}), ...extra });

describe('centers through the API', { timeout: 120_000 }, () => {
  it('acts as the token\u2019s user: the audit rows name them, --as is refused, refusals exit 3 with the reason', async () => {
    const commission = await api.user('commission', { id: 'li-operator' });
    const bjut = await api.user('university', { id: 'bjut-registrar', orgId: 'bjut' });

    const opened = await api.h.ok(['call', 'open', '--file', example('call.json')], { env: as(commission.token), json: true });
    expect(opened.call.status).toBe('open');
    const callId: string = opened.call.callId;

    const applied = await api.h.ok(['apply', '--call', callId, '--file', example('application.json')], { env: as(bjut.token), json: true });
    expect(applied).toMatchObject({ type: 'SUBMIT_APPLICATION', centerId: `bjut.${callId}` });
    expect(applied.center.allowedCommands).toHaveProperty('university');

    // --as is a claim the API cannot check: refused as bad usage, nothing sent.
    const claimed = await api.h.cli(['approve', 'bjut', '--as', 'commission:someone-else'], { env: as(bjut.token), json: true });
    expect(claimed.code).toBe(2);
    expect(claimed.stderr).toContain('--as is for the operators');

    // The university may not approve: refused by the API with the §3a reason.
    const refused = await api.h.cli(['approve', 'bjut'], { env: as(bjut.token), json: true });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('Refused (forbidden-role)');

    const log = await api.h.ok(['audit', 'log', 'bjut'], { env: as(bjut.token), json: true });
    expect(log.rows.map((r: { actor: { id: string } }) => r.actor.id)).toEqual(['bjut-registrar']);
    const shown = await api.h.ok(['show', 'bjut'], { env: as(commission.token), json: true });
    expect(shown).toMatchObject({ centerId: `bjut.${callId}`, state: 'application.eligible' });
    expect(shown.applications).toHaveLength(1);

    // Another university sees none of it.
    const pku = await api.user('university', { orgId: 'pku' });
    const peek = await api.h.cli(['show', 'bjut'], { env: as(pku.token), json: true });
    expect(peek.code).toBe(3);
    expect(peek.stderr).toContain('wrong-organisation');
    expect((await api.h.ok(['list'], { env: as(pku.token), json: true })).centers).toEqual([]);
  });

  it('without a token, or with a revoked one, says how to sign in (exit 7); login keeps a token, logout forgets it', async () => {
    const none = await api.h.cli(['list'], { env: as(null), json: true });
    expect(none.code).toBe(7);
    expect(none.stderr).toContain('CENTERS_TOKEN');
    // The public notices need no token.
    expect((await api.h.ok(['notices'], { env: as(null), json: true })).notices).toEqual([]);

    const auditor = await api.user('auditor');
    const home = fs.mkdtempSync(path.join(api.h.dir, 'home-'));
    const env = as(null, { XDG_CONFIG_HOME: home });
    const { spawn } = await import('node:child_process');
    const login = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/centers.mjs'), 'login'], { env: { ...api.h.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(`${auditor.token}\n`);
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`as ${auditor.user.id} (auditor)`);
    expect(login.stdout).not.toContain(auditor.token);
    const file = path.join(home, 'centers', 'credentials.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await api.h.ok(['whoami'], { env, json: true })).identity).toMatchObject({ userId: auditor.user.id, role: 'auditor' });

    await api.identities.revokeToken(auditor.issued.tokenId);
    const revoked = await api.h.cli(['whoami'], { env, json: true });
    expect(revoked.code).toBe(7);
    expect(revoked.stderr).toContain('revoked');

    expect((await api.h.cli(['logout'], { env, json: true })).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({});
  });
});
