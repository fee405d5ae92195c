import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Knex } from 'knex';
import { createActivities } from '../activities';
import type { NotificationChannel } from '../activities/outbox';

/** The workflows' entry point, bundled by the worker (SPEC §6: the sandbox). */
export const workflowsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../workflows/index.ts');

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

/** One worker for both workflows and all activities on one task queue; scale out by running more. */
export async function createCenterWorker({ connection, namespace, taskQueue, knex, notificationChannel, startSecret, options }: CenterWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(options?.workflowBundle ? {} : { workflowsPath }),
    activities: createActivities({ knex, notificationChannel, startSecret }),
    ...options,
  });
}
