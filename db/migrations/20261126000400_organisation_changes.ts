import type { Knex } from 'knex';
import { ORGANISATION_CHANGES } from '../../machines/vocabulary';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * Art. 6: director changes are recorded events; Art. 8(7): so are staff changes, flagged when the center falls
 * below the policy's staff minimum. Append-only, one row per change, referencing the center.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TableName.OrganisationChanges, (t) => {
    const c = columns(knex, t);
    t.string('center_id', 255).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('change_id', 255).notNullable();
    t.string('change', 16).notNullable().checkIn([...ORGANISATION_CHANGES]);
    /** JSON: the new director, or the staff list as it now is. */
    c.document('details').notNullable();
    c.date('effective_on').notNullable();
    t.text('reason').notNullable();
    t.boolean('below_staff_minimum').notNullable();
    c.timestamp('recorded_at').notNullable();
    t.string('recorded_by', 255).notNullable();
    t.primary(['center_id', 'change_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable(TableName.OrganisationChanges);
}
