/**
 * Runs a child process and restarts it, with backoff, whenever it exits without being asked to: `npm start`'s
 * worker + HTTP API process (worker/serve.ts). The child gets its own process group (a terminal's Ctrl-C reaches
 * only the supervisor, which then asks the child to drain), the supervisor's stdout and stderr (nothing of the
 * supervisor dies with it), and an IPC channel: it says when it is ready, and it sees the channel close when the
 * supervisor is gone, however it went.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ReadyMessage {
  type: 'ready';
  [key: string]: unknown;
}

export interface SupervisedChildOptions {
  /** How the log names it, e.g. "Worker process". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  log: (s: string) => void;
  /** Each time a child says it is ready; `restarts` is 0 for the first child. */
  onReady?: (message: ReadyMessage, restarts: number) => void;
  /** First restart after this long, doubling up to maxMs; back to initialMs after a child ran resetAfterMs. */
  backoff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number };
}

export interface SupervisedChild {
  /** The running child's pid, or null between a crash and its restart. */
  readonly pid: number | null;
  /** How many times a child was restarted. */
  readonly restarts: number;
  /**
   * Resolves with the first child's ready message; rejects if the first child exits before it is ready (a problem
   * a restart would not fix, e.g. the API port taken): nothing is restarted then.
   */
  readonly firstReady: Promise<ReadyMessage>;
  /** No more restarts; SIGTERM to the child (it drains) and wait until it has exited. Idempotent. */
  stop(): Promise<void>;
  /** No more restarts; SIGKILL to the child. */
  kill(): void;
}

export function superviseChild(opts: SupervisedChildOptions): SupervisedChild {
  const initialMs = opts.backoff?.initialMs ?? 1_000;
  const maxMs = opts.backoff?.maxMs ?? 30_000;
  const resetAfterMs = opts.backoff?.resetAfterMs ?? 60_000;
  let child: ChildProcess | null = null;
  let childExited: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | null = null;
  let restartTimer: NodeJS.Timeout | null = null;
  let restarts = 0;
  let delay = initialMs;
  let everReady = false;

  let resolveFirst!: (m: ReadyMessage) => void;
  let rejectFirst!: (e: Error) => void;
  const firstReady = new Promise<ReadyMessage>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  firstReady.catch(() => {}); // the caller's to handle; no unhandled rejection if it only awaits stop()

  const start = () => {
    const startedAt = Date.now();
    const c = spawn(opts.command, opts.args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    child = c;
    opts.log(`${opts.name} started (pid ${c.pid ?? '?'})${restarts ? ` (restart ${restarts})` : ''}.`);
    c.on('message', (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as ReadyMessage).type === 'ready') {
        everReady = true;
        opts.onReady?.(m as ReadyMessage, restarts);
        resolveFirst(m as ReadyMessage);
      }
    });
    childExited = new Promise<void>((resolve) => {
      let done = false;
      const onGone = (how: string) => {
        if (done) return;
        done = true;
        if (child === c) child = null;
        resolve();
        if (stopping) return;
        if (!everReady) {
          const e = new Error(`${opts.name} (pid ${c.pid ?? '?'}) ended before it was ready (${how})`);
          opts.log(`${e.message}; not restarting it.`);
          rejectFirst(e);
          return;
        }
        if (Date.now() - startedAt >= resetAfterMs) delay = initialMs;
        restarts += 1;
        opts.log(
          `${opts.name} (pid ${c.pid ?? '?'}) exited unexpectedly (${how}); restarting it in ${(delay / 1000).toFixed(1)} s (restart ${restarts}).`,
        );
        restartTimer = setTimeout(() => {
          restartTimer = null;
          if (!stopping) start();
        }, delay);
        delay = Math.min(delay * 2, maxMs);
      };
      c.once('exit', (code, signal) => onGone(signal ? `signal ${signal}` : `exit code ${code}`));
      c.once('error', (e) => onGone(`cannot run it: ${e.message}`));
    });
  };

  const noRestart = () => {
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = null;
  };

  start();
  return {
    get pid() {
      return child?.pid ?? null;
    },
    get restarts() {
      return restarts;
    },
    firstReady,
    stop() {
      stopping ??= (async () => {
        noRestart();
        const c = child;
        if (c && c.exitCode === null && c.signalCode === null) {
          c.kill('SIGTERM');
          await childExited;
        }
      })();
      return stopping;
    },
    kill() {
      stopping ??= Promise.resolve();
      noRestart();
      child?.kill('SIGKILL');
    },
  };
}
