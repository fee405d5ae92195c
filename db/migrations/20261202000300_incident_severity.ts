import type { Knex } from 'knex';
import { INCIDENT_SEVERITIES } from '../../machines/vocabulary';
import { TableName } from '../tables';

/**
 * Art. 12: an integrity incident carries how grave it is (minor, serious, severe); a severe one in the cycle makes an
 * "excellent" grade need a written reason (policy.severeIncidentExcellentNeedsReason). Incidents recorded before
 * are minor. A column with a default and its CHECK: SQLite adds it without rebuilding the table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.IntegrityIncidents, (t) => {
    t.string('severity', 16).notNullable().defaultTo('minor').checkIn([...INCIDENT_SEVERITIES]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.IntegrityIncidents, (t) => {
    t.dropColumn('severity');
  });
}
