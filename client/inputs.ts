/**
 * A command's payload from the command line, as the command table says it is given (machines/core.ts CliSpec):
 * `--file FILE` holds the payload itself, or the value of one payload field (`cli.file.field`) — bare or, for
 * readability, under its name (`{ "request": { ... } }`); each option fills one field, converted by its `type`. The
 * payload is checked with the command's zod schema, and every failing field is named as the user gave it: a path
 * in the file, or the option. The examples test reads every file in examples/ through this same reader.
 */
import { z, type ZodTypeAny } from 'zod';
import { COMMAND_TABLE, type AnyCommandType, type CommandPayload } from '../machines/commands';
import type { CommandDef } from '../machines/core';
import { parseWholeNumber, readJson, unwrapKey, zodIssues } from './args';
import { InputError, UsageError } from './errors';

type Values = Record<string, string | boolean | undefined>;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The fields of an object schema, through refinements (`CallInfoSchema` is a refined object). */
function fieldsOf(schema: ZodTypeAny): Record<string, ZodTypeAny> {
  if (schema instanceof z.ZodObject) return schema.shape as Record<string, ZodTypeAny>;
  if (schema instanceof z.ZodEffects) return fieldsOf(schema.innerType());
  return {};
}

/** Does the issue path `path` lie under payload field `field` (`application`, `application.director`, `staff[0]`)? */
const under = (path: string, field: string) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);

/** The payload of `type` from the options and the --file of a command line, validated. */
export function commandPayload<T extends AnyCommandType>(type: T, values: Values, args: readonly string[] = []): CommandPayload<T> {
  const { cli, payload: schema }: CommandDef = COMMAND_TABLE[type];
  const file = typeof values.file === 'string' ? values.file : undefined;
  const label = file === '-' ? 'standard input' : file;
  // A file's field is a payload field, or (SUBMIT_EVALUATION_REVIEW's "review") only the name its payload may be wrapped in.
  const fileField = cli.file?.field !== undefined && cli.file.field in fieldsOf(schema) ? cli.file.field : undefined;

  let payload: unknown = {};
  if (file !== undefined && cli.file) {
    const value = cli.file.field ? unwrapKey(readJson(file), cli.file.field) : readJson(file);
    payload = fileField ? { [fileField]: value } : value;
  }
  const flags: Record<string, string> = {};
  // Positionals after the target (`round submit r2026 bjut`): each fills its field.
  for (const [i, a] of (cli.args ?? []).entries()) {
    flags[a.field] = a.name;
    if (args[i] !== undefined && isRecord(payload)) payload[a.field] = args[i];
  }
  for (const [flag, o] of Object.entries(cli.options ?? {})) {
    flags[o.field] = `--${flag}`;
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    if (!isRecord(payload)) break; // the file is not an object: its own error says so below
    if (payload[o.field] !== undefined) throw new UsageError(`Give ${o.field} with --file or with --${flag}, not both.`, cli.name);
    payload[o.field] = o.type === 'integer' ? parseWholeNumber(raw, `--${flag}`) : raw;
  }

  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data as CommandPayload<T>;
  let fromFile = false;
  const issues = zodIssues(parsed.error).map((issue) => {
    const option = Object.keys(flags).find((field) => under(issue.path, field));
    if (option) return { ...issue, path: flags[option] + issue.path.slice(option.length) };
    fromFile = file !== undefined;
    if (fileField && under(issue.path, fileField)) return { ...issue, path: issue.path.slice(fileField.length).replace(/^\./, '') || '(the whole file)' };
    return issue;
  });
  throw new InputError(fromFile ? `${label} is not a valid input to \`centers ${cli.name}\`:` : `Invalid input to \`centers ${cli.name}\`:`, issues);
}
