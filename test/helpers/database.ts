/**
 * A real SQLite file in a temporary folder, migrated to the latest schema: for a whole test file (tempDatabase) or
 * a fresh one per test with the project's activities and repositories on it (testDatabase).
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

export interface TempDatabase {
  knex: Knex;
  /** The SQLite file, for another connection or a subprocess. */
  filename: string;
  /** The temporary folder holding it, removed by removeTempDatabase. */
  dir: string;
  database: DatabaseConfig;
}

/** A migrated SQLite file in a new temporary folder named `prefix…`, and a connection to it. */
export async function tempDatabase(prefix = 'centers-test-'): Promise<TempDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const filename = path.join(dir, 'centers.sqlite');
  const database: DatabaseConfig = { client: 'sqlite3', filename, connection: null };
  await migrateLatest({ database });
  return { knex: createKnex(database), filename, dir, database };
}

/** Closes the connection and removes the temporary folder. */
export async function removeTempDatabase(db: TempDatabase | undefined): Promise<void> {
  if (!db) return;
  await db.knex.destroy();
  fs.rmSync(db.dir, { recursive: true, force: true });
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
  readonly database: DatabaseConfig;
  readonly knex: Knex;
  readonly activities: Activities;
  readonly repos: Repositories;
  /** Persists each transition in turn through the activity, expecting each to be written and to answer its audit row. */
  persistAll(...inputs: PersistTransitionInput[]): Promise<void>;
  /** Row counts of every table (rowCounts). */
  counts(): Promise<Record<string, number>>;
  /**
   * The activities of a second worker with its own connection to the same file (to race the first); the
   * connection is closed by close().
   */
  otherWorker(): Activities;
  /** A fresh database (for beforeEach). */
  open(): Promise<void>;
  /** Closes every connection and removes the file (for afterEach). */
  close(): Promise<void>;
}

/** A fresh database per test: `const db = testDatabase('centers-x-'); beforeEach(db.open); afterEach(db.close);`. */
export function testDatabase(prefix: string): TestDatabase {
  let current: (TempDatabase & { activities: Activities; repos: Repositories }) | undefined;
  const others: Knex[] = [];
  const get = () => {
    if (!current) throw new Error('testDatabase: not open (register beforeEach(db.open))');
    return current;
  };
  return {
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
      const db = await tempDatabase(prefix);
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
