/**
 * Structured logs (docs/operations.md "Logs"): one JSON object per line on stdout (pino), or, when stdout is a
 * terminal, the same lines made readable ("12:03:04.123 INFO  message  key=value"). The API (Fastify's logger) and
 * the worker (the Temporal Runtime's logger, which also carries the workflow and activity loggers' lines and the
 * SDK core's own, forwarded) both write through it.
 *
 * Never a secret or a row's values: credentials are redacted by key wherever they occur (REDACT_PATHS), and the
 * code logs ids (center, workflow, command), states and times, never documents.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

/** Keys whose values are credentials, at the top of a line or one level down. */
const SECRET_KEYS = ['authorization', 'cookie', 'token', 'password', 'apiKey', 'secret', 'sessionId', 'x-csrf-token'];
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*["${k}"]`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
];

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Renders pino's JSON lines for a person at a terminal; anything that is not a JSON line passes unchanged. */
export function prettyStream(out: { write(s: string): unknown } = process.stdout): DestinationStream {
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { time, level, msg, pid: _pid, hostname: _host, ...rest } = o;
      const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
      const name = (LEVEL_NAMES[level as number] ?? String(level)).padEnd(5);
      const fields = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
        .join(' ');
      out.write(`${when} ${name} ${String(msg ?? '')}${fields ? `  ${fields}` : ''}\n`);
    },
  };
}

/**
 * Where log lines go: stdout as JSON lines, or readable lines when stdout is a terminal. Through process.stdout, not
 * a file descriptor of pino's own: a write to a closed pipe (the supervisor gone) then lands on the error handler
 * worker/serve.ts sets on process.stdout, and cannot crash the drain.
 */
export function logDestination(): DestinationStream {
  return process.stdout.isTTY ? prettyStream() : process.stdout;
}

/** Lines at info and above: requests, commands, transitions persisted, notices delivered, warnings and errors. */
export const LOG_LEVEL = 'info';

/** Options for Fastify's logger (ApiDeps.logger): the same destination, level and redaction as every other line. */
export function apiLoggerOptions(): { level: string; stream: DestinationStream } {
  return { level: LOG_LEVEL, stream: logDestination() };
}

/** A pino logger for a component ("worker", "api"), JSON lines on stdout (readable on a terminal). */
export function createLogger(component: string, opts: { level?: string; stream?: DestinationStream } = {}): PinoLogger {
  return pino(
    { level: opts.level ?? LOG_LEVEL, base: { pid: process.pid, component }, redact: { paths: REDACT_PATHS, censor: '***' } },
    opts.stream ?? logDestination(),
  );
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The Temporal Runtime's logger writing through pino. The SDK's metadata (sdkComponent, workflowId, runId,
 * workflowType, activityId, activityType, taskQueue, namespace, attempt) become the line's fields; an `error`
 * becomes pino's `err` (message and stack). The SDK's `timestampNanos` is dropped: pino stamps each line.
 */
export function temporalLogger(base: PinoLogger): Logger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta ?? {})) {
      if (k === 'timestampNanos') continue;
      if ((k === 'error' || k === 'failure') && v instanceof Error) fields.err = v;
      else fields[k] = v;
    }
    base[PINO_LEVEL[level] ?? 'info'](fields, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
