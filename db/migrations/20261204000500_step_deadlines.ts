import type { Knex } from 'knex';
import { TableName } from '../tables';
import { replaceCheckList } from './check-list';

/**
 * Issue 14 item 4 (Art. 9, 18): every step that waits for someone has a deadline, and an expert who owes a review is
 * reminded in person. The outbox admits the recipient role "expert" and names the one person a notice is for in
 * `recipient_id` (null for a role: every notice before this one). The column is nullable, so the rows already there
 * stay as they were.
 */
const BEFORE = ['university', 'commission'];
const AFTER = [...BEFORE, 'expert'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.Notifications, (t) => {
    t.string('recipient_id', 255).nullable();
  });
  await replaceCheckList(knex, TableName.Notifications, 'recipient_role', BEFORE, AFTER);
}

export async function down(knex: Knex): Promise<void> {
  // The experts' reminders go first: their role would break the old CHECK (the deadlines are in the histories).
  await knex(TableName.Notifications).where({ recipient_role: 'expert' }).del();
  await knex.schema.alterTable(TableName.Notifications, (t) => {
    t.dropColumn('recipient_id');
  });
  await replaceCheckList(knex, TableName.Notifications, 'recipient_role', AFTER, BEFORE);
}
