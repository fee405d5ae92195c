import type { Knex } from 'knex';
import { TableName } from '../tables';
import { replaceCheckList } from './check-list';

/**
 * Art. 19: a published notice of an unqualified grade is sent to the university through the outbox, as a
 * notification of kind "publicNotice" (issue 14 item 6). The CHECK on notifications.notice admits the new kind.
 * PostgreSQL changes the constraint in place; SQLite makes the table again and copies the rows. Down removes
 * the Art. 19 rows first (their kind would break the old CHECK): they are notices already public in the notices table.
 */
const BEFORE = ['reminder', 'overdue', 'escalation'];
const AFTER = [...BEFORE, 'publicNotice'];

const checkNotice = (knex: Knex, from: string[], to: string[]) => replaceCheckList(knex, TableName.Notifications, 'notice', from, to);

export async function up(knex: Knex): Promise<void> {
  await checkNotice(knex, BEFORE, AFTER);
}

export async function down(knex: Knex): Promise<void> {
  await knex(TableName.Notifications).where({ notice: 'publicNotice' }).del();
  await checkNotice(knex, AFTER, BEFORE);
}
