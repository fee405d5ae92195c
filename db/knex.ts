import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrationSource } from './migrations';
import { MIGRATIONS_TABLE } from './tables';

/** The database part of the app config (SPEC §5: SQLite by default, PostgreSQL by configuration). */
export interface DatabaseConfig {
  client: 'sqlite3' | 'pg';
  /** SQLite file (relative to the working directory) or ":memory:"; required for sqlite3, ignored for pg. */
  filename: string | null;
  /** PostgreSQL connection string; null for sqlite3. */
  connection: string | null;
}

/** Migrations come from the explicit list in db/migrations/index.ts, never from the file system. */
const migrations: Knex.MigratorConfig = { migrationSource, tableName: MIGRATIONS_TABLE };

interface SqliteConnection {
  exec(sql: string, cb: (err: Error | null) => void): void;
}

/**
 * Per-connection settings, run before a connection is handed out:
 *  - foreign_keys: SQLite leaves FK enforcement off unless asked, per connection;
 *  - journal_mode WAL: readers (CLI, auditors) do not block the worker's writes;
 *  - busy_timeout: a second process (another worker, the CLI) waits for the write lock instead of failing.
 */
function sqliteAfterCreate(conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void): void {
  conn.exec('PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;', (err) => done(err, conn));
}

export function createKnex(dbCfg: DatabaseConfig): Knex {
  if (dbCfg.client === 'pg') {
    if (!dbCfg.connection) throw new Error('database.connection is required when database.client is "pg"');
    return knexFactory({ client: 'pg', connection: dbCfg.connection, migrations });
  }

  if (!dbCfg.filename) throw new Error('database.filename is required when database.client is "sqlite3"');
  const inMemory = dbCfg.filename === ':memory:' || dbCfg.filename.startsWith('file:');
  const filename = inMemory ? dbCfg.filename : resolve(dbCfg.filename);
  if (!inMemory) mkdirSync(dirname(filename), { recursive: true });

  return knexFactory({
    client: 'sqlite3',
    connection: { filename },
    // SQLite has no DEFAULT keyword for omitted insert columns.
    useNullAsDefault: true,
    pool: { afterCreate: sqliteAfterCreate },
    migrations,
  });
}
