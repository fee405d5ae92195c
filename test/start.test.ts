/**
 * `npm start` as a process tree, for real: the supervisor (worker/start.ts) with its Temporal dev server and its
 * worker + API process, each killed the way a fault or a user would. No mocks and no sleeps: every wait polls a
 * condition (a port answering, a pid gone, a line printed) with a generous deadline for a loaded 2-core machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../config';
import { findFreePort, type DevServerPidFile } from '../config/dev-server';

const DEADLINE_MS = 90_000;

interface Started {
  proc: ChildProcess;
  pid: number;
  /** Everything it (and its worker process, which shares its stdout and stderr) printed so far. */
  output: () => string;
  /** How it exited, once it has. */
  exit: () => { code: number | null; signal: NodeJS.Signals | null } | null;
}

let dir: string;
let env: NodeJS.ProcessEnv;
let ports: { temporal: number; ui: number; api: number };
let pidFile: string;
const pidsToClean = new Set<number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) is gone for our purposes.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function until<T>(what: string, check: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms = DEADLINE_MS, extra?: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`not within ${ms / 1000} s: ${what}${extra ? `\n--- output ---\n${extra()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function readyz(): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${ports.api}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The dev server answers for the configured namespace. */
async function temporalAnswers(): Promise<boolean> {
  let connection: Connection | null = null;
  try {
    connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}`, connectTimeout: 3_000 });
    await connection.withDeadline(Date.now() + 5_000, () => connection!.workflowService.describeNamespace({ namespace: 'default' }));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

/** `npm start`'s process, as `npm start` runs it (`node --import tsx worker/start.ts`), in its own process group as a terminal's job. */
function start(): Started {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'worker/start.ts'], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pidsToClean.add(proc.pid!);
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  proc.once('exit', (code, signal) => (exit = { code, signal }));
  return { proc, pid: proc.pid!, output: () => out, exit: () => exit };
}

function pidIn(s: Started, re: RegExp): Promise<number> {
  return until(`${re} in the output`, () => {
    const m = [...s.output().matchAll(new RegExp(re.source, 'g'))].at(-1);
    return m ? Number(m[1]) : null;
  }, DEADLINE_MS, s.output).then((pid) => {
    pidsToClean.add(pid);
    return pid;
  });
}

const devServerPid = (s: Started) => pidIn(s, /Temporal dev server ready at \S+ after [\d.]+ s \(pid (\d+)\)/);
const workerPid = (s: Started) => pidIn(s, /Worker process started \(pid (\d+)\)/);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-start-'));
  ports = { temporal: await findFreePort(), ui: await findFreePort(), api: await findFreePort() };
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CENTERS_')));
  env = {
    ...base,
    CENTERS_DEV_SERVER_PORT: String(ports.temporal),
    CENTERS_DEV_SERVER_UI_PORT: String(ports.ui),
    CENTERS_API_PORT: String(ports.api),
    CENTERS_DEV_SERVER_DB_FILENAME: path.join(dir, 'temporal.db'),
    CENTERS_DATABASE_FILENAME: path.join(dir, 'centers.sqlite'),
    CENTERS_NOTIFICATIONS_DELIVERY_LOG: path.join(dir, 'notifications.jsonl'),
    // A dev server whose supervisor and watchdog are both gone dies of SIGPIPE on its next log line (its stderr was
    // the supervisor's pipe); a silent one lives on, holding the port and the file: the case the next start handles.
    CENTERS_DEV_SERVER_LOG_LEVEL: 'never',
  };
  pidFile = path.join(dir, 'temporal.db.pid');
});

afterAll(() => {
  for (const pid of pidsToClean) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm start (worker/start.ts): a supervisor, its dev server and its worker process', () => {
  let first: Started;
  let firstServer: number;

  it('restarts a worker process killed with SIGKILL; the dev server never stops', async () => {
    first = start();
    firstServer = await devServerPid(first);
    const killed = await workerPid(first);
    await until('/readyz answers 200', readyz, DEADLINE_MS, first.output);
    const record = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as DevServerPidFile;
    expect(record).toMatchObject({ pid: firstServer, port: ports.temporal, ownerPid: first.pid });

    process.kill(killed, 'SIGKILL');
    await until(`the killed worker process ${killed} is gone`, () => !alive(killed));
    expect(alive(firstServer)).toBe(true);
    expect(await temporalAnswers()).toBe(true); // while no worker process runs
    await until('the restart is logged with the signal', () =>
      new RegExp(`Worker process \\(pid ${killed}\\) exited unexpectedly \\(signal SIGKILL\\); restarting it`).test(first.output()),
    );
    const restarted = await until('a new worker process', () => {
      const m = /Worker process started \(pid (\d+)\) \(restart 1\)/.exec(first.output());
      return m ? Number(m[1]) : null;
    }, DEADLINE_MS, first.output);
    pidsToClean.add(restarted);
    expect(restarted).not.toBe(killed);
    await until('/readyz answers 200 again', readyz, DEADLINE_MS, first.output);
    expect(first.output()).toContain('Worker process ready again');
    expect(alive(firstServer)).toBe(true);
    expect(await temporalAnswers()).toBe(true);
  });

  it('SIGKILL of the supervisor: its watchdog stops the dev server, the worker process ends, the ports are free', async () => {
    const worker = await workerPid(first);
    process.kill(first.pid, 'SIGKILL');
    await until(`the dev server ${firstServer} is gone`, () => !alive(firstServer), DEADLINE_MS, first.output);
    await until(`the worker process ${worker} is gone`, () => !alive(worker), DEADLINE_MS, first.output);
    await until('the Temporal port is free', () => portFree(ports.temporal));
    await until('the API port is free', () => portFree(ports.api));
    await until('the watchdog removed the pid file', () => !fs.existsSync(pidFile));
  });

  let third: Started;
  it('a dev server left running (supervisor and watchdog SIGKILLed) is found by the next start, said so, and stopped', async () => {
    const second = start();
    const orphan = await devServerPid(second);
    const worker = await workerPid(second);
    await until('/readyz answers 200', readyz, DEADLINE_MS, second.output);
    const record = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as DevServerPidFile;
    expect(record.pid).toBe(orphan);
    expect(record.watchdogPid).toBeGreaterThan(0);
    pidsToClean.add(record.watchdogPid!);

    process.kill(record.watchdogPid!, 'SIGKILL');
    process.kill(second.pid, 'SIGKILL');
    await until(`the worker process ${worker} is gone (its supervisor is)`, () => !alive(worker), DEADLINE_MS, second.output);
    expect(alive(orphan)).toBe(true);
    expect(await temporalAnswers()).toBe(true); // left running, holding the port and the database file

    third = start();
    await until(
      'the next start says it found the left-over dev server and stops it',
      () =>
        third.output().includes(
          `A Temporal dev server left running by an earlier \`npm start\` (pid ${second.pid}, gone) holds port ${ports.temporal}`,
        ) && third.output().includes(`stopping it (pid ${orphan})`),
      DEADLINE_MS,
      third.output,
    );
    await until(`the left-over dev server ${orphan} is gone`, () => !alive(orphan), DEADLINE_MS, third.output);
    const fresh = await devServerPid(third);
    expect(fresh).not.toBe(orphan);
    await until('/readyz answers 200', readyz, DEADLINE_MS, third.output);
    expect(await temporalAnswers()).toBe(true);
  });

  it('one Ctrl-C (SIGINT to the process group, and again from npm) stops everything cleanly: exit 0, no "Forced exit."', async () => {
    const server = await devServerPid(third);
    const worker = await workerPid(third);
    await until('the worker polls', () => third.output().includes('Worker polling task queue'), DEADLINE_MS, third.output);

    process.kill(-third.pid, 'SIGINT'); // the terminal's Ctrl-C: the whole foreground process group
    process.kill(third.pid, 'SIGINT'); // npm forwards the same SIGINT to the script it runs
    const exit = await until('npm start exits', third.exit, DEADLINE_MS, third.output);
    expect(exit, third.output()).toEqual({ code: 0, signal: null });
    const out = third.output();
    expect(out).not.toContain('Forced exit.');
    expect(out).toContain('Worker stopped.');
    expect(out).toContain('HTTP API stopped.');
    expect(out).toMatch(/Temporal dev server stopped; state kept in .*temporal\.db\./);
    expect(out).not.toContain('after SIGTERM; sending SIGKILL');
    expect(alive(server)).toBe(false);
    expect(alive(worker)).toBe(false);
    expect(await portFree(ports.temporal)).toBe(true);
    expect(await portFree(ports.api)).toBe(true);
    expect(fs.existsSync(pidFile)).toBe(false);
  });
});
