import type { Knex } from 'knex';

const inList = (values: readonly string[]) => values.map((k) => `'${k}'`).join(',');

/**
 * Changes the list a CHECK (column in (...)) admits on one table, for migrations that add a value to a vocabulary.
 * PostgreSQL changes the constraint in place; SQLite cannot alter a CHECK, so the table is made again from its own
 * CREATE statement with the new list, the rows copied, and its indexes made again (only for tables nothing
 * references). `from` must be the list the table has now: anything else is refused, naming what was found.
 */
export async function replaceCheckList(knex: Knex, table: string, column: string, from: readonly string[], to: readonly string[]): Promise<void> {
  if (knex.client.config.client === 'pg') {
    // DDL takes no bound parameters; the values are the migration's constants.
    await knex.raw('alter table ?? drop constraint if exists ??', [table, `${table}_${column}_check`]);
    await knex.raw(`alter table ?? add constraint ?? check (?? in (${inList(to)}))`, [table, `${table}_${column}_check`, column]);
    return;
  }
  const rows = (await knex.raw('select type, name, sql from sqlite_master where tbl_name = ? and sql is not null', [table])) as { type: string; name: string; sql: string }[];
  const create = rows.find((r) => r.type === 'table')!.sql;
  // The CHECK as knex wrote it (check (`c` in ('a','b'))) or as a later knex rebuild of the table did
  // (CHECK (`c` in('a' , 'b'))).
  const check = new RegExp(`check \\(\`${column}\` in\\s*\\(([^)]*)\\)\\)`, 'i');
  const found = check.exec(create);
  const listed = found?.[1].split(',').map((k) => k.trim().replace(/^'|'$/g, ''));
  if (!found || listed!.join(',') !== from.join(',')) throw new Error(`${table}.${column} has an unexpected CHECK (expected ${inList(from)}): ${create}`);
  const rebuilt = `${table}_rebuild`;
  await knex.raw(create.replace(/^CREATE TABLE [`"]?\w+[`"]?/, `CREATE TABLE \`${rebuilt}\``).replace(check, `check (\`${column}\` in (${inList(to)}))`));
  await knex.raw(`insert into ?? select * from ??`, [rebuilt, table]);
  await knex.schema.dropTable(table);
  await knex.schema.renameTable(rebuilt, table);
  for (const index of rows.filter((r) => r.type === 'index')) await knex.raw(index.sql);
}
