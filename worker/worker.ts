import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Knex } from 'knex';
import { createActivities } from '../activities';
import type { NotificationChannel } from '../activities/outbox';
import { cachedWorkflowBundle, workflowsPath } from './bundle';

export { workflowsPath };

export interface CenterWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  knex: Knex;
  /** Where the outbox delivers notices (default: the worker's log). */
  notificationChannel?: NotificationChannel;
  /** The secret centers' starts are signed with (temporal.startSecret); default: its fallback file. */
  startSecret?: string;
  /** Extra worker options (concurrency limits, a prebuilt bundle for tests). */
  options?: Partial<WorkerOptions>;
}

/**
 * One worker for both workflows and all activities on one task queue; scale out by running more. Without a bundle
 * given, it uses the bundle of this code (worker/bundle.ts: built on the first start after a change, then reused).
 */
export async function createCenterWorker({ connection, namespace, taskQueue, knex, notificationChannel, startSecret, options }: CenterWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(options?.workflowBundle || options?.workflowsPath ? {} : { workflowBundle: (await cachedWorkflowBundle(workflowsPath)).workflowBundle }),
    activities: createActivities({ knex, notificationChannel, startSecret }),
    ...options,
  });
}
