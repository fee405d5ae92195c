import { columnNameMapping } from '../../db/knex';
/**
 * One real Temporal dev server per test file (free ports, in memory), a migrated SQLite file in a temporary folder,
 * the project's worker running in this process, a client, and the real `centers` CLI as a subprocess seeing only
 * that server and that file.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, expect } from 'vitest';
import type { NotificationChannel } from '../../activities/outbox';
import type { OperationsContext } from '../../client/operations';
import { loadConfig } from '../../config';
import { findFreePort, startDevServer, type DevServer } from '../../config/dev-server';
import type { Policy } from '../../machines/policy';
import { createCenterWorker } from '../../worker/worker';
import { removeTempDatabase, tempDatabase, type TempDatabase } from './database';
import { workflowBundle } from './temporal';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin/centers.mjs');
const NAMESPACE = 'default';

export interface DevServerTestOptions {
  /** Names the temporary folder and the task queue: `centers-<name>-…`. */
  name: string;
  /** The policy the client operations start centers with. Default: the configuration's. */
  policy?: Policy;
  /**
   * The worker's own connection pool to the database file (so a read is not queued behind a write waiting for a
   * held lock). Default: the worker shares the test's connection.
   */
  workerPool?: { min: number; max: number };
  /** Where the worker's outbox delivers notices, given the database (e.g. a file next to it). Default: the log. */
  notificationChannel?: (db: TempDatabase) => NotificationChannel;
  /** The dev server's dynamic configuration (e.g. a low continue-as-new suggestion threshold). */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when the command line has --json and printed something. */
  json: any;
}

export interface CliOptions {
  /** Variables added to the CLI's environment. */
  env?: NodeJS.ProcessEnv;
  /** Appends --json to the command line. */
  json?: boolean;
}

export interface DevServerHarness {
  server: DevServer;
  /** The test's connection to the database file. */
  knex: Knex;
  db: TempDatabase;
  /** The temporary folder holding the database: a place for files the test writes. */
  dir: string;
  taskQueue: string;
  client: Client;
  ops: OperationsContext;
  /** The CLI's environment: this process's, without any CENTERS_* of the developer's shell, set to this server and file. */
  env: NodeJS.ProcessEnv;
  /** Runs `node bin/centers.mjs …` without blocking this process (the worker polls here). */
  cli(args: string[], options?: CliOptions): Promise<CliRun>;
  /** Runs the CLI, expects exit 0 (showing what the CLI said otherwise) and returns its JSON result. */
  ok(args: string[], options?: CliOptions): Promise<any>;
  teardown(): Promise<void>;
}

/** The worker's database with a pool of `pool.max` connections, set up per connection as db/knex.ts does. */
function pooledSqlite(filename: string, pool: { min: number; max: number }): Knex {
  return knexFactory({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    ...columnNameMapping,
    pool: {
      ...pool,
      afterCreate: (conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) =>
        conn.exec('PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;', (err) => done(err, conn)),
    },
  });
}

function runCli(env: NodeJS.ProcessEnv, args: string[], { env: extraEnv = {}, json = false }: CliOptions = {}): Promise<CliRun> {
  const argv = [...args, ...(json ? ['--json'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { cwd: repoRoot, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      let parsed: unknown = undefined;
      try {
        parsed = argv.includes('--json') && stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        return reject(new Error(`centers ${argv.join(' ')}: stdout is not JSON:\n${stdout}\nstderr:\n${stderr}`));
      }
      resolve({ code, stdout, stderr, json: parsed });
    });
  });
}

/** Starts everything; on a failure part way, stops what was started. */
export async function devServerHarness(options: DevServerTestOptions): Promise<DevServerHarness> {
  const cleanup: (() => Promise<void> | void)[] = [];
  const teardown = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const cfg = loadConfig({ env: {} });
    const server = await startDevServer(cfg, { dbFilename: null, port: await findFreePort(), headless: true, timeoutMs: 120_000, dynamicConfig: options.dynamicConfig });
    cleanup.push(() => server.stop());

    const db = await tempDatabase(`centers-${options.name}-`);
    cleanup.push(() => removeTempDatabase(db));
    const workerKnex = options.workerPool ? pooledSqlite(db.filename, options.workerPool) : db.knex;
    if (workerKnex !== db.knex) cleanup.push(() => workerKnex.destroy());

    const taskQueue = `centers-${options.name}-${Math.random().toString(36).slice(2, 8)}`;
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanup.push(() => nativeConnection.close());
    const worker: Worker = await createCenterWorker({
      connection: nativeConnection,
      namespace: NAMESPACE,
      taskQueue,
      knex: workerKnex,
      notificationChannel: options.notificationChannel?.(db),
      options: { workflowBundle: await workflowBundle() },
    });
    const running = worker.run();
    cleanup.push(async () => {
      worker.shutdown();
      await running;
    });

    const connection = await Connection.connect({ address: server.address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection, namespace: NAMESPACE });

    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CENTERS_')));
    Object.assign(env, {
      CENTERS_TEMPORAL_ADDRESS: server.address,
      CENTERS_TEMPORAL_NAMESPACE: NAMESPACE,
      CENTERS_TEMPORAL_TASK_QUEUE: taskQueue,
      CENTERS_DATABASE_FILENAME: db.filename,
      // The operators' direct path (--as names the actor); test/e2e/cli-api.test.ts runs the CLI through the API.
      CENTERS_API_URL: 'off',
    });
    const cli = (args: string[], cliOptions?: CliOptions) => runCli(env, args, cliOptions);

    return {
      server,
      knex: db.knex,
      db,
      dir: db.dir,
      taskQueue,
      client,
      ops: { client, taskQueue, policy: options.policy ?? cfg.policy },
      env,
      cli,
      async ok(args, cliOptions) {
        const r = await cli(args, cliOptions);
        expect(r.code, `centers ${args.join(' ')}\n${r.stderr}`).toBe(0);
        return r.json;
      },
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/**
 * The harness for a whole test file: started in a beforeAll, torn down in an afterAll (each given `timeoutMs`),
 * registered where this is called. The handle it returns reads the running harness, so it is used inside tests and
 * later hooks only.
 */
export function useDevServer(options: DevServerTestOptions, timeoutMs: number): DevServerHarness {
  let current: DevServerHarness | undefined;
  beforeAll(async () => {
    current = await devServerHarness(options);
  }, timeoutMs);
  afterAll(async () => {
    await current?.teardown();
  }, timeoutMs);
  return new Proxy({} as DevServerHarness, {
    get(_, key) {
      if (!current) throw new Error(`the dev server harness is not running (read ${String(key)} before its beforeAll)`);
      return Reflect.get(current, key);
    },
  });
}
