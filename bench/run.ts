/**
 * `npm run bench`: lifecycle throughput and overhead against bare Temporal, on the same server, in one run.
 *
 *   1. a Temporal dev server (in memory, headless, free port) unless --address; a fresh migrated SQLite file, or
 *      (--database pg) a throwaway embedded PostgreSQL server (test/helpers/postgres.ts) with a migrated database;
 *   2. lifecycle: N centers through every stage on real (compressed) timers, driven by simulated operators,
 *      against the real worker in a child process (--workers N: N of them on the same task queue, figures summed);
 *   3. baseline: N bare workflows with each center's updates, activities and timers (bench/baseline-workflow.ts),
 *      against a worker of their own in another child process;
 *   4. a table on stdout and --out (bench/results.json) with each figure's ratio to the baseline.
 *
 * --via-api: the operators of step 2 go through the HTTP API (bench/via-api.ts), started in this process, and its
 * added latency per command is reported (a second table, `api` in the results).
 *
 * Flags and their defaults: bench/flags.ts (`npm run bench -- --help`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openCall, type OperationsContext } from '../client/operations';
import { loadConfig } from '../config';
import { findFreePort, startDevServer, type DevServer } from '../config/dev-server';
import { createKnex } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { parsePolicy } from '../machines/policy';
import { commission } from '../test/helpers/fixtures';
import { callWorkflowId, centerWorkflowId } from '../contract';
import { workflowsPath } from '../worker/worker';
import { driveBaseline } from './baseline';
import { parseFlags } from './flags';
import { sampleHistories, sampleIndices } from './history';
import { releaseExitHook, startEmbeddedPostgres } from '../test/helpers/postgres';
import type { DatabaseConfig } from '../db/knex';
import { baselineWorkflowsPath, databaseSize, machine, processCpuSeconds, startWorkerProcess, startWorkerProcesses, writeBundle } from './infra';
import { latencySummary, Load, progressBar, sleep } from './load';
import { driveCenter, operatorActors, PLANS, type CenterRun } from './operators';
import { centerProfiles, workDone } from './profiles';
import { compare, phaseFigures, round, table } from './report';
import { apiTable, startBenchApi, type ApiReport, type BenchApi } from './via-api';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cfg = loadConfig();
  // A year in seconds so whole lifecycles run on real timers; every other policy value is the regulation's.
  const policy = parsePolicy({ ...cfg.policy, compressedYearMs: flags.yearMs });
  const tag = Math.random().toString(36).slice(2, 6);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-bench-'));
  const host = machine();
  log(`Benchmark ${tag}: ${flags.centers} centers, concurrency ${flags.concurrency}, a year = ${flags.yearMs} ms, database ${flags.database}, ${flags.workers} lifecycle worker(s); ${host.cpus} CPUs (${host.cpuModel}), load ${host.loadAverageAtStart.join(' ')}`);

  let server: DevServer | null = null;
  let connection: Connection | null = null;
  let api: BenchApi | null = null;
  let postgres: { url: string; stop: () => Promise<void> } | null = null;
  // Ctrl-C: the dev server runs in its own process group, so stop it here (the workers stop by themselves).
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`\n${sig}: stopping the benchmark…`);
      void Promise.allSettled([server?.stop(), postgres?.stop()]).finally(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
  try {
    if (flags.address) log(`Connecting to the Temporal server at ${flags.address}`);
    else {
      server = await startDevServer(cfg, { port: await findFreePort(cfg.devServer.ip), headless: true, dbFilename: null });
      log(`Temporal dev server (in memory, headless) at ${server.address}, pid ${server.pid}`);
    }
    const address = flags.address ?? server!.address;
    const namespace = cfg.temporal.namespace;
    let dbFilename: string | null = null;
    let database: DatabaseConfig;
    if (flags.database === 'pg') {
      postgres = await startEmbeddedPostgres();
      database = { client: 'pg', filename: null, connection: postgres.url };
    } else {
      dbFilename = path.join(tmp, 'centers.sqlite');
      database = { client: 'sqlite3', filename: dbFilename, connection: null };
    }
    await migrateLatest({ database });
    const databaseLabel = dbFilename ? `SQLite ${dbFilename}` : `PostgreSQL (embedded, ${new URL(postgres!.url).host})`;
    log('Bundling the workflows (once, for the workers and the replays)…');
    const centersBundle = await writeBundle(workflowsPath, path.join(tmp, 'centers-bundle.js'));
    const baselineBundle = await writeBundle(baselineWorkflowsPath, path.join(tmp, 'baseline-bundle.js'));
    connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace });
    const workerLimits = {
      maxConcurrentActivityTaskExecutions: cfg.worker.maxConcurrentActivityTaskExecutions,
      maxConcurrentWorkflowTaskExecutions: cfg.worker.maxConcurrentWorkflowTaskExecutions,
    };
    const giveUpAtMs = flags.timeoutMin * 60_000;

    // ---- Lifecycle ----
    const taskQueue = `bench-centers-${tag}`;
    const worker = await startWorkerProcesses({ kind: 'lifecycle', address, namespace, taskQueue, bundlePath: centersBundle, database, ...workerLimits }, flags.workers);
    const ops: OperationsContext = { client, taskQueue, policy };
    const universityId = (i: number) => `b${tag}-${String(i).padStart(5, '0')}`;
    const callCount = Math.ceil(flags.centers / flags.perCall);
    /** When the centers of a call start applying: the calls follow one another over the spread. */
    const startDelayMs = (i: number) => Math.round((Math.floor(i / flags.perCall) * flags.spreadMs) / callCount);
    const callIds = Array.from({ length: callCount }, (_, k) => `call-${tag}-${k + 1}`);
    for (const [k, callId] of callIds.entries()) {
      const now = Date.now();
      const size = Math.min(flags.perCall, flags.centers - k * flags.perCall);
      await openCall(
        ops,
        { callId, title: `Benchmark call ${k + 1}`, opensAt: new Date(now - 86_400_000).toISOString(), closesAt: new Date(now + 30 * 86_400_000).toISOString(), quota: size },
        commission,
      );
    }
    log(`Lifecycle: ${flags.centers} centers in ${callCount} call(s), worker pid(s) ${worker.pids.join(', ')}, ${databaseLabel}`);
    if (flags.viaApi) {
      api = await startBenchApi({ cfg, ops, database, actors: operatorActors(Array.from({ length: flags.centers }, (_, i) => universityId(i))) });
      log(`Lifecycle through the HTTP API at ${api.url} (in this process; a user and token per actor)`);
    }

    const lifecycleLoad = new Load(flags.concurrency);
    const runs: CenterRun[] = [];
    const lifecycle = await measurePhase(server, async (clock) => {
      const bar = progressBar('lifecycle', flags.centers, () => ({ done: runs.length, commands: lifecycleLoad.commands, inFlight: lifecycleLoad.inFlight }));
      const deps = { ops, client, load: lifecycleLoad, cycleYears: policy.cycleYears, clock, giveUpAtMs, plan: flags.plan, operations: api?.operations };
      api?.start();
      try {
        await Promise.all(
          Array.from({ length: flags.centers }, (_, i) =>
            sleep(startDelayMs(i))
              .then(() => driveCenter({ ...deps, callId: callIds[Math.floor(i / flags.perCall)] }, i, universityId(i)))
              .then((r) => void runs.push(r)),
          ),
        );
      } finally {
        bar.stop();
      }
      return Math.max(...runs.map((r) => r.doneAtMs ?? clock()));
    });
    // The calls' windows are 30 days long: end them, and anything left unfinished, so the baseline runs alone.
    await terminateAll(client, [...callIds.map(callWorkflowId), ...runs.filter((r) => r.outcome === 'unfinished').map((r) => centerWorkflowId(r.universityId))]);
    const lifecycleWorker = await worker.stop();
    let apiReport: ApiReport | null = null;
    if (api) {
      apiReport = api.report();
      await api.close();
      api = null;
    }
    const callHistoryEvents = await Promise.all(callIds.map(async (id) => (await client.workflow.getHandle(callWorkflowId(id)).describe()).historyLength));

    const knex = createKnex(database);
    const db = await databaseSize(knex, dbFilename);
    const centerIdOf = (i: number) => `${universityId(i)}.${callIds[Math.floor(i / flags.perCall)]}`;
    // Activities besides the transitions (the calls' events, notification deliveries), shared out among the centers.
    const auditRows = Number(((await knex('audit_log').count({ n: '*' })) as { n: number }[])[0].n);
    const extraActivities = Math.max(0, Math.round((lifecycleWorker.activities.count - auditRows) / flags.centers));
    const profiles = await centerProfiles(knex, runs, centerIdOf, extraActivities);
    const work = await workDone(knex, runs, centerIdOf, policy.cycleYears);
    await knex.destroy();
    log('Lifecycle: sampling histories and replaying them…');
    const lifecycleHistory = await sampleHistories(client, centersBundle, sampleIndices(flags.centers, flags.sample).map((i) => centerWorkflowId(universityId(i))));

    // ---- Baseline ----
    const baselineQueue = `bench-baseline-${tag}`;
    const baselineWorker = await startWorkerProcess({ kind: 'baseline', address, namespace, taskQueue: baselineQueue, bundlePath: baselineBundle, ...workerLimits });
    log(`Baseline: ${flags.centers} bare workflows with the same updates, activities and timers, worker pid ${baselineWorker.pid}`);
    const baselineLoad = new Load(flags.concurrency);
    const baselineId = (i: number) => `baseline-${tag}-${String(i).padStart(5, '0')}`;
    let baselineDone = 0;
    const baseline = await measurePhase(server, async (clock) => {
      const bar = progressBar('baseline ', flags.centers, () => ({ done: baselineDone, commands: baselineLoad.commands, inFlight: baselineLoad.inFlight }));
      const deps = { client, load: baselineLoad, taskQueue: baselineQueue, workflowId: baselineId, clock };
      const done: number[] = [];
      try {
        await Promise.all(
          profiles.map((p, i) =>
            sleep(startDelayMs(i))
              .then(() => driveBaseline(deps, i, p))
              .then((r) => {
                baselineDone += 1;
                done.push(r.doneAtMs);
              }),
          ),
        );
      } finally {
        bar.stop();
      }
      return Math.max(...done);
    });
    const baselineWorkerReport = await baselineWorker.stop();
    log('Baseline: sampling histories and replaying them…');
    const baselineHistory = await sampleHistories(client, baselineBundle, sampleIndices(flags.centers, flags.sample).map(baselineId));

    // ---- Figures ----
    const lifecycleFigures = phaseFigures(flags.centers, lifecycle, lifecycleLoad, lifecycleWorker, lifecycleHistory, db.bytes);
    const baselineFigures = phaseFigures(flags.centers, baseline, baselineLoad, baselineWorkerReport, baselineHistory, null);
    const figures = compare(lifecycleFigures, baselineFigures);

    const outcomes = Object.fromEntries(
      PLANS.map((plan) => {
        const mine = runs.filter((r) => r.plan === plan);
        return [plan, { centers: mine.length, nextCycle: mine.filter((r) => r.outcome === 'nextCycle').length, supportStopped: mine.filter((r) => r.outcome === 'supportStopped').length, unfinished: mine.filter((r) => r.outcome === 'unfinished').length }];
      }),
    );
    const transitions = profiles.reduce((n, p) => n + p.updates + p.timerOffsetsMs.length, 0);
    const results = {
      benchmark: 'lifecycle vs bare Temporal',
      runAt: new Date().toISOString(),
      machine: host,
      params: { ...flags, out: path.relative(repoRoot, flags.out), calls: callCount, policy: { compressedYearMs: policy.compressedYearMs, cycleYears: policy.cycleYears, midTermAfterYears: policy.midTermAfterYears, summaryGraceDays: policy.summaryGraceDays, rectificationDays: policy.rectificationDays }, server: flags.address ? `existing at ${flags.address}` : 'temporal server start-dev (in memory, headless)' },
      figures,
      lifecycle: {
        ...lifecycleFigures,
        commands: lifecycleLoad.commands,
        queries: lifecycleLoad.queries,
        transitions,
        latencyByCommand: latencySummary(lifecycleLoad.latenciesByType),
        refusals: lifecycleLoad.refusals,
        errors: lifecycleLoad.errors,
        outcomes,
        work,
        worker: lifecycleWorker,
        database: { bytes: db.bytes, rowsPerCenter: Object.fromEntries(Object.entries(db.rows).map(([t, n]) => [t, round(n / flags.centers, 2)])) },
        databaseBusyShare: round(lifecycleWorker.activities.busyMs / lifecycle.wallMs, 3),
        persistMsMean: round(lifecycleWorker.activities.totalMs / Math.max(1, lifecycleWorker.activities.count), 2),
        history: lifecycleHistory,
        calls: { count: callCount, centersPerCall: flags.perCall, historyEvents: callHistoryEvents },
      },
      baseline: {
        ...baselineFigures,
        commands: baselineLoad.commands,
        queries: baselineLoad.queries,
        latencyByCommand: latencySummary(baselineLoad.latenciesByType),
        refusals: baselineLoad.refusals,
        errors: baselineLoad.errors,
        worker: baselineWorkerReport,
        history: baselineHistory,
      },
      ...(apiReport ? { api: apiReport } : {}),
    };
    fs.mkdirSync(path.dirname(flags.out), { recursive: true });
    fs.writeFileSync(flags.out, `${JSON.stringify(results, null, 2)}\n`);

    console.log(`\nLifecycle vs bare Temporal — ${flags.centers} centers, concurrency ${flags.concurrency}, a year = ${flags.yearMs} ms, database ${flags.database}, ${flags.workers} lifecycle worker(s), ${host.cpus} CPUs (${host.cpuModel})\n`);
    console.log(table(figures));
    console.log(
      `\nLifecycle: ${lifecycleLoad.commands} commands, ${transitions} transitions persisted, ${lifecycleLoad.queries} state queries; ` +
        `outcomes ${PLANS.map((p) => `${p} ${outcomes[p].nextCycle + outcomes[p].supportStopped}/${outcomes[p].centers}`).join(', ')}; ` +
        `refusals ${JSON.stringify(lifecycleLoad.refusals)}, errors ${JSON.stringify(lifecycleLoad.errors)}.`,
    );
    console.log(
      `Activities: lifecycle ${lifecycleWorker.activities.count}, baseline ${baselineWorkerReport.activities.count}; ` +
        `updates: lifecycle ${lifecycleLoad.commands}, baseline ${baselineLoad.commands}; state queries: lifecycle ${lifecycleLoad.queries}, baseline ${baselineLoad.queries}.`,
    );
    console.log(
      `${flags.database === 'pg' ? 'PostgreSQL activities busy (summed over the workers)' : 'SQLite busy'} ${Math.round(results.lifecycle.databaseBusyShare * 100)}% of the wall time (mean persist ${results.lifecycle.persistMsMean} ms); ` +
        `call workflow history events ${callHistoryEvents.join(', ')}; replay failures ${lifecycleHistory.replayFailures.length + baselineHistory.replayFailures.length}.`,
    );
    console.log(
      `Yearly work done in cycle 1 by the centers that reached cycle 2: funding requested for ${work.fundingYears.requested} of ${work.fundingYears.expected} years, ` +
        `${work.summaries.overdue} of ${work.summaries.total} summaries overdue${work.fundingYears.requested < work.fundingYears.expected ? ' — years slipped: lengthen --year-ms' : ''}.`,
    );
    if (apiReport) {
      const o = apiReport.overall;
      console.log(`\nThe HTTP API's added latency per accepted command, ms (lifecycle through the API; its latencies above include it)\n`);
      console.log(apiTable(apiReport));
      console.log(
        `\nAdded (round trip − Temporal) p50 ${o.addedMs.p50} ms, p95 ${o.addedMs.p95}, p99 ${o.addedMs.p99}: outside the server's hooks and handler p50 ${o.outsideHandlerMs.p50} ms ` +
          `(fetch, socket, parsing, serialising, event-loop waits), server hooks + handler p50 ${o.inServerMs.p50}, handler p50 ${o.inHandlerMs.p50}; ` +
          `token check p50 ${apiReport.authenticateTokenMs.p50} ms (p99 ${apiReport.authenticateTokenMs.p99}); state reads' round trip p50 ${apiReport.readRoundTripMs.p50} ms; ` +
          `this process's event-loop delay p50 ${apiReport.eventLoopDelayMs.p50} ms, p99 ${apiReport.eventLoopDelayMs.p99}${apiReport.unmatched ? `; ${apiReport.unmatched} command(s) without a server timing` : ''}.`,
      );
    }
    console.log(`Results written to ${path.relative(process.cwd(), flags.out) || flags.out}`);
    const unfinished = runs.filter((r) => r.outcome === 'unfinished').length;
    if (unfinished) {
      console.error(`${unfinished} center(s) did not finish within ${flags.timeoutMin} min.`);
      process.exitCode = 1;
    }
  } finally {
    await api?.close();
    await connection?.close();
    if (server) await server.stop();
    if (postgres) {
      await postgres.stop();
      releaseExitHook();
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs a phase and measures its wall time, the driver's CPU and the Temporal server's CPU. */
async function measurePhase(server: DevServer | null, run: (clock: () => number) => Promise<number>) {
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const driverCpu0 = process.cpuUsage();
  const serverCpu0 = processCpuSeconds(server?.pid ?? null);
  const wallMs = await run(clock);
  const driverCpu = process.cpuUsage(driverCpu0);
  const serverCpu1 = processCpuSeconds(server?.pid ?? null);
  return {
    wallMs,
    driverCpuSeconds: (driverCpu.user + driverCpu.system) / 1e6,
    serverCpuSeconds: serverCpu0 !== null && serverCpu1 !== null ? serverCpu1 - serverCpu0 : null,
  };
}

async function terminateAll(client: Client, workflowIds: string[]): Promise<void> {
  await Promise.all(
    workflowIds.map(async (id) => {
      try {
        await client.workflow.getHandle(id).terminate('benchmark finished');
      } catch {
        // Already closed.
      }
    }),
  );
}

main().catch((err: unknown) => {
  console.error(`\nBenchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
