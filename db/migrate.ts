import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** Applies every pending migration; `applied` names them in order (empty when already up to date). */
export async function migrateLatest(cfg: MigrateConfig): Promise<{ applied: string[] }> {
  return withKnex(cfg, async (knex) => {
    const [, log] = (await knex.migrate.latest()) as [number, string[]];
    return { applied: log };
  });
}

/** Reverts every applied migration (each `down`); `applied` names the migrations that were rolled back. */
export async function migrateRollbackAll(cfg: MigrateConfig): Promise<{ applied: string[] }> {
  return withKnex(cfg, async (knex) => {
    const [, log] = (await knex.migrate.rollback(undefined, true)) as [number, string[]];
    return { applied: log };
  });
}

/** Which migrations have run and which are pending. */
export async function migrationStatus(cfg: MigrateConfig): Promise<{ completed: string[]; pending: string[] }> {
  return withKnex(cfg, async (knex) => {
    const [completed, pending] = (await knex.migrate.list()) as [{ name: string }[], { name: string }[]];
    return { completed: completed.map((m) => m.name), pending: pending.map((m) => m.name) };
  });
}

// ── CLI: npx tsx db/migrate.ts latest|rollback|status [--filename f] [--client pg --connection url] ─────────────
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
  } else if (command === 'status') {
    const { completed, pending } = await migrationStatus(cfg);
    for (const name of completed) console.log(`applied  ${name}`);
    for (const name of pending) console.log(`pending  ${name}`);
  } else {
    console.error('usage: tsx db/migrate.ts latest|rollback|status [--filename path] [--client pg --connection url]');
    process.exitCode = 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
