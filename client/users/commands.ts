/**
 * Users and their API tokens (SPEC §4 "HTTP API": every person known, every action theirs); client/commands.ts lists
 * them with the others. These commands work on the database of the machine they run on — the one that holds the
 * service's database — directly, not through the API: they are how the first user (a commission administrator) is
 * made, and how access is repaired when no one can log in.
 */
import type { CommandSpec, OptionSpec } from '../commands';
import { ROLES } from '../../machines/vocabulary';

const GROUP = 'Users and access';

const ON_THIS_MACHINE =
  'Works directly on the database of this machine (database.filename, or CENTERS_DATABASE_FILENAME): run it on the\n' +
  "machine that holds the service's database.";

const userArg = { name: '<id>', description: "the user's id (as `centers users list` shows it)" };
const expiresDays: OptionSpec = { type: 'string', value: 'N', description: "the token's lifetime in days, 1 to 3650 (default: api.tokenDays, 90)" };

const load = (name: keyof typeof import('./handlers')) => async () => (await import('./handlers'))[name];

export const USERS_COMMANDS: CommandSpec[] = [
  {
    name: 'users add',
    group: GROUP,
    summary: 'Add a user (a person, or a system such as the scheduler) and print their first API token, once',
    args: [],
    options: {
      role: { type: 'string', value: 'ROLE', description: ROLES.join('|'), required: true },
      name: { type: 'string', value: 'NAME', description: "the person's name (or the system's)", required: true },
      id: { type: 'string', value: 'ID', description: 'the user id, their actor id in the audit trail (default: a slug of the name)' },
      org: { type: 'string', value: 'ORG', description: "required for a university (the university's id, e.g. bjut) and an expert (their organisation)" },
      admin: { type: 'boolean', description: 'a commission administrator: may manage users (commission only)' },
      email: { type: 'string', value: 'EMAIL', description: "where the outbox mails the notices for the user's role (and university), with notifications.smtp" },
      'expires-days': expiresDays,
      'password-stdin': { type: 'boolean', description: 'read a password for logging in to the console from standard input (at least 12 characters)' },
    },
    details:
      `${ON_THIS_MACHINE}\n` +
      'The API token is printed once: only its hash is stored, so it cannot be shown again (`centers users token <id>`\n' +
      'issues another). The CLI and scripts use it as CENTERS_TOKEN; a password is only for the console.',
    examples: [
      'centers users add --role commission --name "Li Ming" --id li-ming --admin',
      'centers users add --role university --name "BJUT technology transfer office" --id bjut-office --org bjut --email tto@bjut.edu.cn',
      'printf "%s" "$PASSWORD" | centers users add --role expert --name "Wang Fang" --org pku --password-stdin',
      'centers users add --role scheduler --name "Calendar rounds" --id rounds --expires-days 365 --json',
    ],
    load: load('addUserCommand'),
  },
  {
    name: 'users list',
    group: GROUP,
    summary: 'List the users: role, organisation, status, whether they have a password (never a secret)',
    args: [],
    options: {
      role: { type: 'string', value: 'ROLE', description: `only this role (${ROLES.join('|')})` },
      status: { type: 'string', value: 'STATUS', description: 'only active or disabled users' },
    },
    details: ON_THIS_MACHINE,
    examples: ['centers users list', 'centers users list --role university --status active --json'],
    load: load('listUsersCommand'),
  },
  {
    name: 'users disable',
    group: GROUP,
    summary: "Disable a user: their tokens and sessions are refused, their sessions ended (`users enable` undoes it)",
    args: [userArg],
    options: {},
    details: ON_THIS_MACHINE,
    examples: ['centers users disable bjut-office'],
    load: load('disableUserCommand'),
  },
  {
    name: 'users enable',
    group: GROUP,
    summary: "Enable a disabled user again: their tokens that are neither expired nor revoked work again",
    args: [userArg],
    options: {},
    details: ON_THIS_MACHINE,
    examples: ['centers users enable bjut-office'],
    load: load('enableUserCommand'),
  },
  {
    name: 'users token',
    group: GROUP,
    summary: 'Issue a new API token for a user, printed once',
    args: [userArg],
    options: {
      'expires-days': expiresDays,
      label: { type: 'string', value: 'LABEL', description: 'what the token is for, shown by `centers users tokens` (e.g. laptop, ci)' },
    },
    details: `${ON_THIS_MACHINE}\nThe user's other tokens keep working; revoke one with \`centers users revoke <tokenId>\`.`,
    examples: ['centers users token bjut-office --label laptop', 'centers users token rounds --expires-days 365 --json'],
    load: load('issueTokenCommand'),
  },
  {
    name: 'users tokens',
    group: GROUP,
    summary: "List API tokens (a user's, or everyone's): id, label, expiry, last use, revocation — never the secret",
    args: [{ ...userArg, optional: true }],
    options: {},
    details: ON_THIS_MACHINE,
    examples: ['centers users tokens', 'centers users tokens bjut-office --json'],
    load: load('listTokensCommand'),
  },
  {
    name: 'users revoke',
    group: GROUP,
    summary: 'Revoke an API token: it is refused from now on',
    args: [{ name: '<tokenId>', description: 'the token id (the part after ctc_ up to the next _, as `centers users tokens` shows it)' }],
    options: {},
    details: ON_THIS_MACHINE,
    examples: ['centers users revoke 3f9a0c12b4de'],
    load: load('revokeTokenCommand'),
  },
  {
    name: 'users password',
    group: GROUP,
    summary: "Set a user's password for the console, read from standard input (never from an argument)",
    args: [userArg],
    options: {},
    details:
      `${ON_THIS_MACHINE}\n` +
      'At a terminal it asks twice without echoing; otherwise it reads standard input (one trailing newline is dropped).\n' +
      "At least 12 characters. The user's open sessions are ended; their API tokens keep working.",
    examples: ['centers users password bjut-office', 'printf "%s" "$PASSWORD" | centers users password bjut-office'],
    load: load('setPasswordCommand'),
  },
];
