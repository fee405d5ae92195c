import type { Knex } from 'knex';
import { CALL_STATUSES, DECISION_OUTCOMES, RECOMMENDATIONS, TIERS } from '../../machines/vocabulary';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * The application process (Art. 7–9, 20) and the audit trail (SPEC §3 "Audit").
 * Column kinds come from db/columns.ts: timestamps (ISO-8601 text on SQLite, timestamptz on PostgreSQL), documents
 * (JSON text / jsonb), money in integer fen (bigint); the repositories read the same values from both.
 *
 * The two append-only logs (audit_log, call_events) carry no foreign key on purpose: their insert is the
 * idempotency gate of an activity and comes first in its transaction, before the read-model row it describes.
 * The center-scoped records reference centers(center_id); the activity upserts the center before them.
 */
const ID = 255;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TableName.Calls, (t) => {
    const c = columns(knex, t);
    t.string('call_id', ID).notNullable().primary();
    t.text('title').notNullable();
    c.timestamp('opens_at').notNullable();
    c.timestamp('closes_at').notNullable();
    t.integer('quota').notNullable();
    t.integer('approved_count').notNullable().defaultTo(0);
    t.string('status', 16).notNullable().checkIn([...CALL_STATUSES]);
    t.integer('last_seq').notNullable();
    c.timestamp('created_at').notNullable();
    c.timestamp('updated_at').notNullable();
  });

  await knex.schema.createTable(TableName.CallEvents, (t) => {
    const c = columns(knex, t);
    t.string('call_id', ID).notNullable();
    t.integer('seq').notNullable();
    t.string('kind', 64).notNullable();
    t.text('reason').nullable();
    t.string('actor_id', ID).notNullable();
    t.string('actor_role', 32).notNullable();
    t.string('actor_org_id', ID).nullable();
    t.string('command_id', ID).nullable();
    c.timestamp('at').notNullable();
    c.document('snapshot').notNullable();
    t.primary(['call_id', 'seq']);
  });

  await knex.schema.createTable(TableName.Centers, (t) => {
    const c = columns(knex, t);
    t.string('center_id', ID).notNullable().primary();
    t.string('workflow_id', ID).notNullable();
    t.string('university_id', ID).notNullable();
    t.string('call_id', ID).notNullable();
    t.text('state').notNullable();
    t.integer('cycle').notNullable();
    t.string('tier', 1).nullable().checkIn([...TIERS]);
    t.text('name_zh').nullable();
    t.text('name_en').nullable();
    c.timestamp('established_at').nullable();
    c.timestamp('next_deadline_at').nullable();
    t.integer('last_seq').notNullable();
    c.timestamp('updated_at').notNullable();
    t.index(['state']);
    t.index(['call_id']);
    t.index(['university_id']);
  });

  await knex.schema.createTable(TableName.Applications, (t) => {
    const c = columns(knex, t);
    t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);
    t.integer('version').notNullable();
    t.string('call_id', ID).notNullable();
    t.string('university_id', ID).notNullable();
    c.document('application').notNullable();
    c.timestamp('submitted_at').notNullable();
    t.primary(['center_id', 'version']);
    t.index(['call_id']);
  });

  await knex.schema.createTable(TableName.EligibilityResults, (t) => {
    const c = columns(knex, t);
    t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);
    t.integer('version').notNullable();
    t.integer('condition').notNullable().checkBetween([1, 7]);
    t.string('condition_key', 64).notNullable();
    t.boolean('passed').notNullable();
    t.text('reason').notNullable();
    c.timestamp('checked_at').notNullable();
    t.primary(['center_id', 'version', 'condition']);
  });

  await knex.schema.createTable(TableName.ExpertAssignments, (t) => {
    const c = columns(knex, t);
    t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('stage', 64).notNullable();
    t.string('expert_id', ID).notNullable();
    t.text('expert_name').notNullable();
    t.string('expert_org_id', ID).notNullable();
    c.timestamp('assigned_at').notNullable();
    t.string('assigned_by', ID).notNullable();
    t.primary(['center_id', 'stage', 'expert_id']);
    t.index(['expert_id']);
  });

  await knex.schema.createTable(TableName.Reviews, (t) => {
    const c = columns(knex, t);
    t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);
    t.string('stage', 64).notNullable();
    t.string('expert_id', ID).notNullable();
    t.double('score').notNullable();
    t.string('recommendation', 16).notNullable().checkIn([...RECOMMENDATIONS]);
    t.text('opinion').notNullable();
    c.timestamp('submitted_at').notNullable();
    t.primary(['center_id', 'stage', 'expert_id']);
  });

  await knex.schema.createTable(TableName.Decisions, (t) => {
    const c = columns(knex, t);
    t.string('center_id', ID).notNullable().primary().references('center_id').inTable(TableName.Centers);
    t.string('outcome', 16).notNullable().checkIn([...DECISION_OUTCOMES]);
    t.text('reason').notNullable();
    c.timestamp('decided_at').notNullable();
    t.string('decided_by', ID).notNullable();
  });

  await knex.schema.createTable(TableName.AuditLog, (t) => {
    const c = columns(knex, t);
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
    c.timestamp('at').notNullable();
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
