import type { Knex } from 'knex';
import { TableName } from '../tables';

/**
 * Art. 19: a published notice of an unqualified grade is sent to the university through the outbox, as a
 * notification of kind "publicNotice" (issue 14 item 6). The CHECK on notifications.notice admits the new kind.
 * PostgreSQL changes the constraint in place; SQLite makes the table again and copies the rows. Down removes
 * the Art. 19 rows first (their kind would break the old CHECK): they are notices already public in the notices table.
 */
const BEFORE = ['reminder', 'overdue', 'escalation'];
const AFTER = [...BEFORE, 'publicNotice'];

const inList = (kinds: string[]) => kinds.map((k) => `'${k}'`).join(',');

async function checkNotice(knex: Knex, from: string[], to: string[]): Promise<void> {
  const table = TableName.Notifications;
  if (knex.client.config.client === 'pg') {
    // DDL takes no bound parameters; the kinds are this file's constants.
    await knex.raw('alter table ?? drop constraint if exists ??', [table, `${table}_notice_check`]);
    await knex.raw(`alter table ?? add constraint ?? check (?? in (${inList(to)}))`, [table, `${table}_notice_check`, 'notice']);
    return;
  }
  // SQLite cannot alter a CHECK: the table is made again from its own CREATE statement with the new list, the rows
  // copied, and its indexes made again. No table references the outbox, so nothing else changes.
  const rows = (await knex.raw('select type, name, sql from sqlite_master where tbl_name = ? and sql is not null', [table])) as { type: string; name: string; sql: string }[];
  const create = rows.find((r) => r.type === 'table')!.sql;
  // The CHECK as knex wrote it (check (`notice` in ('a','b'))) or as a later knex rebuild of the table did
  // (CHECK (`notice` in('a' , 'b'))).
  const check = /check \(`notice` in\s*\(([^)]*)\)\)/i;
  const found = check.exec(create);
  const listed = found?.[1].split(',').map((k) => k.trim().replace(/^'|'$/g, ''));
  if (!found || listed!.join(',') !== from.join(',')) throw new Error(`notifications.notice has an unexpected CHECK (expected ${inList(from)}): ${create}`);
  const rebuilt = `${table}_rebuild`;
  await knex.raw(create.replace(/^CREATE TABLE [`"]?\w+[`"]?/, `CREATE TABLE \`${rebuilt}\``).replace(check, `check (\`notice\` in (${inList(to)}))`));
  await knex.raw(`insert into ?? select * from ??`, [rebuilt, table]);
  await knex.schema.dropTable(table);
  await knex.schema.renameTable(rebuilt, table);
  for (const index of rows.filter((r) => r.type === 'index')) await knex.raw(index.sql);
}

export async function up(knex: Knex): Promise<void> {
  await checkNotice(knex, BEFORE, AFTER);
}

export async function down(knex: Knex): Promise<void> {
  await knex(TableName.Notifications).where({ notice: 'publicNotice' }).del();
  await checkNotice(knex, AFTER, BEFORE);
}
