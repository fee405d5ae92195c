import type { Knex } from 'knex';
import { TableName } from '../tables';

/**
 * Issue 14 item 6: the outbox mails each notice (Art. 18 reminders and escalations, Art. 19 notices) to people, so a
 * user may carry an email address. The application (machines/domain.ts) names no contact address, so the users of
 * the HTTP API are where a notice's recipients come from. Nullable, no default: SQLite adds it without rebuilding
 * the table; users added before have none until one is set (`centers users add --email`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.Users, (t) => {
    t.string('email', 254).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.Users, (t) => {
    t.dropColumn('email');
  });
}
