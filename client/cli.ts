/**
 * `centers`: the operators' CLI (SPEC §4). Parses the command line, loads the configuration, runs one command
 * and maps whatever happened to an exit code (client/errors.ts). Results go to stdout, everything else to stderr.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findCommand, type CommandSpec, type Output } from './commands';
import { classify, ExitCode, UsageError } from './errors';
import { commandHelp, groupHelp, optionsOf, overviewHelp, usageLine } from './help';
import type { Services } from './connect';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  stderr: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  env: process.env,
};

interface Parsed {
  spec: CommandSpec;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(argv: string[]): Parsed | { help: string } {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  const found = findCommand(argv);
  if (!found) {
    const group = words[0] ? groupHelp(words[0]) : null;
    if (group) {
      const sub = words[1] ? `Unknown command "centers ${words[0]} ${words[1]}".` : `"centers ${words[0]}" needs a subcommand.`;
      throw new UsageError(`${sub}\n${group}`);
    }
    const what = words.length ? `Unknown command "${words[0]}".` : 'No command given.';
    throw new UsageError(`${what}\nRun \`centers --help\` for the list of commands.`);
  }
  const { spec, rest } = found;
  const options = Object.fromEntries(
    Object.entries(optionsOf(spec)).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, '.'), spec.name);
  }
  if (values.help) return { help: commandHelp(spec) };
  const required = spec.args.filter((a) => !a.optional).length;
  if (positionals.length < required || positionals.length > spec.args.length) {
    const expected = spec.args.length ? spec.args.map((a) => (a.optional ? `[${a.name}]` : a.name)).join(' ') : 'no arguments';
    // Only the arguments that fit are echoed: an extra one may be something that should never be printed (a password).
    const shown = positionals.slice(0, spec.args.length).map((p) => `"${p}"`);
    const extra = positionals.length - shown.length;
    const got = positionals.length ? `got ${[...shown, ...(extra > 0 ? [`and ${extra} more (not shown)`] : [])].join(' ')}` : 'got none';
    throw new UsageError(`\`centers ${spec.name}\` takes ${expected}; ${got}.\nUsage: ${usageLine(spec)}`, spec.name);
  }
  const missing = Object.entries(spec.options).filter(([name, o]) => o.required && (values[name] === undefined || values[name] === ''));
  if (missing.length) {
    throw new UsageError(`Missing ${missing.map(([n]) => `--${n}`).join(', ')}.\nUsage: ${usageLine(spec)}`, spec.name);
  }
  return { spec, values, positionals };
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  if (argv.length === 0) {
    io.stderr(overviewHelp());
    return ExitCode.Usage;
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const topic = argv[0] === 'help' && argv.length > 1 ? findCommand(argv.slice(1)) : null;
    io.stdout(topic ? commandHelp(topic.spec) : overviewHelp());
    return ExitCode.Ok;
  }

  const json = argv.includes('--json');
  let services: Services | null = null;
  let commandName: string | null = null;
  try {
    const parsed = parse(argv);
    if ('help' in parsed) {
      io.stdout(parsed.help);
      return ExitCode.Ok;
    }
    commandName = parsed.spec.name;
    const [{ loadConfig }, { openServices }, handler] = await Promise.all([import('../config'), import('./connect'), parsed.spec.load()]);
    const cfg = loadConfig({ env: io.env });
    services = openServices(cfg);
    const output: Output = await handler({
      values: parsed.values,
      positionals: parsed.positionals,
      services,
      env: io.env,
      warn: (line) => io.stderr(line),
    });
    io.stdout(json ? JSON.stringify(output.data, null, 2) : output.text);
    return output.exitCode ?? ExitCode.Ok;
  } catch (err) {
    const c = classify(err, services?.address ?? null);
    const hint = c.kind === 'usage' && (err as UsageError).command ? `\nRun \`centers ${(err as UsageError).command} --help\` for usage.` : '';
    io.stderr(`${c.message}${hint}`);
    if (json) {
      io.stdout(JSON.stringify({ error: { exitCode: c.code, kind: c.kind, reason: c.reason, message: c.message, issues: c.issues, command: commandName } }, null, 2));
    }
    if (c.code === ExitCode.Failure && io.env.CENTERS_DEBUG && err instanceof Error && err.stack) io.stderr(err.stack);
    return c.code;
  } finally {
    await services?.close();
  }
}

/** Entry point for `node bin/centers.mjs` and `tsx client/cli.ts`. */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  // Every connection is closed above; should a library keep a handle open, do not hang the shell.
  setTimeout(() => process.exit(code), 2_000).unref();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void run();
