import type { Knex } from 'knex';
import { BUDGET_LINES, FINAL_ACCOUNTS_STATUSES } from '../../machines/vocabulary';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * Art. 16: the budgets per line, the spending recorded against them and the final accounts (决算) of each grant.
 * - budget_lines: one row per line of a grant, written once with the grant (a grant made before lines: none; its
 *   one line `unallocated` is its ledger amount).
 * - spending: one row per spending, written once.
 * - final_accounts: one row per grant, upserted as it moves (submitted, returned, accepted); updated_seq keeps a late
 *   retry from rolling it back.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TableName.BudgetLines, (t) => {
    const c = columns(knex, t);
    t.string('center_id', 255).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('request_id', 255).notNullable();
    t.string('line', 32).notNullable().checkIn([...BUDGET_LINES]);
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.bigInteger('amount_fen').notNullable();
    c.timestamp('granted_at').notNullable();
    t.primary(['center_id', 'request_id', 'line']);
  });
  await knex.schema.createTable(TableName.Spending, (t) => {
    const c = columns(knex, t);
    t.string('center_id', 255).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('spending_id', 255).notNullable();
    t.string('request_id', 255).notNullable();
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.string('line', 32).notNullable().checkIn([...BUDGET_LINES]);
    t.bigInteger('amount_fen').notNullable();
    c.date('spent_on').notNullable();
    t.text('description').notNullable();
    c.timestamp('recorded_at').notNullable();
    t.string('recorded_by', 255).notNullable();
    t.primary(['center_id', 'spending_id']);
    t.index(['center_id', 'request_id']);
  });
  await knex.schema.createTable(TableName.FinalAccounts, (t) => {
    const c = columns(knex, t);
    t.string('center_id', 255).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('request_id', 255).notNullable();
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.string('status', 16).notNullable().checkIn([...FINAL_ACCOUNTS_STATUSES]);
    c.document('lines').notNullable();
    t.bigInteger('granted_fen').notNullable();
    t.bigInteger('spent_fen').notNullable();
    t.bigInteger('unspent_fen').notNullable();
    t.text('statement').nullable();
    c.timestamp('submitted_at').notNullable();
    t.string('submitted_by', 255).notNullable();
    c.timestamp('decided_at').nullable();
    t.string('decided_by', 255).nullable();
    t.text('reason').nullable();
    t.integer('updated_seq').notNullable();
    t.primary(['center_id', 'request_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable(TableName.FinalAccounts);
  await knex.schema.dropTable(TableName.Spending);
  await knex.schema.dropTable(TableName.BudgetLines);
}
