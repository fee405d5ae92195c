/**
 * A benchmark worker in a process of its own (forked by bench/run.ts), so its memory and CPU are measured apart
 * from the driver's: `lifecycle` runs the real worker (createCenterWorker, real activities on the SQLite file or PostgreSQL database it is given);
 * `baseline` runs bench/baseline-workflow.ts with a trivial activity. The workflow bundle is prebuilt by the
 * parent, so bundling is not counted here. On `stop` the worker drains, then reports over IPC and exits.
 */
import { performance } from 'node:perf_hooks';
import { DefaultLogger, NativeConnection, Runtime, Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { createKnex } from '../db/knex';
import { createCenterWorker } from '../worker/worker';
import { createBaselineActivities } from './baseline-activities';
import type { WorkerReport, WorkerSpec } from './protocol';

const RSS_SAMPLE_MS = 250;

/**
 * Counts every activity and measures how long it took (for persistence: the database write), through an activity
 * interceptor, so the worker keeps exactly the activities createCenterWorker gives it.
 */
function timing(stats: WorkerReport['activities']): ActivityInterceptorsFactory {
  let inFlight = 0;
  let busySince = 0;
  return () => ({
    inbound: {
      async execute(input, next) {
        const t0 = performance.now();
        if (inFlight++ === 0) busySince = t0;
        try {
          return await next(input);
        } finally {
          const t1 = performance.now();
          stats.count += 1;
          stats.totalMs += t1 - t0;
          stats.maxMs = Math.max(stats.maxMs, t1 - t0);
          // Time with at least one activity running: with SQLite's single connection, how busy the database was.
          // (On PostgreSQL, with a pool, how busy this worker's activities were.)
          if (--inFlight === 0) stats.busyMs += t1 - busySince;
        }
      },
    },
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerSpec;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: spec.address });
  const stats: WorkerReport['activities'] = { count: 0, totalMs: 0, maxMs: 0, busyMs: 0 };
  const options = {
    workflowBundle: { codePath: spec.bundlePath },
    interceptors: { activity: [timing(stats)] },
    maxConcurrentActivityTaskExecutions: spec.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: spec.maxConcurrentWorkflowTaskExecutions,
  };
  const knex = spec.kind === 'lifecycle' ? createKnex(spec.database!) : null;
  const worker = knex
    ? await createCenterWorker({ connection, namespace: spec.namespace, taskQueue: spec.taskQueue, knex, options })
    : await Worker.create({ connection, namespace: spec.namespace, taskQueue: spec.taskQueue, ...options, activities: createBaselineActivities() });

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), RSS_SAMPLE_MS);
  const cpuAtReady = process.cpuUsage();
  const readyAt = performance.now();
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stop') worker.shutdown();
  });
  // The benchmark went away (crashed, Ctrl-C): stop too, rather than poll on alone.
  process.once('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  process.send!({ type: 'ready' });

  await worker.run();
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuAtReady);
  const report: WorkerReport = {
    type: 'report',
    kind: spec.kind,
    peakRssBytes: Math.max(peakRss, process.memoryUsage.rss()),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    runMs: performance.now() - readyAt,
    activities: stats,
  };
  await knex?.destroy();
  await connection.close();
  if (process.connected) process.send!(report, undefined, {}, () => process.exit(0));
  else process.exit(0);
}

main().catch((err: unknown) => {
  console.error(`[bench worker] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
