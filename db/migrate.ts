import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { createKnex, type DatabaseConfig } from './knex';

/** The part of the app config migrations need (structural, so db/ does not depend on config/). */
export interface MigrateConfig {
  database: DatabaseConfig;
}

async function withKnex<T>(cfg: MigrateConfig, fn: (knex: ReturnType<typeof createKnex>) => Promise<T>): Promise<T> {
  const knex = createKnex(cfg.database);
  try {
    return await fn(knex);
  } finally {
    await knex.destroy();
  }
}

export interface MigrateOptions {
  /** Progress while another process holds the migration lock; default: console.log. */
  log?: (line: string) => void;
  /** How long to wait for another process's lock before giving up; default 10 minutes. */
  lockTimeoutMs?: number;
}

/** PostgreSQL advisory lock key of the migrations ("ctc-migr" as a number): one migrating process per database. */
export const MIGRATION_ADVISORY_LOCK = 0x6374_632d_6d69;

/**
 * What another process migrating at the same moment makes knex fail with, while it holds the migration lock or
 * creates knex's own tables: wait and try again, never fail (the lock holder applies every migration once).
 */
const isBusyMigrating = (err: unknown): boolean =>
  err instanceof Error &&
  (/Migration table is already locked/.test(err.message) ||
    // two processes creating knex_migrations(_lock) at once
    /knex_migrations.*(already exists|duplicate key|UNIQUE constraint failed)|(already exists|duplicate key).*knex_migrations|pg_type_typname_nsp_index/.test(err.message) ||
    /SQLITE_BUSY/.test(err.message));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` (a knex migrator call) so that processes started together migrate one at a time: on PostgreSQL under a
 * session advisory lock held on a connection of its own (so even knex's bookkeeping tables are created once), and
 * everywhere under knex's own lock (knex_migrations_lock), retried while another process holds it. Prints progress
 * every few seconds of waiting; gives up after `lockTimeoutMs` with what to do if the holder died.
 */
async function underMigrationLock<T>(knex: Knex, options: MigrateOptions, fn: () => Promise<T>): Promise<T> {
  const log = options.log ?? ((line: string) => console.log(line));
  const timeoutMs = options.lockTimeoutMs ?? 10 * 60_000;
  const started = Date.now();
  let lastReport = started;
  const waiting = async (what: string): Promise<void> => {
    const waited = Date.now() - started;
    if (waited > timeoutMs) {
      throw new Error(
        `migrations: gave up after ${Math.round(waited / 1000)} s waiting for ${what}. If no other process is migrating this database, free knex's lock: npx tsx db/migrate.ts unlock`,
      );
    }
    if (Date.now() - lastReport >= 2_000 || lastReport === started) {
      log(`migrations: another process is migrating this database; waiting for ${what} (${Math.round(waited / 1000)} s)`);
      lastReport = Date.now();
    }
    await sleep(100 + Math.random() * 200);
  };

  const attempt = async (): Promise<T> => {
    // knex warns on every try that finds its lock taken; the progress line above says it once every few seconds.
    const logger = knex.client.logger as { warn?: (message: string) => void };
    const warn = logger.warn;
    logger.warn = (message: string) => {
      if (!/Can't take lock to run migrations|release the lock manually/.test(String(message))) warn?.call(logger, message);
    };
    try {
      for (;;) {
        try {
          return await fn();
        } catch (err) {
          if (!isBusyMigrating(err)) throw err;
          await waiting('the migration lock');
        }
      }
    } finally {
      logger.warn = warn;
    }
  };

  if (knex.client.config.client !== 'pg') return attempt();

  const connection = (await knex.client.acquireConnection()) as import('pg').PoolClient;
  try {
    for (;;) {
      const { rows } = await connection.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [MIGRATION_ADVISORY_LOCK]);
      if (rows[0]?.locked) break;
      await waiting('the migration lock');
    }
    try {
      return await attempt();
    } finally {
      await connection.query('select pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK]);
    }
  } finally {
    await knex.client.releaseConnection(connection);
  }
}

/**
 * Applies every pending migration; `applied` names them in order (empty when already up to date). Processes that
 * start together (several workers, the API) each call this: one applies the migrations, the others wait for it and
 * find nothing left to apply.
 */
export async function migrateLatest(cfg: MigrateConfig, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  return withKnex(cfg, (knex) =>
    underMigrationLock(knex, options, async () => {
      const [, log] = (await knex.migrate.latest()) as [number, string[]];
      return { applied: log };
    }),
  );
}

/** Reverts every applied migration (each `down`); `applied` names the migrations that were rolled back. */
export async function migrateRollbackAll(cfg: MigrateConfig, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  return withKnex(cfg, (knex) =>
    underMigrationLock(knex, options, async () => {
      const [, log] = (await knex.migrate.rollback(undefined, true)) as [number, string[]];
      return { applied: log };
    }),
  );
}

/** Frees knex's migration lock left taken by a process that died while migrating (`tsx db/migrate.ts unlock`). */
export async function migrateUnlock(cfg: MigrateConfig): Promise<void> {
  await withKnex(cfg, (knex) => knex.migrate.forceFreeMigrationsLock());
}

/** Which migrations have run and which are pending. */
export async function migrationStatus(cfg: MigrateConfig): Promise<{ completed: string[]; pending: string[] }> {
  return withKnex(cfg, async (knex) => {
    const [completed, pending] = (await knex.migrate.list()) as [{ name: string }[], { name: string }[]];
    return { completed: completed.map((m) => m.name), pending: pending.map((m) => m.name) };
  });
}

// ── CLI: npx tsx db/migrate.ts latest|rollback|status|unlock [--filename f] [--client pg --connection url] ─────────────
function cliConfig(args: string[]): MigrateConfig {
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  // The same variables config/ reads; the file default mirrors temporal.config.json, relative to the repository.
  const client = flag('client') ?? process.env.CENTERS_DATABASE_CLIENT ?? 'sqlite3';
  if (client !== 'sqlite3' && client !== 'pg') throw new Error(`unknown client "${client}" (sqlite3 or pg)`);
  return {
    database: {
      client,
      filename: flag('filename') ?? process.env.CENTERS_DATABASE_FILENAME ?? resolve(fileURLToPath(import.meta.url), '../../data/centers.sqlite'),
      connection: flag('connection') ?? process.env.CENTERS_DATABASE_CONNECTION ?? null,
    },
  };
}

async function main(args: string[]): Promise<void> {
  const [command] = args;
  const cfg = cliConfig(args);
  if (command === 'latest') {
    const { applied } = await migrateLatest(cfg);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
  } else if (command === 'rollback') {
    const { applied } = await migrateRollbackAll(cfg);
    console.log(applied.length ? `rolled back: ${applied.join(', ')}` : 'nothing to roll back');
  } else if (command === 'unlock') {
    await migrateUnlock(cfg);
    console.log('migration lock freed');
  } else if (command === 'status') {
    const { completed, pending } = await migrationStatus(cfg);
    for (const name of completed) console.log(`applied  ${name}`);
    for (const name of pending) console.log(`pending  ${name}`);
  } else {
    console.error('usage: tsx db/migrate.ts latest|rollback|status|unlock [--filename path] [--client pg --connection url]');
    process.exitCode = 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
