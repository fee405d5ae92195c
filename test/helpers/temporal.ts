/**
 * One real Temporal server per test file (time-skipping test server or dev server), a real SQLite file,
 * and a worker running the project's real workflows and activities.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import type { Knex } from 'knex';
import { temporalTestServerPath } from '../../config/binaries';
import { SEARCH_ATTRIBUTES } from '../../config/search-attributes';
import { createActivities, type Activities } from '../../activities';
import { createCenterWorker, workflowsPath } from '../../worker/worker';
import { cachedWorkflowBundle } from '../../worker/bundle';
import { defaultPolicy, type Policy } from '../../machines/policy';
import type { OperationsContext } from '../../client/operations';
import { removeTempDatabase, tempDatabase, type Dialect, type TempDatabase } from './database';

/** Kept here too for the tests that import it from this module. */
export { tempDatabase };

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundling takes seconds: once per version of the code (worker/bundle.ts), read once per test file. */
export const workflowBundle = () => (bundle ??= cachedWorkflowBundle(workflowsPath).then((b) => b.workflowBundle));

const TYPE_TO_INDEXED: Record<string, number> = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };

export interface Harness {
  env: TestWorkflowEnvironment;
  knex: Knex;
  /** The database itself: its dialect, and its file or connection string for a subprocess or the CLI. */
  db: TempDatabase;
  worker: Worker;
  ops: OperationsContext;
  taskQueue: string;
  teardown(): Promise<void>;
}

const withReplaced = (real: Activities, replace: (real: Activities) => Partial<Activities>): Activities => ({ ...real, ...replace(real) });

export interface HarnessOptions {
  /** Replaces some of the worker's activities, given the real ones (e.g. to make one fail). */
  activities?: (real: Activities) => Partial<Activities>;
  /** The database the worker writes: a SQLite file (default), or a new database on the run's PostgreSQL server. */
  dialect?: Dialect;
}

/** The time-skipping server (SPEC §5): years pass by skipping, never by waiting. */
export async function timeSkippingHarness(policy: Policy = defaultPolicy, { activities, dialect = 'sqlite3' }: HarnessOptions = {}): Promise<Harness> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  // The test server needs custom search attributes registered through the operator service (SPEC §6).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([k, t]) => [k, TYPE_TO_INDEXED[t]])),
  });
  const db = await tempDatabase('centers-test-', dialect);
  const { knex } = db;
  const taskQueue = `centers-test-${Math.random().toString(36).slice(2, 8)}`;
  const worker = await createCenterWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    knex,
    options: {
      workflowBundle: await workflowBundle(),
      ...(activities ? { activities: withReplaced(createActivities({ knex }), activities) } : {}),
    },
  });
  // The worker polls for the whole file; a worker runs only once.
  const running = worker.run();
  return {
    env,
    knex,
    db,
    worker,
    taskQueue,
    ops: { client: env.client, taskQueue, policy, now: () => env.currentTimeMs() },
    async teardown() {
      worker.shutdown();
      await running;
      await removeTempDatabase(db);
      await env.teardown();
    },
  };
}
