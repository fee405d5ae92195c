import type { Knex } from 'knex';
import { CALL_STATUSES, DECISION_OUTCOMES, RECOMMENDATIONS, TIERS } from '../../machines/vocabulary';
import { TableName } from '../tables';

/**
 * The application process (Art. 7–9, 20) and the audit trail (SPEC §3 "Audit").
 * Timestamps are ISO-8601 text, money integer fen, documents JSON text, so SQLite and PostgreSQL agree.
 *
 * The two append-only logs (audit_log, call_events) carry no foreign key on purpose: their insert is the
 * idempotency gate of an activity and comes first in its transaction, before the read-model row it describes.
 * The center-scoped records reference centers(center_id); the activity upserts the center before them.
 */
const ID = 255;
const TS = 40;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TableName.Calls, (t) => {
    t.string('call_id', ID).notNullable().primary();
    t.text('title').notNullable();
    t.string('opens_at', TS).notNullable();
    t.string('closes_at', TS).notNullable();
    t.integer('quota').notNullable();
    t.integer('approved_count').notNullable().defaultTo(0);
    t.string('status', 16).notNullable().checkIn([...CALL_STATUSES]);
    t.integer('last_seq').notNullable();
    t.string('created_at', TS).notNullable();
    t.string('updated_at', TS).notNullable();
  });

  await knex.schema.createTable(TableName.CallEvents, (t) => {
    t.string('call_id', ID).notNullable();
    t.integer('seq').notNullable();
    t.string('kind', 64).notNullable();
    t.text('reason').nullable();
    t.string('actor_id', ID).notNullable();
    t.string('actor_role', 32).notNullable();
    t.string('actor_org_id', ID).nullable();
    t.string('command_id', ID).nullable();
    t.string('at', TS).notNullable();
    t.text('snapshot').notNullable();
    t.primary(['call_id', 'seq']);
  });

  await knex.schema.createTable(TableName.Centers, (t) => {
    t.string('center_id', ID).notNullable().primary();
    t.string('workflow_id', ID).notNullable();
    t.string('university_id', ID).notNullable();
    t.string('call_id', ID).notNullable();
    t.text('state').notNullable();
    t.integer('cycle').notNullable();
    t.string('tier', 1).nullable().checkIn([...TIERS]);
    t.text('name_zh').nullable();
    t.text('name_en').nullable();
    t.string('established_at', TS).nullable();
    t.string('next_deadline_at', TS).nullable();
    t.integer('last_seq').notNullable();
    t.string('updated_at', TS).notNullable();
    t.index(['state']);
    t.index(['call_id']);
    t.index(['university_id']);
  });

  await knex.schema.createTable(TableName.Applications, (t) => {
    t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);
    t.integer('version').notNullable();
    t.string('call_id', ID).notNullable();
    t.string('university_id', ID).notNullable();
    t.text('application').notNullable();
    t.string('submitted_at', TS).notNullable();
    t.primary(['center_id', 'version']);
    t.index(['call_id']);
  });

  await knex.schema.createTable(TableName.EligibilityResults, (t) => {
    t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);
    t.integer('version').notNullable();
    t.integer('condition').notNullable().checkBetween([1, 7]);
    t.string('condition_key', 64).notNullable();
    t.boolean('passed').notNullable();
    t.text('reason').notNullable();
    t.string('checked_at', TS).notNullable();
    t.primary(['center_id', 'version', 'condition']);
  });

  await knex.schema.createTable(TableName.ExpertAssignments, (t) => {
    t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('stage', 64).notNullable();
    t.string('expert_id', ID).notNullable();
    t.text('expert_name').notNullable();
    t.string('expert_org_id', ID).notNullable();
    t.string('assigned_at', TS).notNullable();
    t.string('assigned_by', ID).notNullable();
    t.primary(['center_id', 'stage', 'expert_id']);
    t.index(['expert_id']);
  });

  await knex.schema.createTable(TableName.Reviews, (t) => {
    t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('stage', 64).notNullable();
    t.string('expert_id', ID).notNullable();
    t.double('score').notNullable();
    t.string('recommendation', 16).notNullable().checkIn([...RECOMMENDATIONS]);
    t.text('opinion').notNullable();
    t.string('submitted_at', TS).notNullable();
    t.primary(['center_id', 'stage', 'expert_id']);
  });

  await knex.schema.createTable(TableName.Decisions, (t) => {
    t.string('center_id', ID).notNullable().primary().references('center_id').inTable(TableName.Centers);
    t.string('outcome', 16).notNullable().checkIn([...DECISION_OUTCOMES]);
    t.text('reason').notNullable();
    t.string('decided_at', TS).notNullable();
    t.string('decided_by', ID).notNullable();
  });

  await knex.schema.createTable(TableName.AuditLog, (t) => {
    t.increments('id');
    t.string('center_id', ID).notNullable();
    t.integer('cycle').notNullable();
    t.integer('seq').notNullable();
    t.text('from_state').notNullable();
    t.text('event').notNullable();
    t.text('to_state').notNullable();
    t.string('actor_id', ID).notNullable();
    t.string('actor_role', 32).notNullable();
    t.string('actor_org_id', ID).nullable();
    t.string('command_id', ID).nullable();
    t.string('at', TS).notNullable();
    t.unique(['center_id', 'seq']);
    t.index(['center_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  // Children before the centers table they reference.
  for (const table of [
    TableName.AuditLog,
    TableName.Decisions,
    TableName.Reviews,
    TableName.ExpertAssignments,
    TableName.EligibilityResults,
    TableName.Applications,
    TableName.Centers,
    TableName.CallEvents,
    TableName.Calls,
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
