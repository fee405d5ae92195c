/**
 * What the benchmark stands on: the machine's description, the workflow bundles, the worker processes,
 * CPU of the Temporal server process, and the database's size (SQLite file or PostgreSQL database).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Knex } from 'knex';
import type { WorkerReport, WorkerSpec } from './protocol';

const here = path.dirname(fileURLToPath(import.meta.url));
export const baselineWorkflowsPath = path.join(here, 'baseline-workflow.ts');

export function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpus: os.availableParallelism(),
    cpuModel: model,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m), log() {} } as never;

/** Bundles once, here: the workers load the file, the replays use it too, and no worker pays for webpack. */
export async function writeBundle(workflowsPath: string, file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  fs.writeFileSync(file, code);
  return file;
}

export interface WorkerProcess {
  pid: number;
  /** Drains and stops the worker; resolves with what it measured. */
  stop(): Promise<WorkerReport>;
  /** SIGKILL, as a crash or an OOM kill would: no drain, no report; resolves when the process is gone. */
  kill(): Promise<void>;
}

/** Forks bench/worker.ts (through tsx) and waits until it polls its task queue. */
export async function startWorkerProcess(spec: WorkerSpec): Promise<WorkerProcess> {
  const child: ChildProcess = fork(path.join(here, 'worker.ts'), [JSON.stringify(spec)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let report: WorkerReport | null = null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => {
      if (m?.type === 'ready') resolve();
      if (m?.type === 'report') report = m as WorkerReport;
    });
    void exited.then((code) => reject(new Error(`the ${spec.kind} worker exited during start-up (code ${code})`)));
  });
  await ready;
  return {
    pid: child.pid!,
    async stop() {
      child.send({ type: 'stop' });
      const code = await exited;
      if (!report) throw new Error(`the ${spec.kind} worker exited (code ${code}) without a report`);
      return report;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds a process has used so far (Linux /proc), or null when it cannot be read. */
export function processCpuSeconds(pid: number | null): number | null {
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * Starts `count` workers on the same task queue (each its own process), and stops them together: their reports
 * summed (CPU, run time, activities, busy time; the peak RSS figures are summed too: the memory all of them held).
 */
export async function startWorkerProcesses(spec: WorkerSpec, count: number): Promise<{ pids: number[]; stop(): Promise<WorkerReport> }> {
  const workers = await Promise.all(Array.from({ length: count }, () => startWorkerProcess(spec)));
  return {
    pids: workers.map((w) => w.pid),
    async stop() {
      const reports = await Promise.all(workers.map((w) => w.stop()));
      return reports.reduce((a, b) => ({
        ...a,
        peakRssBytes: a.peakRssBytes + b.peakRssBytes,
        maxRssBytes: a.maxRssBytes + b.maxRssBytes,
        cpuUserMs: a.cpuUserMs + b.cpuUserMs,
        cpuSystemMs: a.cpuSystemMs + b.cpuSystemMs,
        runMs: Math.max(a.runMs, b.runMs),
        activities: {
          count: a.activities.count + b.activities.count,
          totalMs: a.activities.totalMs + b.activities.totalMs,
          maxMs: Math.max(a.activities.maxMs, b.activities.maxMs),
          busyMs: a.activities.busyMs + b.activities.busyMs,
        },
      }));
    },
  };
}

/**
 * The database's size and the rows of each table: on SQLite the file once its write-ahead log is folded in, on
 * PostgreSQL pg_database_size (the whole database, its indexes and catalogs included).
 */
export async function databaseSize(knex: Knex, filename: string | null): Promise<{ bytes: number; rows: Record<string, number> }> {
  if (filename === null) {
    const [{ bytes }] = ((await knex.raw('SELECT pg_database_size(current_database()) AS bytes')) as { rows: { bytes: string }[] }).rows;
    const tables = ((await knex.raw("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'knex_%'")) as { rows: { name: string }[] }).rows;
    const rows: Record<string, number> = {};
    for (const { name } of tables) {
      const [{ n }] = ((await knex.raw(`SELECT COUNT(*) AS n FROM "${name}"`)) as { rows: { n: string }[] }).rows;
      rows[name] = Number(n);
    }
    return { bytes: Number(bytes), rows };
  }
  await knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  const wal = `${filename}-wal`;
  const bytes = fs.statSync(filename).size + (fs.existsSync(wal) ? fs.statSync(wal).size : 0);
  const tables = (await knex.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'knex_%'")) as { name: string }[];
  const rows: Record<string, number> = {};
  for (const { name } of tables) {
    const [{ n }] = (await knex.raw(`SELECT COUNT(*) AS n FROM "${name}"`)) as { n: number }[];
    rows[name] = n;
  }
  return { bytes, rows };
}
