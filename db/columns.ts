import type { Knex } from 'knex';

/**
 * One helper per column kind, for every migration: the same schema on SQLite as always, and PostgreSQL's own types
 * where it has them. What each dialect answers for them is made alike in db/knex.ts (the pg type parsers) and
 * db/schemas.ts (the row schemas), so the repositories see the same values on both:
 *
 * | kind      | SQLite (unchanged)   | PostgreSQL      | the repositories see                          |
 * |-----------|----------------------|-----------------|-----------------------------------------------|
 * | timestamp | varchar(40), ISO text | timestamptz    | ISO-8601 UTC text, milliseconds: `2026-12-02T07:14:52.946Z` |
 * | date      | varchar(40), text    | date            | `YYYY-MM-DD`                                  |
 * | document  | text (JSON)          | jsonb           | the parsed document                           |
 * | boolean   | boolean (0/1)        | boolean         | true / false                                  |
 * | money     | bigint (integer)     | bigint          | a number of fen (exact up to 2^53)            |
 */

/** Whether the migration runs against PostgreSQL. */
export const isPostgres = (knex: Knex): boolean => knex.client.config.client === 'pg';

/** Room for any ISO-8601 text timestamp, on SQLite. */
const TS = 40;

export interface ColumnKinds {
  /** An instant: timestamptz on PostgreSQL. */
  timestamp(name: string): Knex.ColumnBuilder;
  /** A calendar date (YYYY-MM-DD): date on PostgreSQL. */
  date(name: string): Knex.ColumnBuilder;
  /** A JSON document (object or array): jsonb on PostgreSQL. */
  document(name: string): Knex.ColumnBuilder;
}

/** The column helpers for one table of a migration (created or altered): `const c = columns(knex, t); c.timestamp('at').notNullable();`. */
export function columns(knex: Knex, t: Knex.TableBuilder): ColumnKinds {
  const pg = isPostgres(knex);
  return {
    timestamp: (name) => (pg ? t.timestamp(name, { useTz: true, precision: 3 }) : t.string(name, TS)),
    date: (name) => (pg ? t.date(name) : t.string(name, TS)),
    document: (name) => (pg ? t.jsonb(name) : t.text(name)),
  };
}
