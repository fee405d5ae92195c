import type { Knex } from 'knex';
import { RESULT_KINDS, RESULT_STATUSES, TRANSFER_MODES } from '../../machines/vocabulary';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * Op. 4(4), Art. 15: each center's results reserve and patent pool — one row per result, upserted as it moves (in
 * reserve, under transfer by a granted guidance project, transferred); updated_seq keeps a late retry from rolling
 * a row back.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TableName.ReserveResults, (t) => {
    const c = columns(knex, t);
    t.string('center_id', 255).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('result_id', 255).notNullable();
    t.string('result_kind', 16).notNullable().checkIn([...RESULT_KINDS]);
    t.text('title').notNullable();
    t.string('identifier', 255).nullable();
    t.bigInteger('value_fen').notNullable();
    t.string('status', 16).notNullable().checkIn([...RESULT_STATUSES]);
    /** The granted guidance request that transfers it (Art. 15). */
    t.string('request_id', 255).nullable();
    t.string('transfer_mode', 24).nullable().checkIn([...TRANSFER_MODES]);
    c.date('transferred_on').nullable();
    t.text('counterparty').nullable();
    t.bigInteger('contract_amount_fen').nullable();
    c.timestamp('recorded_at').notNullable();
    t.string('recorded_by', 255).notNullable();
    c.timestamp('updated_at').notNullable();
    t.integer('updated_seq').notNullable();
    t.primary(['center_id', 'result_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable(TableName.ReserveResults);
}
