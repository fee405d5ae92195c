/**
 * Runs the HTTP API: its own Temporal client and database pool, the identities, the OIDC verifier when one is
 * configured, and the audit replay's workflow code (bundled on the first replay). Used by `npm start` (beside the
 * worker) and `npm run api` (alone, against a running Temporal and database).
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { repoRoot, type AppConfig } from '../config';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { createKnex } from '../db/knex';
import { createRepositories } from '../db/repositories';
import { bundleForReplay, type ReplayCode } from '../client/audit/replay';
import { buildApi, type ApiDeps } from './app';
import { createIdentities } from './identities';
import { createOidcVerifier } from './oidc';
import { createEvidenceStore } from '../evidence/store';

export interface RunningApi {
  /** Where the API listens, e.g. http://127.0.0.1:8080. */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startApi(cfg: AppConfig, opts: { address?: string; port?: number; logger?: ApiDeps['logger'] } = {}): Promise<RunningApi> {
  const connection = await Connection.connect({ ...temporalConnectionOptions(cfg, opts.address), connectTimeout: 5_000 });
  const client = new Client({ connection, namespace: cfg.temporal.namespace });
  const knex = createKnex(cfg.database);
  let replay: Promise<ReplayCode> | null = null;
  const app = await buildApi({
    cfg,
    ops: { client, taskQueue: cfg.temporal.taskQueue, policy: cfg.policy, startSecret: cfg.temporal.startSecret ?? undefined, evidence: createEvidenceStore(cfg.evidence) },
    knex,
    repos: createRepositories(knex),
    identities: createIdentities(knex, { tokenDays: cfg.api.tokenDays, sessionHours: cfg.api.sessionHours }),
    oidc: cfg.api.oidc ? createOidcVerifier(cfg.api.oidc) : null,
    replayCode: () => (replay ??= bundleForReplay(path.join(repoRoot, 'workflows/index.ts'))),
    logger: opts.logger ?? false,
  });
  try {
    await app.listen({ host: cfg.api.host, port: opts.port ?? cfg.api.port });
  } catch (err) {
    await Promise.allSettled([app.close(), knex.destroy(), connection.close()]);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${opts.port ?? cfg.api.port} is in use: stop what holds it, or set api.port (CENTERS_API_PORT).`);
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : cfg.api.port;
  const host = cfg.api.host === '0.0.0.0' ? '127.0.0.1' : cfg.api.host.includes(':') ? `[${cfg.api.host}]` : cfg.api.host;
  return {
    url: `http://${host}:${port}`,
    app,
    async close() {
      await app.close();
      await Promise.allSettled([knex.destroy(), connection.close()]);
    },
  };
}
