import { NativeConnection } from '@temporalio/worker';
import type { AppConfig } from '../config';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { deliveryLogChannel } from '../activities/outbox';
import { recipientsFromUsers, smtpChannel } from '../activities/smtp';
import { webhookChannel } from '../activities/webhook';
import { createKnex } from '../db/knex';
import { createCenterWorker } from './worker';
import { installRuntime, startMetricsServer, type MetricsServer } from './telemetry';

/**
 * Runs the worker until `signal` aborts (Ctrl-C in `npm start`), then shuts it down gracefully:
 * in-flight activities finish, and the database connection is closed last.
 */
export async function runWorker(cfg: AppConfig, opts: { address: string; signal?: AbortSignal; log?: (s: string) => void }): Promise<void> {
  const log = opts.log ?? ((s: string) => console.log(s));
  // Before anything makes the Runtime: JSON log lines through pino, and the SDK's metrics when configured.
  installRuntime(cfg);
  const metrics: MetricsServer | null = cfg.worker.metricsAddress
    ? await startMetricsServer(cfg.worker.metricsAddress, { sdkMetricsAddress: cfg.worker.sdkMetricsAddress })
    : null;
  if (metrics) log(`Worker metrics at ${metrics.url}.`);
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(temporalConnectionOptions(cfg, opts.address));
  } catch (err) {
    await metrics?.close();
    throw err;
  }
  const knex = createKnex(cfg.database);
  try {
    log('Loading the workflow code (bundled on the first start after a change, then reused from node_modules/.cache/centers)…');
    const worker = await createCenterWorker({
      connection,
      namespace: cfg.temporal.namespace,
      taskQueue: cfg.temporal.taskQueue,
      knex,
      startSecret: cfg.temporal.startSecret ?? undefined,
      // One channel: the configuration refuses more than one of them (config/index.ts).
      notificationChannel: cfg.notifications.smtp
        ? smtpChannel(cfg.notifications.smtp, recipientsFromUsers(knex))
        : cfg.notifications.webhook
          ? webhookChannel(cfg.notifications.webhook)
          : cfg.notifications.deliveryLog
            ? deliveryLogChannel(cfg.notifications.deliveryLog)
            : undefined,
      options: {
        maxConcurrentActivityTaskExecutions: cfg.worker.maxConcurrentActivityTaskExecutions,
        maxConcurrentWorkflowTaskExecutions: cfg.worker.maxConcurrentWorkflowTaskExecutions,
      },
    });
    // run() first, then shutdown(): a worker stopped before it ran would keep its hold on the connection (shutdown()
    // throws "Not running" before run(), and the connection then refuses to close), e.g. on Ctrl-C while bundling.
    const running = worker.run();
    const onAbort = () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    };
    if (opts.signal?.aborted) onAbort();
    else log(`Worker polling task queue "${cfg.temporal.taskQueue}" in namespace "${cfg.temporal.namespace}".`);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    await running;
    log('Worker stopped.');
  } finally {
    await knex.destroy();
    await connection.close();
    await metrics?.close();
  }
}
