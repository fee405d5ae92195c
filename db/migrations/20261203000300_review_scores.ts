import type { Knex } from 'knex';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * Art. 9 择优: an expert's review may score each dimension of the commission's rubric (policy applicationRubric);
 * the row keeps those scores beside the computed score. Null for a review of one overall score (and every review
 * recorded before). A nullable column: SQLite adds it without rebuilding the table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.Reviews, (t) => {
    columns(knex, t).document('scores').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.Reviews, (t) => {
    t.dropColumn('scores');
  });
}
