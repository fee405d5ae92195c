/**
 * Signing the CLI in to the API: `centers login` keeps an API token for this API address (readable by this user
 * only), `centers logout` forgets it, `centers whoami` says who the API takes you for. CENTERS_TOKEN, when set,
 * wins over a saved token.
 */
import fs from 'node:fs';
import type { CommandSpec, Handler } from '../commands';
import { createApiClient, saveToken, TOKEN_ENV_VAR } from '../api-client';
import { UsageError } from '../errors';
import { fields } from '../format';

const GROUP = 'Users and access';

function apiOf(ctx: Parameters<Handler>[0]) {
  const api = ctx.services.api;
  if (!api) throw new UsageError('The API is off (api.url "off", CENTERS_API_URL=off): on the direct path there is nothing to log in to.');
  return api;
}

type Who = { identity: { userId: string; name: string; role: string; orgId: string | null; admin: boolean; via: string } };
const whoText = ({ identity: i }: Who, url: string) =>
  fields([
    ['User', i.userId],
    ['Name', i.name],
    ['Role', i.role],
    ['Organisation', i.orgId],
    ['Admin', i.admin],
    ['Signed in by', i.via],
    ['API', url],
  ]);

const login: Handler = async (ctx) => {
  const { url } = apiOf(ctx);
  const token = fs.readFileSync(0, 'utf8').trim();
  if (!token) throw new UsageError('No token on standard input. Pipe it in: `printf "%s" "$TOKEN" | centers login` (`centers users add` and `users token` print one).', 'login');
  // Checked before it is kept: a wrong or expired token is said now, not at the next command.
  const who = await createApiClient(url, token).request<Who>('GET', '/me');
  const file = saveToken(ctx.env, url, token);
  return { data: { ...who, url, saved: file }, text: `Logged in to ${url} as ${who.identity.userId} (${who.identity.role}); token kept in ${file} (mode 600).` };
};

const logout: Handler = async (ctx) => {
  const { url } = apiOf(ctx);
  const file = saveToken(ctx.env, url, null);
  const note = ctx.env[TOKEN_ENV_VAR] ? `\n${TOKEN_ENV_VAR} is still set in this shell: unset it too.` : '';
  return { data: { url, forgotten: true }, text: `The token for ${url} is forgotten (${file}).${note}` };
};

const whoami: Handler = async (ctx) => {
  const api = apiOf(ctx);
  const who = await api.request<Who>('GET', '/me');
  return { data: { ...who, url: api.url }, text: whoText(who, api.url) };
};

export const SESSION_COMMANDS: CommandSpec[] = [
  {
    name: 'login',
    group: GROUP,
    summary: 'Keep an API token for this API (read from standard input), so the next commands act as its user',
    args: [],
    options: {},
    details: `The token is checked with the API first, then kept in $XDG_CONFIG_HOME/centers/credentials.json (mode 600).\n${TOKEN_ENV_VAR}, when set, wins over it.`,
    examples: ['printf "%s" "$TOKEN" | centers login', 'centers login < token.txt'],
    load: async () => login,
  },
  { name: 'logout', group: GROUP, summary: 'Forget the token kept for this API', args: [], options: {}, examples: ['centers logout'], load: async () => logout },
  { name: 'whoami', group: GROUP, summary: 'Who the API takes you for: user, role, organisation', args: [], options: {}, examples: ['centers whoami', 'centers whoami --json'], load: async () => whoami },
];
