/**
 * Runs the local Temporal dev server (`temporal server start-dev`, binary from config/binaries) as a child process
 * and waits until it really answers: system info, the configured namespace, and the custom search attributes.
 *
 * Note: the CLI registers `--search-attribute`s only when it creates a fresh database file; on an existing file it
 * silently skips new ones, so missing attributes are added through the operator service once the server is up.
 *
 * The server does not outlive the process that started it, even a SIGKILLed one: the `temporal` CLI does not watch
 * its stdin (checked: it keeps running after stdin's EOF), so a tiny watchdog (`sh`, own process group) blocks
 * reading a pipe from this process; when this process dies, however it dies, the pipe closes and the watchdog stops
 * the server (SIGTERM, SIGKILL after 10 s). With `pidFile` (npm start), the server's pid, ports and owner are
 * recorded, and a next start that finds a server left running (its owner gone) stops it before starting its own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { repoRoot, type AppConfig } from './index';
import { temporalCliPath } from './binaries';
import { SEARCH_ATTRIBUTES, type SearchAttributeTypeName } from './search-attributes';

export interface DevServerOptions {
  /** SQLite file for the server's state; null = in memory. Default: cfg.devServer.dbFilename. */
  dbFilename?: string | null;
  /** gRPC port. Default: cfg.devServer.port. */
  port?: number;
  /** Web UI port. Default: cfg.devServer.uiPort. */
  uiPort?: number;
  /** No Web UI. Default: cfg.devServer.headless. */
  headless?: boolean;
  /** Progress lines and the server's own warnings/errors. Default: silent. */
  log?: (s: string) => void;
  /** How long to wait for the server to be ready. Default: 60 s. */
  timeoutMs?: number;
  /** Aborting during start-up kills the server and rejects. */
  signal?: AbortSignal;
  /** Dynamic configuration, e.g. { 'limit.historyCount.suggestContinueAsNew': 60 } (`--dynamic-config-value`). */
  dynamicConfig?: Record<string, string | number | boolean>;
  /**
   * A file recording the running server (pid, ports, database file, owner and watchdog pids), removed when it
   * stops. A server still running from an earlier owner that is gone is stopped first (see `stopLeftoverDevServer`);
   * one whose owner still runs is an error. Default: none.
   */
  pidFile?: string;
  /** Stop the server when this process dies, even by SIGKILL (a watchdog process). Default: true. */
  watchdog?: boolean;
}

export interface DevServer {
  /** host:port of the frontend gRPC service, for Connection.connect / NativeConnection.connect. */
  address: string;
  /** The Web UI, or null when headless. */
  uiUrl: string | null;
  pid: number;
  /** SIGTERM, wait for exit (SIGKILL after 10 s). Idempotent. */
  stop(): Promise<void>;
  /** Settles when the server has exited, for whatever reason (stop(), a crash, a signal from outside). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** What `pidFile` holds. */
export interface DevServerPidFile {
  pid: number;
  port: number;
  uiPort: number | null;
  dbFilename: string | null;
  /** The process that started the server (npm start's supervisor). */
  ownerPid: number;
  watchdogPid: number | null;
  startedAt: string;
}

/** CLI type names -> the SDK's search attribute types (for the operator service). */
const SDK_TYPE: Record<SearchAttributeTypeName, SearchAttributeType> = {
  Text: SearchAttributeType.TEXT,
  Keyword: SearchAttributeType.KEYWORD,
  Int: SearchAttributeType.INT,
  Double: SearchAttributeType.DOUBLE,
  Bool: SearchAttributeType.BOOL,
  Datetime: SearchAttributeType.DATETIME,
  KeywordList: SearchAttributeType.KEYWORD_LIST,
};

const POLL_INTERVAL_MS = 200;
const STOP_GRACE_MS = 10_000;
const STDERR_LINES_KEPT = 40;

/** A port nobody listens on right now (for tests). */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** Resolves to the error code (e.g. EADDRINUSE) if host:port cannot be bound, or null if it is free. */
function portProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(null)));
  });
}

/** Where clients connect for a bind address: wildcard binds are reached through loopback. */
function connectHost(ip: string): string {
  if (ip === '0.0.0.0' || ip === '') return '127.0.0.1';
  if (ip === '::' || ip === '[::]') return '[::1]';
  return net.isIPv6(ip) ? `[${ip}]` : ip;
}

export async function startDevServer(cfg: AppConfig, opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? (() => {});
  const ip = cfg.devServer.ip;
  const port = opts.port ?? cfg.devServer.port;
  const headless = opts.headless ?? cfg.devServer.headless;
  const uiPort = opts.uiPort ?? cfg.devServer.uiPort;
  const dbFilename = opts.dbFilename === undefined ? cfg.devServer.dbFilename : opts.dbFilename;
  const namespace = cfg.temporal.namespace;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const address = `${connectHost(ip)}:${port}`;
  const uiUrl = headless ? null : `http://${connectHost(ip)}:${uiPort}`;
  opts.signal?.throwIfAborted();

  const bin = temporalCliPath();
  if (opts.pidFile) await stopLeftoverDevServer(opts.pidFile, { log });

  // A clear message beats the server's own when a port is taken (e.g. a previous `npm start` still running).
  const checks: [string, number, string][] = [['gRPC port', port, 'CENTERS_DEV_SERVER_PORT']];
  if (!headless) checks.push(['Web UI port', uiPort, 'CENTERS_DEV_SERVER_UI_PORT']);
  for (const [what, p, envVar] of checks) {
    const problem = await portProblem(ip, p);
    if (problem === 'EADDRINUSE') {
      throw new Error(
        `Cannot start the Temporal dev server: the ${what} ${ip}:${p} is already in use ` +
          `(another Temporal dev server, or a previous \`npm start\` still running?). Stop that process, or choose another ` +
          `port with ${envVar}` +
          (what === 'gRPC port' ? `, or connect to the running server with CENTERS_TEMPORAL_ADDRESS=${connectHost(ip)}:${p}.` : '.'),
      );
    }
    if (problem) throw new Error(`Cannot start the Temporal dev server: cannot bind the ${what} ${ip}:${p} (${problem}).`);
  }

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port)];
  if (headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (dbFilename) {
    fs.mkdirSync(path.dirname(path.resolve(dbFilename)), { recursive: true });
    args.push('--db-filename', dbFilename);
  }
  if (namespace !== 'default') args.push('--namespace', namespace);
  args.push('--log-level', cfg.devServer.logLevel);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  log(`Starting the Temporal dev server: ${bin} ${args.join(' ')}`);
  const started = Date.now();
  // Own process group: a terminal Ctrl-C reaches only us, so the worker can stop before the server does.
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: process.env });
  const watchdog = child.pid && opts.watchdog !== false ? startWatchdog(child.pid, opts.pidFile ?? null) : null;
  if (opts.pidFile && child.pid) {
    const record: DevServerPidFile = {
      pid: child.pid,
      port,
      uiPort: headless ? null : uiPort,
      dbFilename: dbFilename ?? null,
      ownerPid: process.pid,
      watchdogPid: watchdog?.pid ?? null,
      startedAt: new Date().toISOString(),
    };
    fs.mkdirSync(path.dirname(opts.pidFile), { recursive: true });
    fs.writeFileSync(opts.pidFile, `${JSON.stringify(record)}\n`);
  }
  const removePidFile = () => {
    if (!opts.pidFile) return;
    try {
      const current = readPidFile(opts.pidFile);
      if (current && current.pid === child.pid) fs.rmSync(opts.pidFile, { force: true });
    } catch {
      /* gone already */
    }
  };
  const stopWatchdog = () => {
    if (watchdog && watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
  };

  const outputTail: string[] = [];
  const keep = (line: string) => {
    outputTail.push(line);
    if (outputTail.length > STDERR_LINES_KEPT) outputTail.shift();
  };
  let stopping: Promise<void> | null = null;
  let stderrBuf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderrBuf += chunk;
    const lines = stderrBuf.split('\n');
    stderrBuf = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      keep(line);
      if (!stopping) log(`[temporal] ${line}`); // the shutdown chatter (dial errors, goaway) is noise
    }
  });
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim()) keep(line);
  });
  const tail = () => {
    const lines = stderrBuf.trim() ? [...outputTail, stderrBuf] : outputTail;
    return lines.length ? `\nLast lines of the server's output:\n  ${lines.join('\n  ')}` : '\n(the server printed nothing)';
  };

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => { // after stdout/stderr are drained: the tail is complete
      exitInfo ??= { code, signal };
      resolve();
    });
    child.once('error', (error) => {
      exitInfo ??= { code: null, signal: null, error };
      resolve();
    });
  });
  void exited.then(() => {
    stopWatchdog();
    removePidFile();
  });
  // If this process exits without stopping the server (crash, process.exit), do not leave it running.
  const killOnExit = () => {
    if (!exitInfo) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      stopWatchdog();
      removePidFile();
    }
  };
  process.on('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exitInfo) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_GRACE_MS)));
        const timedOut = await Promise.race([exited.then(() => false), graceOver]);
        clearTimeout(timer);
        if (timedOut && !exitInfo) {
          log(`The Temporal dev server did not exit ${STOP_GRACE_MS / 1000} s after SIGTERM; sending SIGKILL`);
          child.kill('SIGKILL');
        }
        await exited;
      }
    })();
    return stopping;
  };

  const exitError = () => {
    const info = exitInfo!;
    if (info.error) return new Error(`Cannot run the Temporal CLI ${bin}: ${info.error.message}`);
    const all = outputTail.join('\n') + stderrBuf;
    const inUse = /address already in use/i.test(all)
      ? ` A port is already in use (gRPC ${port}${headless ? '' : `, UI ${uiPort}`}, or the server's HTTP/metrics port): ` +
        'stop the other process or choose other ports (CENTERS_DEV_SERVER_PORT, CENTERS_DEV_SERVER_UI_PORT).'
      : '';
    return new Error(
      `The Temporal dev server exited during start-up (${info.signal ? `signal ${info.signal}` : `exit code ${info.code}`}).${inUse}${tail()}`,
    );
  };

  try {
    await waitUntilReady();
  } catch (e) {
    await stop();
    throw e;
  }
  log(`Temporal dev server ready at ${address} after ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid})`);
  return {
    address,
    uiUrl,
    pid: child.pid!,
    stop,
    exited: exited.then(() => ({ code: exitInfo!.code, signal: exitInfo!.signal })),
  };

  async function waitUntilReady(): Promise<void> {
    const deadline = started + timeoutMs;
    let lastError: unknown = null;
    let aborted!: () => void;
    const abortedP = new Promise<'aborted'>((r) => (aborted = () => r('aborted')));
    opts.signal?.addEventListener('abort', aborted, { once: true });
    try {
      for (;;) {
        if (exitInfo) throw exitError();
        if (opts.signal?.aborted) throw new Error('Temporal dev server start-up aborted');
        const left = deadline - Date.now();
        if (left <= 0) {
          const why = lastError instanceof Error ? lastError.message : String(lastError);
          throw new Error(
            `The Temporal dev server at ${address} was not ready after ${timeoutMs / 1000} s (last error: ${why}).${tail()}`,
          );
        }
        const outcome = await Promise.race([
          probe(Math.min(left, 5_000)).then(
            () => 'ready' as const,
            (e: unknown) => {
              lastError = e;
              return 'retry' as const;
            },
          ),
          exited.then(() => 'exited' as const),
          abortedP,
        ]);
        if (outcome === 'ready') return;
        if (outcome === 'retry') {
          await Promise.race([new Promise((r) => setTimeout(r, POLL_INTERVAL_MS)), exited, abortedP]);
        }
      }
    } finally {
      opts.signal?.removeEventListener('abort', aborted);
    }
  }

  /** One readiness check over a real connection; registers missing search attributes. */
  async function probe(budgetMs: number): Promise<void> {
    const connection = await Connection.connect({ address, connectTimeout: Math.max(250, Math.min(budgetMs, 2_000)) });
    try {
      await connection.withDeadline(Date.now() + budgetMs, async () => {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(customAttributes ?? {})[name]);
        if (missing.length) {
          log(`Registering search attributes ${missing.map(([n]) => n).join(', ')} in namespace ${namespace}`);
          await connection.operatorService.addSearchAttributes({
            namespace,
            searchAttributes: Object.fromEntries(missing.map(([n, t]) => [n, encodeSearchAttributeIndexedValueType(SDK_TYPE[t])!])),
          });
          throw new Error(`search attributes ${missing.map(([n]) => n).join(', ')} were just registered; checking again`);
        }
      });
    } finally {
      await connection.close();
    }
  }
}

/** Where `npm start` records its dev server: beside the server's database file (or data/ for an in-memory one). */
export function devServerPidFile(cfg: AppConfig): string {
  const db = cfg.devServer.dbFilename;
  return db ? `${db}.pid` : path.join(repoRoot, 'data', `dev-server-${cfg.devServer.port}.pid`);
}

/**
 * The watchdog: `sh` reading a pipe whose other end only this process holds (Node opens it close-on-exec, so no
 * other child inherits it). It never gets a line; when this process exits, or is killed, `read` returns at EOF and
 * the watchdog stops the server, then removes the pid file. Its own process group: a terminal's Ctrl-C is not for it.
 */
const WATCHDOG_SCRIPT = `trap '' INT HUP
read _ignored
kill -TERM "$1" 2>/dev/null || exit 0
i=0
while kill -0 "$1" 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -gt 100 ]; then kill -KILL "$1" 2>/dev/null; break; fi
  sleep 0.1
done
if [ -n "$2" ]; then rm -f "$2"; fi
`;

function startWatchdog(serverPid: number, pidFile: string | null): ChildProcess | null {
  try {
    const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'centers-dev-server-watchdog', String(serverPid), pidFile ?? ''], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    watchdog.once('error', () => {}); // no /bin/sh: the pid file still lets a next start find the server
    watchdog.stdin!.on('error', () => {});
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
    return watchdog;
  } catch {
    return null;
  }
}

function readPidFile(file: string): DevServerPidFile | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const v = JSON.parse(text) as Partial<DevServerPidFile>;
    if (Number.isInteger(v.pid) && (v.pid as number) > 0 && Number.isInteger(v.ownerPid)) return v as DevServerPidFile;
  } catch {
    /* not ours, or cut short: treated as stale */
  }
  return { pid: 0, port: 0, uiPort: null, dbFilename: null, ownerPid: 0, watchdogPid: null, startedAt: '' };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's parent and command line (Linux /proc, else ps), or null if it is gone. */
function processInfo(pid: number): { ppid: number; args: string } | null {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return null; // a zombie is gone
    return { ppid, args };
  } catch {
    /* no /proc (macOS), or gone */
  }
  try {
    const out = execFileSync('ps', ['-o', 'ppid=', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const m = /^(\d+)\s+(.*)$/.exec(out);
    return m ? { ppid: Number(m[1]), args: m[2] } : null;
  } catch {
    return null;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processInfo(pid) !== null && processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * Looks at the pid file an earlier start left: a server whose pid is gone (or is now another program) leaves a
 * stale file, removed; a server whose owner still runs it belongs to another `npm start`: an error naming both pids;
 * a server whose owner is gone (SIGKILLed with its watchdog) is stopped — SIGTERM, so it closes its database file,
 * SIGKILL after 10 s — since it holds the port and the database file and was started with another configuration.
 */
export async function stopLeftoverDevServer(pidFile: string, opts: { log?: (s: string) => void } = {}): Promise<'none' | 'stale' | 'stopped'> {
  const log = opts.log ?? (() => {});
  const record = readPidFile(pidFile);
  if (!record) return 'none';
  const info = record.pid ? processInfo(record.pid) : null;
  const isDevServer = info !== null && /\bserver\b.*\bstart-dev\b/.test(info.args) && info.args.includes(`--port ${record.port}`);
  if (!isDevServer) {
    fs.rmSync(pidFile, { force: true });
    log(`Removed ${pidFile}: the Temporal dev server it names${record.pid ? ` (pid ${record.pid})` : ''} is no longer running.`);
    return 'stale';
  }
  if (info.ppid === record.ownerPid) {
    throw new Error(
      `Another \`npm start\` (pid ${record.ownerPid}) is running, with its Temporal dev server (pid ${record.pid}) on port ` +
        `${record.port}${record.dbFilename ? ` and ${record.dbFilename}` : ''}: stop it first (Ctrl-C in its terminal), ` +
        'or give this one other ports and files (CENTERS_DEV_SERVER_PORT, CENTERS_DEV_SERVER_DB_FILENAME, …).',
    );
  }
  log(
    `A Temporal dev server left running by an earlier \`npm start\` (pid ${record.ownerPid}, gone) holds port ${record.port}` +
      `${record.dbFilename ? ` and ${record.dbFilename}` : ''}: stopping it (pid ${record.pid}) before starting a fresh one…`,
  );
  try {
    process.kill(record.pid, 'SIGTERM');
  } catch {
    /* gone meanwhile */
  }
  if (!(await waitGone(record.pid, STOP_GRACE_MS))) {
    log(`The left-over Temporal dev server (pid ${record.pid}) did not exit ${STOP_GRACE_MS / 1000} s after SIGTERM; sending SIGKILL`);
    try {
      process.kill(record.pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    await waitGone(record.pid, STOP_GRACE_MS);
  }
  if (record.watchdogPid && processInfo(record.watchdogPid)?.args.includes('centers-dev-server-watchdog')) {
    try {
      process.kill(record.watchdogPid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  fs.rmSync(pidFile, { force: true });
  log(`Left-over Temporal dev server (pid ${record.pid}) stopped.`);
  return 'stopped';
}
