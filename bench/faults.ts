/**
 * `npm run faults`: a bad day for the service (issue 13's fault run), measured end to end. N centers go through whole
 * lifecycles on compressed years, driven by the benchmark's operators, against two worker processes on one SQLite
 * file and a dev server that keeps its state in a file — while, one after the other:
 *
 *   1. a worker is killed with SIGKILL (and another started in its place),
 *   2. the Temporal dev server is stopped and started again on the same port and state file,
 *   3. the SQLite file is locked by another connection (BEGIN EXCLUSIVE) for a spell,
 *   4. the SQLite file is made read-only for a spell (chattr +i as root, where chmod stops nothing; else chmod 0444),
 *   5. the other worker is killed with SIGKILL (and replaced).
 *
 * Then, with the workers drained: every center finished (cycle 2 or stopped support, per its plan), every call's
 * quota count exact (the call's count, its list, its database row and the audit log's approvals all equal to the
 * centers it established), every center reconciled clean with its history (no row lost or written twice), the ledger
 * holding one row per grant, and the workflow tasks that failed, if any, named. Exit 0 when every check holds, 1 when
 * one does not, 2 on bad flags. The figures go to stdout and --out (default bench/faults.json).
 *
 * Flags: --centers N (default 24), --per-call N (12), --year-ms MS (10000), --concurrency N (16),
 * --spell-ms MS (the lock and read-only spells, 15000), --timeout-min N (15), --out FILE.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import sqlite3 from 'sqlite3';
import { reconcileAll } from '../client/audit';
import { openCall, type OperationsContext } from '../client/operations';
import { loadConfig } from '../config';
import { findFreePort, startDevServer, type DevServer } from '../config/dev-server';
import { callStatus, callWorkflowId, centerWorkflowId } from '../contract';
import { createKnex, type DatabaseConfig } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { createRepositories } from '../db/repositories';
import { parsePolicy } from '../machines/policy';
import { commission } from '../test/helpers/fixtures';
import { workflowsPath } from '../worker/worker';
import { startWorkerProcess, writeBundle, type WorkerProcess } from './infra';
import { Load, progressBar, sleep } from './load';
import { driveCenter, type CenterRun } from './operators';
import type { WorkerSpec } from './protocol';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Flags {
  centers: number;
  perCall: number;
  yearMs: number;
  concurrency: number;
  spellMs: number;
  timeoutMin: number;
  out: string;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { centers: 24, perCall: 12, yearMs: 10_000, concurrency: 16, spellMs: 15_000, timeoutMin: 15, out: path.join(repoRoot, 'bench', 'faults.json') };
  const ints: Record<string, keyof Flags> = { '--centers': 'centers', '--per-call': 'perCall', '--year-ms': 'yearMs', '--concurrency': 'concurrency', '--spell-ms': 'spellMs', '--timeout-min': 'timeoutMin' };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    if (name === '--help' || name === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^\/\*\*|^ \* ?/gm, ''));
      process.exit(0);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--out') flags.out = path.resolve(value);
    else if (name in ints) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${value}"`);
      (flags as unknown as Record<string, number>)[ints[name]] = n;
    } else throw new Error(`unknown flag ${name} (see --help)`);
  }
  return flags;
}

const isRoot = process.getuid?.() === 0;
/** Read-only for real: root ignores file modes, but not the immutable attribute. */
function setWritable(files: string[], yes: boolean): void {
  for (const f of files.filter((x) => fs.existsSync(x))) {
    if (isRoot) execFileSync('chattr', [yes ? '-i' : '+i', f]);
    else fs.chmodSync(f, yes ? 0o644 : 0o444);
  }
}

/** Another connection holds SQLite's write lock (BEGIN EXCLUSIVE) until the returned function is called. */
async function lockDatabase(filename: string): Promise<() => Promise<void>> {
  const db = new sqlite3.Database(filename);
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
  await exec('PRAGMA busy_timeout = 10000; BEGIN EXCLUSIVE;');
  return async () => {
    await exec('ROLLBACK;');
    await new Promise<void>((resolve) => db.close(() => resolve()));
  };
}

interface FaultRecord {
  fault: string;
  atMs: number;
  durationMs: number;
  detail: string;
}

async function main(): Promise<void> {
  let flags: Flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cfg = loadConfig();
  const policy = parsePolicy({ ...cfg.policy, compressedYearMs: flags.yearMs });
  const tag = Math.random().toString(36).slice(2, 6);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-faults-'));
  const dbFilename = path.join(tmp, 'centers.sqlite');
  const dbFiles = [dbFilename, `${dbFilename}-wal`];
  const temporalDb = path.join(tmp, 'temporal.db');
  const t0 = Date.now();
  const since = () => Date.now() - t0;
  const stamp = () => `[faults ${(since() / 1000).toFixed(1)}s]`;
  log(`Fault run ${tag}: ${flags.centers} centers, ${flags.perCall} per call, a year = ${flags.yearMs} ms, 2 workers on SQLite ${dbFilename}; spells of ${flags.spellMs} ms`);

  let server: DevServer | null = null;
  let connection: Connection | null = null;
  const workers: WorkerProcess[] = [];
  let keepTmp = false;
  const cleanup = async () => {
    setWritable(dbFiles, true);
    await Promise.allSettled(workers.map((w) => w.kill()));
    await server?.stop();
    if (!keepTmp) fs.rmSync(tmp, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`\n${sig}: stopping the fault run…`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    const port = await findFreePort(cfg.devServer.ip);
    const startServer = () => startDevServer(cfg, { port, headless: true, dbFilename: temporalDb, timeoutMs: 120_000 });
    server = await startServer();
    log(`Temporal dev server at ${server.address} (state in ${temporalDb}), pid ${server.pid}`);
    const database: DatabaseConfig = { client: 'sqlite3', filename: dbFilename, connection: null };
    await migrateLatest({ database });
    log('Bundling the workflows…');
    const bundlePath = await writeBundle(workflowsPath, path.join(tmp, 'centers-bundle.js'));
    const taskQueue = `faults-${tag}`;
    const spec: WorkerSpec = {
      kind: 'lifecycle',
      address: server.address,
      namespace: cfg.temporal.namespace,
      taskQueue,
      bundlePath,
      database,
      maxConcurrentActivityTaskExecutions: cfg.worker.maxConcurrentActivityTaskExecutions,
      maxConcurrentWorkflowTaskExecutions: cfg.worker.maxConcurrentWorkflowTaskExecutions,
    };
    workers.push(await startWorkerProcess(spec), await startWorkerProcess(spec));
    log(`Workers pid ${workers.map((w) => w.pid).join(', ')} on task queue ${taskQueue}`);
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: cfg.temporal.namespace });
    const ops: OperationsContext = { client, taskQueue, policy };

    const universityId = (i: number) => `f${tag}-${String(i).padStart(4, '0')}`;
    const callCount = Math.ceil(flags.centers / flags.perCall);
    const callIds = Array.from({ length: callCount }, (_, k) => `call-${tag}-${k + 1}`);
    const callOf = (i: number) => callIds[Math.floor(i / flags.perCall)];
    const sizeOf = (k: number) => Math.min(flags.perCall, flags.centers - k * flags.perCall);
    for (const [k, callId] of callIds.entries()) {
      const now = Date.now();
      // Art. 9: the quota is exactly the number of applicants, so a slot lost or taken twice leaves a center stranded.
      await openCall(ops, { callId, title: `Fault run call ${k + 1}`, opensAt: new Date(now - 86_400_000).toISOString(), closesAt: new Date(now + 30 * 86_400_000).toISOString(), quota: sizeOf(k) }, commission);
    }

    // ---- The faults, one after the other, while the centers live ----
    const faults: FaultRecord[] = [];
    const record = (fault: string, startedAt: number, detail: string) => {
      const r = { fault, atMs: startedAt, durationMs: since() - startedAt, detail };
      faults.push(r);
      log(`${stamp()} ${fault}: ${detail} (${(r.durationMs / 1000).toFixed(1)} s)`);
    };
    const killAndReplace = async (index: number) => {
      const at = since();
      const victim = workers[index];
      await victim.kill();
      workers[index] = await startWorkerProcess(spec);
      record('worker SIGKILL', at, `worker pid ${victim.pid} killed mid-run; pid ${workers[index].pid} started in its place`);
    };
    const year = flags.yearMs;
    const faultRun = (async () => {
      await sleep(1 * year);
      await killAndReplace(0);
      await sleep(1 * year);
      {
        const at = since();
        const old = server!.pid;
        await server!.stop();
        server = await startServer();
        record('dev server restart', at, `pid ${old} stopped, pid ${server.pid} started on the same port and state file`);
      }
      await sleep(1 * year);
      {
        const at = since();
        const unlock = await lockDatabase(dbFilename);
        log(`${stamp()} SQLite write lock taken by another connection`);
        await sleep(flags.spellMs);
        await unlock();
        record('database locked', at, 'BEGIN EXCLUSIVE held by another connection, then released');
      }
      await sleep(year / 2);
      {
        const at = since();
        setWritable(dbFiles, false);
        log(`${stamp()} SQLite file read-only (${isRoot ? 'chattr +i' : 'chmod 0444'})`);
        await sleep(flags.spellMs);
        setWritable(dbFiles, true);
        record('database read-only', at, `${isRoot ? 'immutable' : 'mode 0444'}, then writable again`);
      }
      await sleep(year / 2);
      await killAndReplace(1);
    })();

    // ---- The centers ----
    const load = new Load(flags.concurrency);
    const runs: CenterRun[] = [];
    const giveUpAtMs = flags.timeoutMin * 60_000;
    const bar = progressBar('lifecycle', flags.centers, () => ({ done: runs.length, commands: load.commands, inFlight: load.inFlight }));
    try {
      await Promise.all([
        faultRun,
        ...Array.from({ length: flags.centers }, (_, i) =>
          sleep(Math.round((i * year) / flags.centers))
            .then(() => driveCenter({ ops, client, load, callId: callOf(i), cycleYears: policy.cycleYears, clock: since, giveUpAtMs, retire: false }, i, universityId(i)))
            .then((r) => void runs.push(r)),
        ),
      ]);
    } finally {
      bar.stop();
    }
    log(`${stamp()} every center's operators are done`);
    // The calls answer their query while the workers still run.
    const statuses = await Promise.all(callIds.map((callId) => client.workflow.getHandle(callWorkflowId(callId)).query(callStatus)));
    log(`${stamp()} draining the workers…`);
    // Drained, the workers finish what they hold: the database then changes no more while it is checked.
    await Promise.all(workers.splice(0).map((w) => w.stop()));

    // ---- The checks ----
    const knex = createKnex(database);
    const repos = createRepositories(knex);
    const outcomes: Record<string, number> = {};
    for (const r of runs) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const unfinished = runs.filter((r) => r.outcome === 'unfinished').map((r) => r.universityId);
    const wrongOutcome = runs.filter((r) => r.outcome !== (r.plan.startsWith('stop') ? 'supportStopped' : 'nextCycle')).map((r) => `${r.universityId} (${r.plan}: ${r.outcome})`);

    const calls = [];
    for (const [k, callId] of callIds.entries()) {
      const status = statuses[k];
      const row = await repos.getCall(callId);
      const approvals = Number(((await knex('audit_log').where('event', 'APPROVE').andWhere('center_id', 'like', `%.${callId}`).count({ n: '*' })) as { n: number }[])[0].n);
      const established = runs.filter((r) => callOf(r.index) === callId && r.outcome !== 'unfinished').length;
      const counts = { quota: status.quota, callApprovedCount: status.approvedCount, callApprovedList: status.approved.length, databaseApprovedCount: row?.approvedCount ?? null, auditApprovals: approvals, centersEstablished: established };
      const exact = [counts.callApprovedCount, counts.callApprovedList, counts.databaseApprovedCount, counts.auditApprovals, counts.centersEstablished].every((n) => n === sizeOf(k));
      calls.push({ callId, ...counts, exact });
    }

    const reconciliations = await reconcileAll(client, repos, { onProgress: (done, total, r) => log(`[reconcile ${done}/${total}] ${r.centerId}: ${r.clean ? 'clean' : `${r.differences.length} differences${r.error ? ` (${r.error})` : ''}`}`) });
    const dirty = reconciliations.filter((r) => !r.clean).map((r) => r.centerId);
    const grants = Number(((await knex('audit_log').where('event', 'GRANT_FUNDING').count({ n: '*' })) as { n: number }[])[0].n);
    const ledgerRows = Number(((await knex('funding_ledger').count({ n: '*' })) as { n: number }[])[0].n);
    const auditRows = Number(((await knex('audit_log').count({ n: '*' })) as { n: number }[])[0].n);
    await knex.destroy();

    // Workflow tasks that failed (not timed out: a killed worker's tasks time out, and that is expected), by cause.
    const failedTasks: Record<string, number> = {};
    let timedOutTasks = 0;
    const kept: string[] = [];
    for (let i = 0; i < flags.centers; i++) {
      const workflowId = centerWorkflowId(universityId(i));
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      let failedHere = false;
      for (const e of history.events ?? []) {
        if (e.workflowTaskTimedOutEventAttributes) timedOutTasks += 1;
        const failed = e.workflowTaskFailedEventAttributes;
        if (failed) {
          failedHere = true;
          const cause = `${failed.cause ?? 'unknown'}: ${(failed.failure?.message ?? '').slice(0, 160)}`;
          failedTasks[cause] = (failedTasks[cause] ?? 0) + 1;
        }
      }
      // A center that failed a task or did not finish: its history is kept for `centers audit replay --file`.
      if (failedHere || unfinished.includes(universityId(i))) {
        const file = path.join(tmp, `${workflowId}.json`);
        fs.writeFileSync(file, historyToJSON(history));
        kept.push(file);
      }
    }

    const checks = {
      everyCenterFinished: unfinished.length === 0,
      everyCenterAsPlanned: wrongOutcome.length === 0,
      quotaCountsExact: calls.every((c) => c.exact),
      everyCenterReconciledClean: dirty.length === 0 && reconciliations.length === flags.centers,
      oneLedgerRowPerGrant: grants === ledgerRows,
    };
    const result = {
      runAt: new Date(t0).toISOString(),
      params: { ...flags, out: undefined },
      faults,
      centers: { total: flags.centers, outcomes, unfinished, wrongOutcome },
      commands: { accepted: load.commands, refusals: load.refusals, errors: load.errors },
      calls,
      reconciliation: { centers: reconciliations.length, clean: reconciliations.length - dirty.length, dirty },
      rows: { audit: auditRows, grants, ledger: ledgerRows },
      workflowTasks: { timedOut: timedOutTasks, failed: failedTasks },
      checks,
      wallSeconds: Math.round(since() / 100) / 10,
    };
    fs.writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);

    const line = (ok: boolean, text: string) => console.log(`${ok ? 'ok  ' : 'FAIL'}  ${text}`);
    console.log(`\nFault run ${tag}: ${flags.centers} centers, ${callCount} calls, ${result.wallSeconds} s`);
    for (const f of faults) console.log(`      fault at ${(f.atMs / 1000).toFixed(1)} s: ${f.fault} — ${f.detail}, ${(f.durationMs / 1000).toFixed(1)} s`);
    line(checks.everyCenterFinished, `centers finished: ${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}${unfinished.length ? `; unfinished: ${unfinished.join(', ')}` : ''}`);
    line(checks.everyCenterAsPlanned, `each center ended as its plan says${wrongOutcome.length ? `; not: ${wrongOutcome.join(', ')}` : ''}`);
    for (const c of calls) {
      line(c.exact, `${c.callId}: quota ${c.quota}; approved — call ${c.callApprovedCount} (list ${c.callApprovedList}), database ${c.databaseApprovedCount}, audit ${c.auditApprovals}; centers established ${c.centersEstablished}`);
    }
    line(checks.everyCenterReconciledClean, `reconciled with their histories: ${result.reconciliation.clean} of ${reconciliations.length} clean (${auditRows} audit rows)${dirty.length ? `; with differences: ${dirty.join(', ')}` : ''}`);
    line(checks.oneLedgerRowPerGrant, `ledger: ${ledgerRows} rows for ${grants} grants`);
    console.log(`      commands accepted ${load.commands}; refusals ${JSON.stringify(load.refusals)}; client errors (retried) ${JSON.stringify(load.errors)}`);
    console.log(`      workflow tasks timed out (killed workers, the server restart) ${timedOutTasks}; failed ${JSON.stringify(failedTasks)}`);
    console.log(`Results written to ${path.relative(process.cwd(), flags.out)}`);

    // End the centers' cycle-2 runs and the calls, so nothing lives on in the server's state file.
    await Promise.allSettled([...callIds.map(callWorkflowId), ...runs.map((r) => centerWorkflowId(r.universityId))].map((id) => client.workflow.getHandle(id).terminate('fault run over')));
    await connection.close();
    connection = null;
    process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;
    if (process.exitCode !== 0 || kept.length) {
      keepTmp = true;
      console.log(`Kept for a look: ${tmp} (the database, the server's state file${kept.length ? `, the histories of ${kept.length} center(s): ${kept.map((f) => path.basename(f)).join(', ')}` : ''})`);
    }
  } finally {
    await connection?.close();
    await cleanup();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
