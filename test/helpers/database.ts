/**
 * A real database, migrated to the latest schema, on either dialect: a SQLite file in a temporary folder, or a new
 * database on the run's PostgreSQL server (test/helpers/postgres.ts) — for a whole test file (tempDatabase) or a
 * fresh one per test with the project's activities and repositories on it (testDatabase). `DIALECTS` runs a suite
 * on both: `describe.each(DIALECTS)('%s', (dialect) => { const db = testDatabase('x-', dialect); … })`.
 *
 * No vitest import here: scripts outside the test runner (scripts/record-fixtures.ts) use these helpers too, so the
 * test file registers the hooks itself: `beforeEach(db.open); afterEach(db.close);`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createActivities, type Activities } from '../../activities';
import { createKnex, type DatabaseConfig } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { createRepositories, type Repositories } from '../../db/repositories';
import { TableName } from '../../db/tables';
import type { PersistTransitionInput } from '../../machines/records.types';
import { createPostgresDatabase, postgresEnabled, type PostgresDatabase } from './postgres';

export type Dialect = DatabaseConfig['client'];

/** The dialects every database suite runs on: SQLite, and PostgreSQL unless CENTERS_TEST_POSTGRES=off. */
export const DIALECTS: readonly Dialect[] = postgresEnabled() ? ['sqlite3', 'pg'] : ['sqlite3'];

export interface TempDatabase {
  dialect: Dialect;
  knex: Knex;
  /** The SQLite file, for another connection or a subprocess ('' on PostgreSQL: see database.connection). */
  filename: string;
  /** The temporary folder holding it, removed by removeTempDatabase ('' on PostgreSQL). */
  dir: string;
  database: DatabaseConfig;
  /** On PostgreSQL, the database itself (dropped by removeTempDatabase). */
  postgres?: PostgresDatabase;
}

/**
 * A migrated database and a connection to it: a SQLite file in a new temporary folder named `prefix…`, or (dialect
 * 'pg') a new database on the run's PostgreSQL server. `migrated: false` leaves it empty.
 */
export async function tempDatabase(prefix = 'centers-test-', dialect: Dialect = 'sqlite3', { migrated = true } = {}): Promise<TempDatabase> {
  if (dialect === 'pg') {
    const postgres = await createPostgresDatabase({ migrated });
    const database: DatabaseConfig = { client: 'pg', filename: null, connection: postgres.url };
    return { dialect, knex: createKnex(database), filename: '', dir: '', database, postgres };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const filename = path.join(dir, 'centers.sqlite');
  const database: DatabaseConfig = { client: 'sqlite3', filename, connection: null };
  if (migrated) await migrateLatest({ database });
  return { dialect, knex: createKnex(database), filename, dir, database };
}

/** Closes the connection and removes the temporary folder (or drops the PostgreSQL database). */
export async function removeTempDatabase(db: TempDatabase | undefined): Promise<void> {
  if (!db) return;
  await db.knex.destroy();
  if (db.postgres) await db.postgres.drop();
  else fs.rmSync(db.dir, { recursive: true, force: true });
}

/** The number of rows in every table of the schema, by table name. */
export async function rowCounts(knex: Knex): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of Object.values(TableName)) {
    const [{ n }] = await knex(table).count({ n: '*' });
    out[table] = Number(n);
  }
  return out;
}

export interface TestDatabase {
  readonly dialect: Dialect;
  readonly database: DatabaseConfig;
  readonly knex: Knex;
  readonly activities: Activities;
  readonly repos: Repositories;
  /** Persists each transition in turn through the activity, expecting each to be written and to answer its audit row. */
  persistAll(...inputs: PersistTransitionInput[]): Promise<void>;
  /** Row counts of every table (rowCounts). */
  counts(): Promise<Record<string, number>>;
  /**
   * The activities of a second worker with its own connection to the same database (to race the first); the
   * connection is closed by close().
   */
  otherWorker(): Activities;
  /** A fresh database (for beforeEach). */
  open(): Promise<void>;
  /** Closes every connection and removes the database (for afterEach). */
  close(): Promise<void>;
}

/** A fresh database per test: `const db = testDatabase('centers-x-', dialect); beforeEach(db.open); afterEach(db.close);`. */
export function testDatabase(prefix: string, dialect: Dialect = 'sqlite3'): TestDatabase {
  let current: (TempDatabase & { activities: Activities; repos: Repositories }) | undefined;
  const others: Knex[] = [];
  const get = () => {
    if (!current) throw new Error('testDatabase: not open (register beforeEach(db.open))');
    return current;
  };
  return {
    dialect,
    get database() {
      return get().database;
    },
    get knex() {
      return get().knex;
    },
    get activities() {
      return get().activities;
    },
    get repos() {
      return get().repos;
    },
    async persistAll(...inputs) {
      // Imported when called: scripts outside the test runner import this module, and vitest refuses to load there.
      const { expect } = await import('vitest');
      for (const input of inputs) expect(await get().activities.persistTransition(input)).toEqual({ written: true, audit: input.audit });
    },
    counts: () => rowCounts(get().knex),
    otherWorker() {
      const other = createKnex(get().database);
      others.push(other);
      return createActivities({ knex: other });
    },
    async open() {
      const db = await tempDatabase(prefix, dialect);
      current = { ...db, activities: createActivities({ knex: db.knex }), repos: createRepositories(db.knex) };
    },
    async close() {
      for (const other of others.splice(0)) await other.destroy();
      const db = current;
      current = undefined;
      await removeTempDatabase(db);
    },
  };
}
