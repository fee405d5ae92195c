/**
 * Reading what the user typed: the actor, command ids, numbers and JSON input files, each validated with the
 * same zod schemas the statechart uses, so a bad file is reported field by field before anything is sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ZodError } from 'zod';
import { CommandIdSchema } from '../machines/commands';
import { ActorSchema, type Actor } from '../machines/domain';
import { InputError, UsageError } from './errors';

/** Who acts when a commission-only command is given no actor. */
export const DEFAULT_COMMISSION_ACTOR: Actor = { id: 'operator', role: 'commission' };
export const ACTOR_ENV_VAR = 'CENTERS_ACTOR';

/** zod issues as `{ path, message }`, the path written as a file reader would (`conditions.staff[2].name`). */
export function zodIssues(error: ZodError, prefix = ''): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    const p = issue.path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${key}` : String(key)), prefix);
    return { path: p || '(the whole input)', message: issue.message };
  });
}

/** `role:id[@orgId]`, e.g. `university:bjut-office@bjut`, `expert:expert-pku-1@pku`, `commission:operator`. */
export function parseActor(spec: string, source: string): Actor {
  const m = /^([^:@\s]+):([^@\s]+)(?:@(\S+))?$/.exec(spec.trim());
  if (!m) {
    throw new InputError(`${source} "${spec}" is not an actor: expected role:id[@orgId], e.g. university:bjut-office@bjut or commission:operator`);
  }
  const [, role, id, orgId] = m;
  const parsed = ActorSchema.safeParse(orgId === undefined ? { role, id } : { role, id, orgId });
  if (!parsed.success) throw new InputError(`${source} "${spec}" is not a valid actor:`, zodIssues(parsed.error));
  return parsed.data;
}

/**
 * The actor of a command: --as, else CENTERS_ACTOR, else `fallback` (commission-only commands); a command that
 * needs a university or an expert says so.
 */
export function resolveActor(as: string | undefined, env: NodeJS.ProcessEnv, fallback: Actor | null, command: string, example: string): Actor {
  if (as !== undefined) return parseActor(as, '--as');
  const fromEnv = env[ACTOR_ENV_VAR];
  if (fromEnv) return parseActor(fromEnv, ACTOR_ENV_VAR);
  if (fallback) return fallback;
  throw new UsageError(`\`centers ${command}\` needs an actor: --as ${example} (or set ${ACTOR_ENV_VAR}).`, command);
}

export function parseCommandId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = CommandIdSchema.safeParse(value);
  if (!parsed.success) throw new InputError(`--command-id "${value}" is not a valid command id:`, zodIssues(parsed.error));
  return parsed.data;
}

export function parseWholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new InputError(`${flag} "${value}" is not a whole number.`);
  return Number(value.trim());
}

/** The largest file a command reads (a history exported by `temporal workflow show` is the biggest). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a JSON file (`-` for standard input) without validating it. Only a regular file (or standard input) of at
 * most MAX_INPUT_BYTES is read, and a file that is not JSON is named with the place it goes wrong — its contents are
 * never echoed (a wrong path may point at a file that is nobody's business).
 */
export function readJson(file: string): unknown {
  const label = file === '-' ? 'standard input' : file;
  let text: string;
  try {
    if (file !== '-') {
      const stat = fs.statSync(path.resolve(file));
      if (!stat.isFile()) throw new InputError(`${label} is not a regular file; give the path of a JSON file.`);
      if (stat.size > MAX_INPUT_BYTES) throw new InputError(`${label} is ${stat.size} bytes, more than the ${MAX_INPUT_BYTES} a command reads.`);
    }
    text = fs.readFileSync(file === '-' ? 0 : path.resolve(file), 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `No such file: ${label}` : code === 'EACCES' ? `Cannot read ${label}: permission denied` : `Cannot read ${label} (${code ?? 'error'})`);
  }
  return parseJsonText(text, label);
}

/** JSON text read from `label`, or an InputError naming where it breaks. */
export function parseJsonText(text: string, label: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError(`${label} is not valid JSON${whereJsonBreaks(text)}; check the file (the examples/ folder has one of each kind).`);
  }
}

/** " (line L, column C)" of the first character JSON.parse rejects, found without quoting the text. */
function whereJsonBreaks(text: string): string {
  // The parser's position when its message gives one, else the start.
  let at = 0;
  try {
    JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    at = m ? Number(m[1]) : 0;
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return text.trim() === '' ? ' (it is empty)' : ` (line ${line}, column ${column})`;
}

/** A file may hold the payload itself or the value under `key` (`[...]` or `{ "experts": [...] }`). */
export function unwrapKey(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && key in value && Object.keys(value).length === 1
    ? (value as Record<string, unknown>)[key]
    : value;
}

/** The one center (`<center>`) or every center (`--all`) an audit command reads: exactly one of the two. */
export function centerOrAll(values: { all?: unknown }, positionals: readonly string[], command: string): { all: true; ref: undefined } | { all: false; ref: string } {
  const all = values.all === true;
  const [ref] = positionals;
  if (all && ref) throw new UsageError('Give a center or --all, not both.', command);
  if (!all && !ref) throw new UsageError('Give a center (e.g. bjut.call-2026) or --all.', command);
  return all ? { all, ref: undefined } : { all, ref };
}
