import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
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

// ── column names: camelCase in the code, snake_case in the database, mapped here once ──────────────────────────
/*
 * The columns are snake_case (center_id); the records the code reads and writes are camelCase (centerId). Rather
 * than a row↔record mapper per table, knex's two hooks map every query once:
 *  - wrapIdentifier: every identifier knex quotes (table, column, alias; in builders, schema builders and `??`
 *    bindings of raw queries) goes camelCase → snake_case. A snake_case name has no capital letter and passes
 *    unchanged: the migrations, written in snake_case, create exactly the schema they always did.
 *  - postProcessResponse: the keys of every row knex answers go snake_case → camelCase, top-level keys only (a
 *    JSON document is answered as its text on both dialects, and its text is never touched).
 *
 * What to know when querying:
 *  - raw queries: their SQL text is not rewritten (name columns in snake_case there), but their result rows are
 *    mapped like any other: `knex.raw('select amount_fen from funding_ledger')` answers `[{ amountFen }]` on SQLite,
 *    and on PostgreSQL a result whose `rows` are mapped. The stored names show in the values of `PRAGMA
 *    table_info`/`sqlite_master`, or through a knex made without these hooks.
 *  - `pluck(column)` and `columnInfo(column)` take the stored name (knex reads it off the row before the hook), and
 *    `columnInfo()` stays keyed by the stored column names: it describes the table, it is not a row.
 *  - knex runs its own migration bookkeeping (knex_migrations) with the hooks off, on a copy of the instance; the
 *    migrations' own statements go through wrapIdentifier.
 */

/** centerId → center_id; a name without capitals (snake_case, `*`, knex's own tables) is unchanged. */
export const toColumnName = (identifier: string): string => identifier.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** center_id → centerId: an underscore between a lower-case letter or digit and a lower-case letter. */
export const toFieldName = (column: string): string => column.replace(/(?<=[a-z0-9])_([a-z])/g, (_, c: string) => c.toUpperCase());

const isRecordLike = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);

/** One row's keys mapped; anything that is not a row (a count, an id, null, undefined) as it came. */
function fieldsOf(row: unknown): unknown {
  if (!isRecordLike(row)) return row;
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) out[toFieldName(column)] = value;
  return out;
}

/** columnInfo() answers { [column]: { type, maxLength, nullable, defaultValue } }: a description, not a row. */
const COLUMN_INFO_KEYS = ['defaultValue', 'maxLength', 'nullable', 'type'].join();
const isColumnInfo = (value: Record<string, unknown>): boolean => {
  const infos = Object.values(value);
  return infos.length > 0 && infos.every((info) => isRecordLike(info) && Object.keys(info).sort().join() === COLUMN_INFO_KEYS);
};

/** PostgreSQL's raw result (and an insert without returning): { command, rowCount, rows, fields, … }. */
const isPgResult = (value: Record<string, unknown>): boolean => typeof value.command === 'string' && Array.isArray(value.rows) && Array.isArray(value.fields);

/** knex's postProcessResponse: rows (an array of them, `first()`'s one, a pg result's) get camelCase keys. */
export function mapResponse(response: unknown): unknown {
  if (Array.isArray(response)) return response.map(fieldsOf);
  if (!isRecordLike(response) || isColumnInfo(response)) return response;
  if (isPgResult(response)) {
    const rows = (response.rows as unknown[]).map(fieldsOf);
    return Object.assign(Object.create(Object.getPrototypeOf(response) as object) as object, response, { rows });
  }
  return fieldsOf(response);
}

/** The two hooks, for every knex that serves the repositories (createKnex adds them). */
export const columnNameMapping = {
  // knex also passes what is not a name (an unnamed constraint's undefined): that goes on as it came.
  wrapIdentifier: (identifier: string, origImpl: (value: string) => string): string =>
    origImpl(typeof identifier === 'string' ? toColumnName(identifier) : identifier),
  postProcessResponse: (response: unknown): unknown => mapResponse(response),
} satisfies Pick<Knex.Config, 'wrapIdentifier' | 'postProcessResponse'>;

/** Whether `knex` maps column names: made by createKnex, or given columnNameMapping. */
export const mapsColumnNames = (knex: Knex): boolean => knex.client.config.postProcessResponse === columnNameMapping.postProcessResponse;

// ── PostgreSQL: the values SQLite answers ──────────────────────────────────────────────────────────────────────
/*
 * The driver's parsers for the types the migrations use on PostgreSQL (db/columns.ts), per connection (never pg's
 * global registry), so every query — builders and raw — answers what SQLite answers for the same column:
 *  - timestamptz → ISO-8601 UTC text with milliseconds (`2026-12-02T07:14:52.946Z`), as the code writes them (pg
 *    would answer a Date);
 *  - date → its `YYYY-MM-DD` text (pg would answer a Date at local midnight);
 *  - jsonb/json → the JSON text, parsed by the row schemas as SQLite's text is (pg would answer the parsed value);
 *  - bigint (money, count(*)) and numeric (sum of bigint) → a number while it is a safe integer, else the decimal
 *    text, which the row schemas refuse for money (pg would always answer text).
 * Booleans stay true/false (SQLite answers 0/1): the row schemas read both.
 */
const PG_OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184, json: 114, jsonb: 3802 } as const;

const integerOrText = (text: string): number | string => {
  const n = Number(text);
  return /^-?\d+$/.test(text) && Number.isSafeInteger(n) ? n : text;
};

/** An instant as the code writes it; PostgreSQL's ±infinity (never written here) as its text. */
const isoInstant = (text: string): string => {
  const parsed: unknown = pg.types.getTypeParser(PG_OID.timestamptz)(text);
  return parsed instanceof Date && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : text;
};

const pgParsers: Partial<Record<number, (text: string) => unknown>> = {
  [PG_OID.int8]: integerOrText,
  [PG_OID.numeric]: integerOrText,
  [PG_OID.date]: (text) => text,
  [PG_OID.timestamptz]: isoInstant,
  // timestamp without time zone is not used by the migrations; read as UTC if a raw query makes one.
  [PG_OID.timestamp]: (text) => isoInstant(`${text}+00`),
  [PG_OID.json]: (text) => text,
  [PG_OID.jsonb]: (text) => text,
};

/** node-postgres' `types` option: the parsers above for text results, pg's own for the rest. */
export const pgTypes = {
  getTypeParser: (oid: number, format?: string): ((value: string) => unknown) => {
    const ours = pgParsers[oid];
    if (ours && (format ?? 'text') === 'text') return ours;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
};

/**
 * The pool for PostgreSQL: no idle connection kept (min 0, as knex advises: a dropped idle connection is never handed
 * out), at most 10 per process (a worker's activities, the API and the CLI each have their own pool; the server's
 * max_connections, 100 by default, bounds their sum), and the session in UTC so that a timestamp written without an
 * offset means UTC on every connection.
 */
const PG_POOL = { min: 0, max: 10, idleTimeoutMillis: 30_000 } as const;

export function createKnex(dbCfg: DatabaseConfig): Knex {
  if (dbCfg.client === 'pg') {
    if (!dbCfg.connection) throw new Error('database.connection is required when database.client is "pg"');
    return knexFactory({
      client: 'pg',
      connection: { connectionString: dbCfg.connection, types: pgTypes, options: '-c TimeZone=UTC', application_name: 'centers' },
      pool: { ...PG_POOL },
      acquireConnectionTimeout: 60_000,
      migrations,
      ...columnNameMapping,
    });
  }

  if (!dbCfg.filename) throw new Error('database.filename is required when database.client is "sqlite3"');
  const inMemory = dbCfg.filename === ':memory:' || dbCfg.filename.startsWith('file:');
  const filename = inMemory ? dbCfg.filename : resolve(dbCfg.filename);
  if (!inMemory) mkdirSync(dirname(filename), { recursive: true });

  return knexFactory({
    // knex's sqlite3 client, healing its pool after a read-only spell (HealingSqliteClient).
    client: HealingSqliteClient as unknown as typeof Knex.Client,
    connection: { filename },
    // SQLite has no DEFAULT keyword for omitted insert columns.
    useNullAsDefault: true,
    pool: { afterCreate: sqliteAfterCreate },
    migrations,
    ...columnNameMapping,
  });
}

/**
 * The SQLite errors after which a connection is not used again: a connection opened while the file could not be
 * opened for writing (read-only, immutable, a full or failing disk) stays read-only for its whole life, so without
 * this a worker kept failing with SQLITE_READONLY long after the file was writable again.
 */
export const STALE_SQLITE_CODES: readonly string[] = ['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_NOTADB', 'SQLITE_CORRUPT'];

type SqliteClientClass = new (config: Knex.Config) => { _query(connection: Record<string, unknown>, obj: unknown): Promise<unknown> };
/** knex's SQLite client class (knex ships no types for its dialects). */
const SqliteClient = createRequire(import.meta.url)('knex/lib/dialects/sqlite3/index.js') as SqliteClientClass;

/**
 * Heals the pool after such an error: the connection the statement ran on is marked disposed (knex's own mark, the
 * one its pg client sets on a connection that errored), so the pool's validation destroys it when it is next asked
 * for, and the next attempt — the activity's retry — opens a fresh connection to the file as it is then.
 * Busy (SQLITE_BUSY, a lock held elsewhere) is not such an error: the same connection succeeds once the lock is free.
 * A subclass, not a patched instance: a transaction's client is made from the class's prototype.
 */
class HealingSqliteClient extends SqliteClient {
  override async _query(connection: Record<string, unknown>, obj: unknown): Promise<unknown> {
    try {
      return await super._query(connection, obj);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && STALE_SQLITE_CODES.includes(code) && connection) connection.__knex__disposed = code;
      throw err;
    }
  }
}

const ROLLBACK = new Error('probe: rolled back');
/**
 * Whether the database takes a write now (a health check's probe: the API's /readyz). A read is not enough: a
 * read-only or locked SQLite file still answers `select 1`. On SQLite, an update of knex's lock row that changes
 * nothing, rolled back: it needs the write lock and a writable connection. On PostgreSQL, a statement on a fresh
 * pool client (the pool drops a client whose server went away).
 */
export async function probeWritable(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    await knex.raw('select 1');
    return;
  }
  await knex
    .transaction(async (tx) => {
      await tx.raw(`update ${MIGRATIONS_TABLE}_lock set is_locked = is_locked`);
      throw ROLLBACK;
    })
    .catch((err: unknown) => {
      if (err !== ROLLBACK) throw err;
    });
}
