/** Help texts: the overview (`centers --help`) and one page per command (`centers <command> --help`). */
import { ACTOR_ENV_VAR } from './args';
import { COMMANDS, type CommandSpec, type OptionSpec } from './commands';
import { displayWidth } from './format';

/** Options every command takes, and those of commands sent on someone's behalf. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print the result as JSON on stdout (messages go to stderr)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export function sendingOptions(spec: CommandSpec): Record<string, OptionSpec> {
  if (!spec.sends) return {};
  const actor = spec.sends.defaultActor
    ? `direct path only (CENTERS_API_URL=off): the actor (default commission:operator, or ${ACTOR_ENV_VAR}); through the API you act as your token's user`
    : `direct path only (CENTERS_API_URL=off): the actor (or ${ACTOR_ENV_VAR}), e.g. ${spec.sends.actorExample}; through the API you act as your token's user`;
  return {
    as: { type: 'string', value: 'ROLE:ID[@ORG]', description: actor },
    'command-id': {
      type: 'string',
      value: 'ID',
      description: 'idempotency key (default: a fresh id, printed); repeating a command with its id returns the first result',
    },
  };
}

export function optionsOf(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, ...sendingOptions(spec), ...COMMON_OPTIONS };
}

const flag = (name: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;

function columns(rows: [string, string][], indent = '  '): string {
  const width = Math.max(...rows.map(([l]) => displayWidth(l)));
  return rows.map(([l, r]) => `${indent}${l}${' '.repeat(width - displayWidth(l) + 3)}${r}`).join('\n');
}

export function usageLine(spec: CommandSpec): string {
  const opts = Object.entries({ ...spec.options, ...sendingOptions(spec) }).map(([name, o]) => {
    const f = `--${name}${o.value ? ` ${o.value}` : ''}`;
    return o.required || (name === 'as' && spec.sends?.defaultActor === null) ? f : `[${f}]`;
  });
  return ['centers', spec.name, ...spec.args.map((a) => (a.optional ? `[${a.name}]` : a.name)), ...opts, '[--json]'].join(' ');
}

export function commandHelp(spec: CommandSpec): string {
  const parts = [`centers ${spec.name} — ${spec.summary}`, '', `Usage: ${usageLine(spec)}`];
  if (spec.details) parts.push('', spec.details);
  if (spec.args.length) parts.push('', 'Arguments:', columns(spec.args.map((a) => [a.name, a.description])));
  parts.push(
    '',
    'Options:',
    columns(Object.entries(optionsOf(spec)).map(([name, o]) => [flag(name, o), `${o.description}${o.required ? ' (required)' : ''}`])),
  );
  parts.push('', spec.examples.length > 1 ? 'Examples:' : 'Example:', ...spec.examples.map((e) => `  ${e}`));
  return parts.join('\n');
}

export function overviewHelp(): string {
  const groups = [...new Set(COMMANDS.map((c) => c.group))];
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = [
    "centers — operate the Beijing universities' Science and Technology Transfer Promotion Centers",
    '',
    'Usage: centers <command> [arguments] [options]',
  ];
  for (const group of groups) {
    lines.push('', `${group}:`);
    for (const c of COMMANDS.filter((x) => x.group === group)) lines.push(`  ${c.name.padEnd(width)}   ${c.summary}`);
  }
  lines.push(
    '',
    'Common options:',
    columns([
      ['--json', 'machine-readable result on stdout; progress and errors go to stderr'],
      ['--command-id ID', 'idempotency key: repeating a command with its id returns the first result'],
      ['--as ROLE:ID[@ORG]', `operators' direct path only (CENTERS_API_URL=off): who acts (or ${ACTOR_ENV_VAR})`],
      ['-h, --help', 'help for a command: centers <command> --help'],
    ]),
    '',
    'Commands and reads go through the HTTP API that `npm start` runs (api.url, CENTERS_API_URL) as the user of your',
    'API token: CENTERS_TOKEN, or the one `centers login` kept. A commission administrator makes users and their tokens',
    '(`centers users add`, on the machine that holds the database). With CENTERS_API_URL=off the CLI talks to Temporal',
    'directly and --as names the actor: for the service\'s operators only, like `audit replay` and `schedules install`.',
    '',
    '<center> is a center id (<universityId>.<callId>, e.g. bjut.call-2026) or a university id (bjut).',
    'Settings come from temporal.config.json and CENTERS_* variables (CENTERS_TEMPORAL_ADDRESS, CENTERS_DATABASE_FILENAME, ...).',
    "The commission's calendar rounds run once `centers schedules install` has installed them (safe to repeat).",
    '',
    'Exit codes: 0 ok, 1 other error, 2 bad usage / input file / configuration, 3 refused, 4 not found, 5 Temporal or the API',
    '  unreachable, 6 audit failed (a run does not replay with the current code, or the audit rows differ from the history),',
    '  7 not signed in (no token, or the API refused it).',
    '',
    'Example (examples/README.md walks through a whole application):',
    '  export CENTERS_TOKEN=ctc_…            # printed by `centers users add`',
    '  centers call open --file examples/call.json',
    '  centers apply --call call-2026 --file examples/application.json',
    '  centers show bjut',
  );
  return lines.join('\n');
}

/** `centers call` alone: the subcommands of that word. */
export function groupHelp(word: string): string | null {
  const subs = COMMANDS.filter((c) => c.name.startsWith(`${word} `));
  if (subs.length === 0) return null;
  const width = Math.max(...subs.map((c) => c.name.length));
  return [`Commands of "centers ${word}":`, ...subs.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`)].join('\n');
}
