/**
 * The CLI's exit codes and the mapping from every error it can meet to one of them, with a message a person can
 * act on. Errors are recognised by name, not by class, so this module loads nothing heavy: `--help` and usage
 * errors never wait for the Temporal SDK to load.
 */

export const ExitCode = {
  Ok: 0,
  /** Anything not listed below. */
  Failure: 1,
  /** Bad usage, a bad input file, a bad configuration. */
  Usage: 2,
  /** The command was refused (SPEC §3a names the reason). */
  Refused: 3,
  /** No such call or center. */
  NotFound: 4,
  /** The Temporal server (or the API) cannot be reached. */
  Unreachable: 5,
  /** No API token, or the API refused it (expired, revoked, disabled user). */
  Unauthenticated: 7,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Wrong arguments or options; `command` names the command whose help to suggest. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command: string | null = null,
  ) {
    super(message);
  }
}

/** An input file (or option value) that is missing, not JSON, or fails its zod schema; `issues` name the fields. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(issues.length ? `${message}\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}` : message);
  }
}

/** The Temporal server did not answer at `address`. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `Cannot reach Temporal at ${address}${cause ? ` (${describeCause(cause)})` : ''}.\n` +
        'Start the service with `npm start` (dev server + worker), or point CENTERS_TEMPORAL_ADDRESS at a running server.',
    );
  }
}

/** The database the read commands need is not there, or not migrated. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}

export interface Classified {
  code: ExitCode;
  /** Short machine-readable kind, for `--json` error output. */
  kind: 'usage' | 'input' | 'config' | 'refused' | 'not-found' | 'unreachable' | 'unauthenticated' | 'database' | 'error';
  /** SPEC §3a reason, for refusals. */
  reason?: string;
  /** What to print (may span lines). */
  message: string;
  issues?: unknown;
}

/** gRPC status UNAVAILABLE: the server is not answering. */
const GRPC_UNAVAILABLE = 14;

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

function describeCause(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const m = e instanceof Error ? e.message : String(e);
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
  }
  return parts.join(': ') || 'no answer';
}

export function classify(err: unknown, address: string | null): Classified {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  switch (name) {
    case 'UsageError':
      return { code: ExitCode.Usage, kind: 'usage', message };
    case 'InputError':
      return { code: ExitCode.Usage, kind: 'input', message, issues: (err as InputError).issues };
    case 'ConfigError':
      return { code: ExitCode.Usage, kind: 'config', message, issues: (err as Error & { issues?: unknown }).issues };
    case 'CommandRefusedError': {
      const reason = String((err as Error & { reason?: unknown }).reason ?? 'refused');
      return { code: ExitCode.Refused, kind: 'refused', reason, message: `Refused (${reason}): ${message}` };
    }
    case 'NotFoundError':
    case 'WorkflowNotFoundError':
      return { code: ExitCode.NotFound, kind: 'not-found', message };
    case 'UnreachableError':
    case 'ApiUnreachableError':
      return { code: ExitCode.Unreachable, kind: 'unreachable', message };
    case 'NotAuthenticatedError':
      return { code: ExitCode.Unauthenticated, kind: 'unauthenticated', message };
    case 'DatabaseError':
      return { code: ExitCode.Failure, kind: 'database', message };
    case 'WorkflowUpdateRPCTimeoutOrCancelledError':
      // The server accepted the command but no worker answered in time (it may still be applied later).
      return {
        code: ExitCode.Failure,
        kind: 'error',
        message: `${message}.\nNo worker answered in time: is the worker running (\`npm start\`)? Repeat the command with the same --command-id to get its result.`,
      };
    default:
      break;
  }
  const code = grpcCode(err);
  if (address && code === GRPC_UNAVAILABLE) {
    return { code: ExitCode.Unreachable, kind: 'unreachable', message: new UnreachableError(address, err).message };
  }
  if (/SQLITE_ERROR: no such table/.test(message) || /relation "[^"]+" does not exist/.test(message)) {
    return {
      code: ExitCode.Failure,
      kind: 'database',
      message: `${message}\nThe database is not migrated: start the service with \`npm start\`, or run \`npx tsx db/migrate.ts latest\`.`,
    };
  }
  return { code: ExitCode.Failure, kind: 'error', message: describeCause(err) };
}
