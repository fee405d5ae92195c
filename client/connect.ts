/**
 * The CLI's connections, opened only when a command needs them: Temporal (the source of truth for where each
 * center is) and the database (the read model and the audit trail). Both are closed when the command ends, so
 * the process exits by itself.
 */
import fs from 'node:fs';
import type { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import type { AppConfig } from '../config';
import { temporalAddress, temporalConnectionOptions } from '../config/temporal-connection';
import type { Repositories } from '../db/repositories';
import type { OperationsContext } from './operations';
import { apiUrl, createApiClient, savedToken, TOKEN_ENV_VAR, type ApiClient } from './api-client';
import { DatabaseError, UnreachableError } from './errors';
import { createEvidenceStore } from '../evidence/store';

/** A CLI waits this long for the server before saying it cannot reach it. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Where clients connect: the configured address, or the embedded dev server. */
export { temporalAddress };

export interface Temporal {
  client: Client;
  connection: Connection;
  ops: OperationsContext;
}

export interface Services {
  cfg: AppConfig;
  address: string;
  /**
   * The HTTP API with the caller's token, when one is configured (the default): commands and reads go through it.
   * Null on the operators' direct path (api.url "off"), where --as names the actor.
   */
  api: ApiClient | null;
  temporal(): Promise<Temporal>;
  repos(): Promise<Repositories>;
  /** The database connection itself (the `users` commands work on this machine's database directly). */
  knex(): Promise<Knex>;
  close(): Promise<void>;
}

export function openServices(cfg: AppConfig, env: NodeJS.ProcessEnv = process.env): Services {
  const address = temporalAddress(cfg);
  const url = apiUrl(cfg);
  const api = url ? createApiClient(url, env[TOKEN_ENV_VAR] || savedToken(env, url)) : null;
  let temporal: Promise<Temporal> | null = null;
  let db: Promise<{ knex: Knex; repos: Repositories }> | null = null;

  async function connectTemporal(): Promise<Temporal> {
    const { Client, Connection } = await import('@temporalio/client');
    let connection: Connection;
    try {
      connection = await Connection.connect({ ...temporalConnectionOptions(cfg, address), connectTimeout: CONNECT_TIMEOUT_MS });
    } catch (err) {
      throw new UnreachableError(address, err);
    }
    const client = new Client({ connection, namespace: cfg.temporal.namespace });
    return { client, connection, ops: { client, taskQueue: cfg.temporal.taskQueue, policy: cfg.policy, startSecret: cfg.temporal.startSecret ?? undefined, evidence: createEvidenceStore(cfg.evidence) } };
  }

  async function openDatabase(): Promise<{ knex: Knex; repos: Repositories }> {
    const { database } = cfg;
    // Reading must not create an empty database where the service has not made one.
    if (database.client === 'sqlite3' && database.filename && database.filename !== ':memory:' && !database.filename.startsWith('file:')) {
      if (!fs.existsSync(database.filename)) {
        throw new DatabaseError(
          `No database at ${database.filename}.\nStart the service with \`npm start\` (it creates and migrates the database), ` +
            'or point CENTERS_DATABASE_FILENAME at the service\'s database.',
        );
      }
    }
    const [{ createKnex }, { createRepositories }] = await Promise.all([import('../db/knex'), import('../db/repositories')]);
    const knex = createKnex(database);
    return { knex, repos: createRepositories(knex) };
  }

  return {
    cfg,
    address,
    api,
    temporal: () => (temporal ??= connectTemporal()),
    repos: async () => (await (db ??= openDatabase())).repos,
    knex: async () => (await (db ??= openDatabase())).knex,
    async close() {
      const closing: Promise<unknown>[] = [];
      if (temporal) closing.push(temporal.then((t) => t.connection.close()).catch(() => {}));
      if (db) closing.push(db.then((d) => d.knex.destroy()).catch(() => {}));
      await Promise.all(closing);
      temporal = db = null;
    },
  };
}

/**
 * A command sent while no worker polls the task queue would wait for ever: say so first (a warning only; a worker
 * may be starting). The server lists a poller for a few minutes after its last poll.
 */
export async function warnIfNoWorker(t: Temporal, cfg: AppConfig, warn: (line: string) => void): Promise<void> {
  try {
    const { pollers } = await t.connection.workflowService.describeTaskQueue({
      namespace: cfg.temporal.namespace,
      taskQueue: { name: cfg.temporal.taskQueue, kind: 1 /* NORMAL */ },
      taskQueueType: 1 /* WORKFLOW */,
    });
    if (!pollers || pollers.length === 0) {
      warn(
        `Warning: no worker is polling task queue "${cfg.temporal.taskQueue}" in namespace "${cfg.temporal.namespace}"; ` +
          'the command waits until one does. Start the service with `npm start` (or `npm run worker`).',
      );
    }
  } catch {
    // Only a hint: a server that does not answer this will answer (or fail) the command itself.
  }
}
